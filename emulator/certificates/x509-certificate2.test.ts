// X509Certificate2's members against certificates openssl made, with expected strings computed by hand from the
// .NET rules (apim-behaviour.md §5) and cross-checked with openssl's own reading of the same certificate.

import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SUCH_MEMBER } from '../expressions/host';
import { CsDateTime } from '../expressions/runtime/datetime';
import { makeOpensslPki, type OpensslPki } from './fixtures/openssl-pki';
import { TrustStore } from './trust-store';
import { X509Certificate2, fromPem } from './x509-certificate2';

let pki: OpensslPki;
const unused = 'http://127.0.0.1:9/unused';

beforeAll(() => {
  pki = makeOpensslPki({ rootCrl: unused, interCrl: unused, interOcsp: unused });
});
afterAll(() => pki?.cleanup());

const cert = (name: keyof OpensslPki['leaves']) => X509Certificate2.fromDer(pki.leaves[name].der);
const opensslField = (file: string, flag: string) => pki.openssl(['x509', '-in', file, '-noout', flag, '-nameopt', 'RFC2253']).trim();

describe('names in the .NET format', () => {
  it('reads the awkward DN as openssl encoded it (quoted comma, leading space, multi-valued RDN, S=, E=)', () => {
    // openssl's RFC 2253 view of the same certificate proves what was encoded (RFC 2253 lists the
    // multi-valued RDN's values in reverse too, hence Ops+Eng there).
    expect(opensslField(pki.leaves.awkward.file, '-subject')).toBe(
      'subject=emailAddress=alice@example.com,CN=\\ Alice Smith,OU=Ops+OU=Eng,O=Contoso\\, Inc.,L=Redmond,ST=Washington,C=US',
    );
    const c = cert('awkward');
    const expected = 'E=alice@example.com, CN=" Alice Smith", OU=Eng + OU=Ops, O="Contoso, Inc.", L=Redmond, S=Washington, C=US';
    expect(c.getMember('Subject')).toBe(expected);
    const subjectName = c.getMember('SubjectName') as X509Certificate2['subjectName'];
    expect(subjectName.getMember('Name')).toBe(expected);
    expect(c.getMember('Issuer')).toBe('CN=certgate Test Intermediate, O="Contoso, Inc.", C=US');
    expect((c.getMember('IssuerName') as X509Certificate2['issuerName']).getMember('Name')).toBe(c.getMember('Issuer'));
  });

  it('doubles quotes and quotes = and ; in values', () => {
    expect(opensslField(pki.leaves.quotes.file, '-subject')).toBe('subject=CN=plain,OU=a=b\\;c,O=Say \\"Hi\\",C=NL');
    expect(cert('quotes').getMember('Subject')).toBe('CN=plain, OU="a=b;c", O="Say ""Hi""", C=NL');
  });

  it('X500DistinguishedName.Format lists RDNs in DER order, one per CRLF line when multiLine', () => {
    const name = cert('awkward').subjectName;
    expect(name.invoke('Format', [false])).toBe('C=US, S=Washington, L=Redmond, O="Contoso, Inc.", OU=Eng + OU=Ops, CN=" Alice Smith", E=alice@example.com');
    expect(name.invoke('Format', [true])).toBe('C=US\r\nS=Washington\r\nL=Redmond\r\nO="Contoso, Inc."\r\nOU=Eng + OU=Ops\r\nCN=" Alice Smith"\r\nE=alice@example.com\r\n');
    expect(() => name.invoke('Format', ['yes'])).toThrow(/bool/);
    expect(name.getMember('Nope')).toBe(NO_SUCH_MEMBER);
  });

  it('GetNameInfo(SimpleName) is the CN, for the subject and the issuer', () => {
    const c = cert('valid');
    expect(c.invoke('GetNameInfo', [0, false])).toBe('valid client');
    expect(c.invoke('GetNameInfo', ['SimpleName', true])).toBe('certgate Test Intermediate');
    expect(cert('awkward').invoke('GetNameInfo', ['EmailName', false])).toBe('alice@example.com');
  });
});

describe('identifiers', () => {
  it('Thumbprint is openssl -fingerprint -sha1 without colons, for EC and RSA leaves and the RSA root', () => {
    for (const issued of [pki.leaves.valid, pki.leaves.rsa, pki.root]) {
      const fp = pki.openssl(['x509', '-in', issued.file, '-noout', '-fingerprint', '-sha1']).trim();
      const expected = fp.replace(/^.*=/, '').replace(/:/g, '');
      expect(expected).toMatch(/^[0-9A-F]{40}$/);
      expect(X509Certificate2.fromDer(issued.der).getMember('Thumbprint')).toBe(expected);
    }
  });

  it('SerialNumber is the encoded INTEGER: openssl drops the sign octet, .NET keeps it', () => {
    for (const issued of [pki.leaves.valid, pki.inter, pki.leaves.untrusted]) {
      const serial = pki.openssl(['x509', '-in', issued.file, '-noout', '-serial']).trim().replace(/^serial=/, '');
      const even = serial.length % 2 === 1 ? `0${serial}` : serial;
      const expected = /^[89A-F]/.test(even) ? `00${even}` : even; // DER needs 00 before a high first bit
      expect(X509Certificate2.fromDer(issued.der).getMember('SerialNumber')).toBe(expected);
    }
    // The fixtures include both cases: 80A1.. (high bit: leading 00) and 1000 (no padding).
    expect(cert('valid').serialNumber.startsWith('00')).toBe(true);
    expect(X509Certificate2.fromDer(pki.inter.der).serialNumber).toBe('1000');
  });

  it('NotBefore/NotAfter are Local DateTimes at the instants openssl prints', () => {
    const dates = pki.openssl(['x509', '-in', pki.leaves.expired.file, '-noout', '-dates']);
    const notBefore = Date.parse(/notBefore=(.*)/.exec(dates)![1]!);
    const notAfter = Date.parse(/notAfter=(.*)/.exec(dates)![1]!);
    const c = cert('expired');
    const nb = c.getMember('NotBefore') as CsDateTime;
    const na = c.getMember('NotAfter') as CsDateTime;
    expect(nb).toBeInstanceOf(CsDateTime);
    expect(nb.kind).toBe('Local');
    expect(nb.toDate().getTime()).toBe(notBefore);
    expect(na.toDate().getTime()).toBe(notAfter);
  });

  it('Version, FriendlyName, HasPrivateKey, and unknown members', () => {
    const c = cert('valid');
    expect(pki.openssl(['x509', '-in', pki.leaves.valid.file, '-noout', '-text'])).toContain('Version: 3 (0x2)');
    expect(c.getMember('Version')).toBe(3);
    expect(c.getMember('FriendlyName')).toBe('');
    expect(c.getMember('HasPrivateKey')).toBe(false);
    expect(c.typeName).toBe('X509Certificate2');
    expect(c.getMember('PrivateKey')).toBe(NO_SUCH_MEMBER);
    expect(c.invoke('Verify', [true])).toBe(NO_SUCH_MEMBER);
    expect(c.invoke('Explode', [])).toBe(NO_SUCH_MEMBER);
  });
});

describe('loading and describing', () => {
  it('fromPem takes PEM text or DER bytes and gives the same certificate', () => {
    const a = fromPem(pki.leaves.valid.pem);
    const b = fromPem(pki.leaves.valid.der);
    const c = fromPem(Buffer.from(pki.leaves.valid.pem));
    expect(a.thumbprint).toBe(b.thumbprint);
    expect(c.thumbprint).toBe(b.thumbprint);
    expect(a.invoke('Equals', [b])).toBe(true);
    expect(a.invoke('Equals', [cert('rsa')])).toBe(false);
  });

  it('refuses text that holds no certificate, and DER that is not one, with a clear error', () => {
    expect(() => fromPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toThrow(/BEGIN CERTIFICATE/);
    expect(() => X509Certificate2.fromDer(Buffer.from([0x30, 0x03, 0x02, 0x01]))).toThrow(/byte/);
  });

  it('drops presented certificates that do not parse, and the leaf when it is presented again', () => {
    const c = X509Certificate2.fromDer(pki.leaves.valid.der, [pki.leaves.valid.der, Buffer.from('junk'), pki.inter.der]);
    expect(c.presented.map((p) => p.der.equals(pki.inter.der))).toEqual([true]);
  });

  it('describe() is a JSON-safe summary that agrees with the members', () => {
    const c = cert('awkward');
    const summary = JSON.parse(JSON.stringify(c.describe()));
    expect(summary).toEqual({
      subject: c.getMember('Subject'),
      issuer: c.getMember('Issuer'),
      thumbprint: c.getMember('Thumbprint'),
      serialNumber: c.getMember('SerialNumber'),
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
    });
  });

  it('ToString() prints .NET\'s verbose blocks', () => {
    const c = cert('valid');
    const text = c.invoke('ToString', []) as string;
    expect(text.startsWith(`[Subject]\r\n  ${c.subject}\r\n\r\n[Issuer]\r\n  ${c.issuer}\r\n`)).toBe(true);
    expect(text).toContain(`[Thumbprint]\r\n  ${c.thumbprint}\r\n`);
  });

  it('uploaded PFX certificates report HasPrivateKey and their friendly name when told so', () => {
    const c = X509Certificate2.fromDer(pki.leaves.valid.der, [], { hasPrivateKey: true, friendlyName: 'client-pfx' });
    expect(c.getMember('HasPrivateKey')).toBe(true);
    expect(c.getMember('FriendlyName')).toBe('client-pfx');
  });

  it('publicRoots stands in for the Windows machine Root store: a bundled root verifies only with it', () => {
    const pem = rootCertificates.find((r) => {
      const c = X509Certificate2.fromPem(r);
      return c.notAfter.getTime() > Date.now() + 86_400_000 && c.notBefore.getTime() < Date.now();
    })!;
    expect(X509Certificate2.fromPem(pem, { trustStore: TrustStore.fromCaCertificates([], { publicRoots: true }) }).verifyNoRevocation()).toBe(true);
    expect(X509Certificate2.fromPem(pem, { trustStore: TrustStore.empty() }).verifyNoRevocation()).toBe(false);
    // Our private root is, of course, not among them.
    const ours = X509Certificate2.fromDer(pki.leaves.valid.der, [pki.inter.der], { trustStore: TrustStore.fromCaCertificates([], { publicRoots: true }) });
    expect(ours.verifyNoRevocation()).toBe(false);
  });

  it('a certificate built with a trust store keeps it for Verify() without prepare()', () => {
    const store = TrustStore.fromCaCertificates([{ der: pki.root.der, store: 'Root' }]);
    const c = X509Certificate2.fromDer(pki.leaves.valid.der, [pki.inter.der], { trustStore: store });
    expect(c.invoke('VerifyNoRevocation', [])).toBe(true);
    expect(X509Certificate2.fromDer(pki.leaves.valid.der, [pki.inter.der]).invoke('VerifyNoRevocation', [])).toBe(false);
  });
});
