// .NET subject strings for awkward DNs, against expectations worked out by hand from the rules in
// apim-behaviour.md §5 (CN first, ", " between RDNs, " + " inside one, quotes for , + = " \n < > # ; and for
// leading/trailing space or empty values, "" inside quotes, S= for state, OID.x.y for unknown types).
// The certificate fixture is written by the openssl CLI, not by certgate's encoder.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate } from './certificate-info';
import { parseDer, pemToDer } from './der';
import { decodeDn, encodeDn, formatDotnet, formatRfc2253, fromDotnetString, type DistinguishedName } from './dn';
import { OID } from './oids';

const dir = mkdtempSync(join(tmpdir(), 'certgate-dn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AWKWARD_SUBJ = '/C=US/ST=Washington/L=Redmond/O=Contoso, Inc./OU= Platform/OU=R&D #7/CN=Zoë Åström+UID=zastrom';
// By hand: RDNs reversed. In the multi-valued RDN, DER sorts the SET by encoding: the CN attribute's SEQUENCE is
// 20 bytes long (5 OID + 2 + 13 UTF-8 bytes), the UID's 21 (12 OID + 2 + 7), so CN comes first.
// "R&D #7" has '#', " Platform" a leading space, "Contoso, Inc." a comma: those three are quoted.
const AWKWARD_DOTNET = 'CN=Zoë Åström + UID=zastrom, OU="R&D #7", OU=" Platform", O="Contoso, Inc.", L=Redmond, S=Washington, C=US';

function opensslCert(subj: string, name: string): Buffer {
  const pem = join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', pem, '-days', '1', '-utf8', '-multivalue-rdn', '-subj', subj], { stdio: 'pipe' });
  return pemToDer(readFileSync(pem, 'utf8'), 'CERTIFICATE')[0]!;
}

let awkward: Buffer | undefined;
const awkwardCert = (): Buffer => (awkward ??= opensslCert(AWKWARD_SUBJ, 'awkward'));

describe('.NET subject strings', () => {
  it('an openssl-made certificate with the awkward DN prints as .NET would', () => {
    const info = parseCertificate(awkwardCert());
    expect(formatDotnet(info.subject)).toBe(AWKWARD_DOTNET);
    expect(formatDotnet(info.issuer)).toBe(AWKWARD_DOTNET);
  });

  it('our encoder writes the same DER as openssl for that name, whatever order the RDN values are given in', () => {
    const fromOpenssl = parseCertificate(opensslCert(AWKWARD_SUBJ, 'awkward2')).subjectDer;
    const dn: DistinguishedName = [
      [{ type: OID.countryName, value: 'US' }],
      [{ type: OID.stateOrProvinceName, value: 'Washington' }],
      [{ type: OID.localityName, value: 'Redmond' }],
      [{ type: OID.organizationName, value: 'Contoso, Inc.' }],
      [{ type: OID.organizationalUnitName, value: ' Platform' }],
      [{ type: OID.organizationalUnitName, value: 'R&D #7' }],
      [
        { type: OID.userId, value: 'zastrom' },
        { type: OID.commonName, value: 'Zoë Åström' },
      ],
    ];
    expect(encodeDn(dn).toString('hex')).toBe(fromOpenssl.toString('hex'));
    expect(formatDotnet(decodeDn(parseDer(encodeDn(dn))))).toBe(AWKWARD_DOTNET);
  });

  it.each([
    ['a double quote is doubled inside quotes', [[{ type: OID.commonName, value: 'Say "Hi"' }]], 'CN="Say ""Hi"""'],
    ['an empty value is quoted', [[{ type: OID.organizationalUnitName, value: '' }]], 'OU=""'],
    ['trailing space is quoted', [[{ type: OID.commonName, value: 'x ' }]], 'CN="x "'],
    ['= ; < > are quoted', [[{ type: OID.commonName, value: 'a=b;c<d>' }]], 'CN="a=b;c<d>"'],
    ['a new line is quoted', [[{ type: OID.commonName, value: 'two\nlines' }]], 'CN="two\nlines"'],
    ['a slash and an ampersand are not', [[{ type: OID.commonName, value: 'a/b&c' }]], 'CN=a/b&c'],
    ['e-mail prints as E, unknown types as OID.', [[{ type: OID.emailAddress, value: 'a@b.example' }], [{ type: '1.2.3.4', value: 'v' }]], 'OID.1.2.3.4=v, E=a@b.example'],
    ['state prints as S, street as STREET, DC stays DC', [[{ type: OID.domainComponent, value: 'example' }], [{ type: OID.stateOrProvinceName, value: 'WA' }], [{ type: OID.streetAddress, value: '1 Main St' }]], 'STREET=1 Main St, S=WA, DC=example'],
  ] as const)('%s', (_what, dn, expected) => {
    expect(formatDotnet(dn as DistinguishedName)).toBe(expected);
    // And the string reads back to the same name (ST/S alias, quotes undone).
    expect(formatDotnet(fromDotnetString(expected))).toBe(expected);
  });
});

describe('RFC 2253 strings agree with openssl -nameopt RFC2253', () => {
  it('for the awkward DN (values inside a multi-valued RDN compared as a set: RFC 4514 leaves their order open)', () => {
    awkwardCert();
    const file = join(dir, 'awkward.pem');
    const out = execFileSync('openssl', ['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'], { encoding: 'utf8' }).trim().replace(/^subject=/, '');
    const ours = formatRfc2253(parseCertificate(awkwardCert()).subject);
    const norm = (s: string) => s.split(/(?<!\\),/).map((rdn) => rdn.split(/(?<!\\)\+/).sort().join('+'));
    expect(norm(ours)).toEqual(norm(out));
  });
});

describe('RFC 2253 form against OpenSSL', () => {
  it('with escapeNonAscii prints exactly what openssl -nameopt RFC2253 prints (and nginx logs)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { parseCertificate } = await import('./certificate-info');
    const { defaultSpec, issuePki } = await import('./index');
    const pki = await issuePki(defaultSpec());
    for (const name of ['client-awkward-dn', 'client-valid-ec', 'server']) {
      const cert = pki.get(name);
      const printed = execFileSync('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], { input: cert.certPem })
        .toString()
        .trim()
        .replace(/^subject=/, '');
      expect(formatRfc2253(parseCertificate(cert.certDer).subject, { escapeNonAscii: true }), name).toBe(printed);
    }
  });
});
