// parseCertificate on a certificate the openssl CLI wrote (with an awkward DN and every extension certgate reads),
// checked against what openssl itself reports for the same file: thumbprint, serial, names, validity, extensions.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate, serialHexOf, thumbprintOf, type CertificateInfo } from './certificate-info';
import { pemToDer } from './der';
import { formatDotnet } from './dn';
import { OID } from './oids';

const dir = mkdtempSync(join(tmpdir(), 'certgate-certinfo-'));
let der: Buffer;
let info: CertificateInfo;
const x509 = (...args: string[]) => execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', ...args], { encoding: 'utf8' });

beforeAll(() => {
  writeFileSync(
    join(dir, 'ext.cnf'),
    [
      '[ext]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = clientAuth, serverAuth',
      'subjectAltName = DNS:client1.contoso.example, IP:127.0.0.1, IP:::1, email:zoe@contoso.example',
      'crlDistributionPoints = URI:http://127.0.0.1:8780/crl/int.crl',
      'authorityInfoAccess = OCSP;URI:http://127.0.0.1:8780/ocsp/int',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'c.key'), '-out', join(dir, 'c.pem'), '-days', '30',
    '-set_serial', '0x00A1B2C3D4E5F60718', '-utf8', '-multivalue-rdn', '-subj', '/C=US/ST=Washington/O=Contoso, Inc./OU= Platform/CN=Zoë Åström+UID=zastrom',
    '-extensions', 'ext', '-config', join(dir, 'ext.cnf')], { stdio: 'pipe' });
  der = pemToDer(readFileSync(join(dir, 'c.pem'), 'utf8'), 'CERTIFICATE')[0]!;
  info = parseCertificate(der);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseCertificate', () => {
  it('thumbprint and serial as .NET prints them, equal to openssl\'s', () => {
    const fp = /sha1 Fingerprint=([0-9A-F:]+)/.exec(x509('-fingerprint', '-sha1'))![1]!.replace(/:/g, '');
    expect(thumbprintOf(der)).toBe(fp);
    // The value A1… has its top bit set, so DER writes a leading 00; .NET prints the octets as encoded (00 kept),
    // openssl prints the number (no 00).
    expect(serialHexOf(info.serial)).toBe('00A1B2C3D4E5F60718');
    expect(x509('-serial').trim()).toBe('serial=A1B2C3D4E5F60718');
  });

  it('subject in .NET form (hand-computed) and validity as openssl reports it', () => {
    expect(formatDotnet(info.subject)).toBe('CN=Zoë Åström + UID=zastrom, OU=" Platform", O="Contoso, Inc.", S=Washington, C=US');
    const dates = x509('-startdate', '-enddate');
    expect(new Date(/notBefore=(.+)/.exec(dates)![1]!).getTime()).toBe(info.notBefore.getTime());
    expect(new Date(/notAfter=(.+)/.exec(dates)![1]!).getTime()).toBe(info.notAfter.getTime());
  });

  it('extensions', () => {
    expect(info.basicConstraints).toEqual({ ca: false });
    expect(info.extKeyUsage).toEqual([OID.clientAuth, OID.serverAuth]);
    expect(info.subjectAltNames).toEqual([
      { type: 'dns', value: 'client1.contoso.example' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'email', value: 'zoe@contoso.example' },
    ]);
    expect(info.crlDistributionPoints).toEqual(['http://127.0.0.1:8780/crl/int.crl']);
    expect(info.ocspUrls).toEqual(['http://127.0.0.1:8780/ocsp/int']);
    const ski = /([0-9A-F]{2}(?::[0-9A-F]{2}){19})/.exec(x509('-ext', 'subjectKeyIdentifier'))![1]!.replace(/:/g, '');
    expect(info.subjectKeyIdentifier!.toString('hex').toUpperCase()).toBe(ski);
    // digitalSignature (bit 0 → 0x80) and keyEncipherment (bit 2 → 0x20) in the first octet.
    expect(info.keyUsage).toBe(0xa0);
  });
});
