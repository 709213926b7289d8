// Chain building and VerifyNoRevocation()/validate() per certificate shape. Each shape's verdict is stated by hand
// and also checked against `openssl verify` given the same roots and intermediates (an independent chain builder
// with the same default policy: no purpose/EKU check, time checked on every element).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../ca/certificate-info';
import { buildChain, timeProblems } from './chain-builder';
import { makeOpensslPki, type Issued, type OpensslPki } from './fixtures/openssl-pki';
import { TrustStore, type CaCertificateEntry } from './trust-store';
import { X509Certificate2 } from './x509-certificate2';

let pki: OpensslPki;
const unused = 'http://127.0.0.1:9/unused';

beforeAll(() => {
  pki = makeOpensslPki({ rootCrl: unused, interCrl: unused, interOcsp: unused });
});
afterAll(() => pki?.cleanup());

/** `openssl verify` with Root uploads as -CAfile and CA-store uploads + presented certs as -untrusted. */
function opensslVerifies(leaf: Issued | string, roots: Issued[], intermediates: Issued[]): boolean {
  if (roots.length === 0) return false; // openssl needs a trust store; with none nothing verifies, as here
  const file = (name: string, items: Issued[]) => {
    const path = join(pki.dir, name);
    writeFileSync(path, items.map((i) => i.pem).join(''));
    return path;
  };
  const args = ['verify', '-CAfile', file('roots.pem', roots)];
  if (intermediates.length > 0) args.push('-untrusted', file('untrusted.pem', intermediates));
  args.push(typeof leaf === 'string' ? leaf : leaf.file);
  return spawnSync('openssl', args).status === 0;
}

interface Shape {
  readonly name: string;
  readonly leaf: () => Issued;
  readonly presented: () => Issued[];
  readonly root: () => Issued[];
  readonly ca: () => Issued[];
  readonly verifies: boolean;
  /** An expected chain problem, as flag@element index (0 = leaf). */
  readonly flag?: string;
}

const shapes: Shape[] = [
  { name: 'valid, intermediate presented in the handshake', leaf: () => pki.leaves.valid, presented: () => [pki.inter], root: () => [pki.root], ca: () => [], verifies: true },
  { name: 'valid, intermediate uploaded to CertificateAuthority', leaf: () => pki.leaves.valid, presented: () => [], root: () => [pki.root], ca: () => [pki.inter], verifies: true },
  { name: 'valid, intermediate missing', leaf: () => pki.leaves.valid, presented: () => [], root: () => [pki.root], ca: () => [], verifies: false, flag: 'PartialChain@0' },
  { name: 'valid, nothing uploaded (consumption tier)', leaf: () => pki.leaves.valid, presented: () => [pki.inter], root: () => [], ca: () => [], verifies: false, flag: 'PartialChain@1' },
  { name: 'valid, only the intermediate in Root (not self-issued: not an anchor)', leaf: () => pki.leaves.valid, presented: () => [], root: () => [pki.inter], ca: () => [], verifies: false, flag: 'PartialChain@1' },
  { name: 'RSA leaf under the EC intermediate', leaf: () => pki.leaves.rsa, presented: () => [pki.inter], root: () => [pki.root], ca: () => [], verifies: true },
  { name: 'expired leaf', leaf: () => pki.leaves.expired, presented: () => [pki.inter], root: () => [pki.root], ca: () => [], verifies: false },
  { name: 'not-yet-valid leaf', leaf: () => pki.leaves.notYetValid, presented: () => [pki.inter], root: () => [pki.root], ca: () => [], verifies: false },
  { name: 'self-signed, not uploaded', leaf: () => pki.leaves.selfSigned, presented: () => [], root: () => [pki.root], ca: () => [], verifies: false, flag: 'UntrustedRoot@0' },
  { name: 'self-signed, uploaded to Root', leaf: () => pki.leaves.selfSigned, presented: () => [], root: () => [pki.leaves.selfSigned], ca: () => [], verifies: true },
  { name: 'leaf of a root that is not uploaded, root presented', leaf: () => pki.leaves.untrusted, presented: () => [pki.untrustedRoot], root: () => [pki.root], ca: () => [], verifies: false, flag: 'UntrustedRoot@1' },
  { name: 'leaf of that root once it is uploaded', leaf: () => pki.leaves.untrusted, presented: () => [], root: () => [pki.untrustedRoot], ca: () => [], verifies: true },
  { name: 'CA below a pathlen:0 intermediate', leaf: () => pki.leaves.underSub, presented: () => [pki.sub, pki.inter], root: () => [pki.root], ca: () => [], verifies: false, flag: 'InvalidBasicConstraints@2' },
  { name: 'certificate issued by a leaf (CA:FALSE)', leaf: () => pki.leaves.underLeaf, presented: () => [pki.leaves.valid, pki.inter], root: () => [pki.root], ca: () => [], verifies: false, flag: 'InvalidBasicConstraints@1' },
  { name: 'no clientAuth EKU (Verify does not check EKU)', leaf: () => pki.leaves.noEku, presented: () => [pki.inter], root: () => [pki.root], ca: () => [], verifies: true },
];

const storeOf = (root: Issued[], ca: Issued[]) =>
  TrustStore.fromCaCertificates([...root.map((i): CaCertificateEntry => ({ der: i.der, store: 'Root' })), ...ca.map((i): CaCertificateEntry => ({ der: i.der, store: 'CertificateAuthority' }))]);

describe('VerifyNoRevocation() per shape, against openssl verify', () => {
  for (const s of shapes) {
    it(`${s.name}: ${s.verifies ? 'verifies' : 'does not verify'}`, () => {
      const cert = X509Certificate2.fromDer(s.leaf().der, s.presented().map((i) => i.der), { trustStore: storeOf(s.root(), s.ca()) });
      expect(cert.invoke('VerifyNoRevocation', [])).toBe(s.verifies);
      expect(opensslVerifies(s.leaf(), s.root(), [...s.presented(), ...s.ca()])).toBe(s.verifies);
      if (s.flag) expect(cert.chain().problems.map((p) => `${p.flag}@${p.index}`)).toContain(s.flag);
    });
  }
});

describe('buildChain', () => {
  it('walks leaf → intermediate → root and records where each came from', () => {
    const chain = buildChain(parseCertificate(pki.leaves.valid.der), [parseCertificate(pki.inter.der)], storeOf([pki.root], []));
    expect(chain.trusted).toBe(true);
    expect(chain.problems).toEqual([]);
    expect(chain.elements.map((e) => e.source)).toEqual(['leaf', 'presented', 'Root']);
    expect(chain.elements[2]!.info.der.equals(pki.root.der)).toBe(true);
  });

  it('prefers the uploaded intermediate path to a wrong presented one', () => {
    // The client presents an unrelated CA; the uploaded intermediate still completes the chain.
    const chain = buildChain(parseCertificate(pki.leaves.valid.der), [parseCertificate(pki.untrustedRoot.der)], storeOf([pki.root], [pki.inter]));
    expect(chain.trusted).toBe(true);
    expect(chain.elements.map((e) => e.source)).toEqual(['leaf', 'CertificateAuthority', 'Root']);
  });

  it('reports a tampered signature as NotSignatureValid, as openssl does', () => {
    const der = Buffer.from(pki.leaves.valid.der);
    der[der.length - 1] = der[der.length - 1]! ^ 0x01; // last octet of the ECDSA s value: still DER, wrong signature
    const tampered = join(pki.dir, 'tampered.pem');
    writeFileSync(tampered, `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`);
    expect(opensslVerifies(tampered, [pki.root], [pki.inter])).toBe(false);
    const chain = buildChain(parseCertificate(der), [parseCertificate(pki.inter.der)], storeOf([pki.root], []));
    expect(chain.problems.map((p) => `${p.flag}@${p.index}`)).toEqual(['NotSignatureValid@0']);
  });

  it('timeProblems flags exactly the elements outside their validity at the given instant', () => {
    const chain = buildChain(parseCertificate(pki.leaves.valid.der), [parseCertificate(pki.inter.der)], storeOf([pki.root], []));
    expect(timeProblems(chain, new Date())).toEqual([]);
    const leafEnd = chain.elements[0]!.info.notAfter;
    const later = new Date(leafEnd.getTime() + 1000); // leaf (365 d) expired, intermediate (1825 d) and root not
    expect(timeProblems(chain, later).map((p) => p.index)).toEqual([0]);
    expect(timeProblems(chain, new Date('2000-01-01T00:00:00Z')).map((p) => p.index)).toEqual([0, 1, 2]);
  });
});

describe('validate(): the reasons validate-client-certificate reports', () => {
  const all = { checkTrust: true, checkNotBefore: true, checkNotAfter: true, checkRevocation: false };
  const trusted = () => storeOf([pki.root], [pki.inter]);

  it('expired → ClientCertificateExpired; not yet valid → ClientCertificateNotYetValid', () => {
    const expired = X509Certificate2.fromDer(pki.leaves.expired.der, [], { trustStore: trusted() }).validate(all);
    expect(expired).toMatchObject({ ok: false, reason: 'ClientCertificateExpired' });
    const future = X509Certificate2.fromDer(pki.leaves.notYetValid.der, [], { trustStore: trusted() }).validate(all);
    expect(future).toMatchObject({ ok: false, reason: 'ClientCertificateNotYetValid' });
  });

  it('switching the date checks off lets an expired certificate from a trusted CA pass the trust check', () => {
    const c = X509Certificate2.fromDer(pki.leaves.expired.der, [], { trustStore: trusted() });
    expect(c.validate({ ...all, checkNotAfter: false })).toEqual({ ok: true });
  });

  it('untrusted → ClientCertificateNotTrusted with the observed message and the chain problem in the detail', () => {
    const c = X509Certificate2.fromDer(pki.leaves.selfSigned.der, [], { trustStore: trusted() });
    const r = c.validate(all);
    expect(r).toMatchObject({ ok: false, reason: 'ClientCertificateNotTrusted', message: 'A certificate chain could not be built to a trusted root authority.' });
    expect(r.ok === false && r.detail).toMatch(/UntrustedRoot/);
    expect(c.lastFailure?.reason).toBe('ClientCertificateNotTrusted');
    expect(c.validate({ ...all, checkTrust: false })).toEqual({ ok: true });
    expect(c.lastFailure).toBeUndefined();
  });

  it('an explicit clock decides the date checks (validity judged at `now`)', () => {
    const c = X509Certificate2.fromDer(pki.leaves.valid.der, [], { trustStore: trusted() });
    expect(c.validate(all)).toEqual({ ok: true });
    const afterExpiry = new Date(c.notAfter.getTime() + 60_000);
    expect(c.validate({ ...all, now: afterExpiry })).toMatchObject({ reason: 'ClientCertificateExpired' });
    expect(c.verifyNoRevocation(afterExpiry)).toBe(false);
  });

  it('Verify() fails closed before prepare(): revocation status not prepared', () => {
    const c = X509Certificate2.fromDer(pki.leaves.valid.der, [], { trustStore: trusted() });
    expect(c.verifyNoRevocation()).toBe(true);
    expect(c.invoke('Verify', [])).toBe(false);
    expect(c.lastFailure).toEqual({ reason: 'ClientCertificateRevoked', detail: 'revocation status not prepared' });
  });

  it('a CA certificate that does not parse is refused naming where it came from', () => {
    expect(() => TrustStore.fromCaCertificates([{ der: Buffer.from('nope'), store: 'Root', source: 'caCertificates[2]' }])).toThrow(/caCertificates\[2\].*Root/);
  });
});
