// The validate-client-certificate matrix against certificates issued by the openssl CLI, with a real CRL served
// over loopback. Expected identity values come from openssl's own output or from the subjects written in the PKI.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { X509Certificate2 } from '../certificates/x509-certificate2';
import { createPipeline } from './pipeline';
import { call } from './test-support/harness';
import { createPipelinePki, opensslField, type CertName, type PipelinePki } from './test-support/openssl-pki';

let pki: PipelinePki;
beforeAll(async () => {
  pki = await createPipelinePki();
}, 30_000);
afterAll(async () => pki?.close());

const ECHO_ERROR = '<return-response><set-status code="401" /><set-body>@(context.LastError.Source + "|" + context.LastError.Reason + "|" + context.LastError.Message)</set-body></return-response>';

function gateway(policy: string, options: { onError?: string; certificates?: Map<string, X509Certificate2> } = {}) {
  const xml = `<policies><inbound>${policy}</inbound>${options.onError !== undefined ? `<on-error>${options.onError}</on-error>` : ''}</policies>`;
  return createPipeline({
    apis: [{ name: 'echo', path: 'echo', operations: [{ name: 'get', method: 'GET', urlTemplate: '/', policy: { xml, file: 'vcc.xml' } }] }],
    certificates: options.certificates ?? new Map([['root-ca', pki.root]]),
  });
}

const vcc = (attrs = '', identities?: string[]) =>
  `<validate-client-certificate ${attrs}>${identities ? `<identities>${identities.map((i) => `<identity ${i} />`).join('')}</identities>` : ''}</validate-client-certificate>`;

/** Status, and (through an on-error that echoes it) LastError for a certificate. */
async function outcome(policy: string, cert: CertName | null): Promise<{ status: number; lastError?: string }> {
  const plain = await call(gateway(policy), 'GET', '/echo/', { certificate: cert ? pki.fresh(cert) : null });
  if (plain.status === 200) return { status: 200 };
  const echoed = await call(gateway(policy, { onError: ECHO_ERROR }), 'GET', '/echo/', { certificate: cert ? pki.fresh(cert) : null });
  return { status: plain.status, lastError: echoed.text };
}

describe('failure responses (OBS: 401 and the observed bodies)', () => {
  it('no certificate: 401 "Client certificate missing", reason ClientCertificateNotFound', async () => {
    const r = await call(gateway(vcc()), 'GET', '/echo/');
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ statusCode: 401, message: 'Client certificate missing' });
    expect((await outcome(vcc(), null)).lastError).toMatch(/^validate-client-certificate\|ClientCertificateNotFound\|/);
  });

  it('an invalid certificate: 401 "Invalid client certificate"', async () => {
    const r = await call(gateway(vcc()), 'GET', '/echo/', { certificate: pki.fresh('expired') });
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ statusCode: 401, message: 'Invalid client certificate' });
  });

  it('a valid certificate passes and reaches the backend', async () => {
    const r = await call(gateway(vcc()), 'GET', '/echo/', { certificate: pki.fresh('valid') });
    expect(r.status).toBe(200);
    expect(r.json().certificateThumbprint).toBe(pki.valid.thumbprint);
    expect(r.events).toContainEqual({ kind: 'policy', detail: { policy: 'validate-client-certificate', result: 'passed' } });
  });
});

describe('top-level checks: each failure, and the attribute that turns it off', () => {
  const cases: [CertName, string, string][] = [
    ['expired', 'ClientCertificateExpired', 'validate-not-after="false"'],
    ['notYetValid', 'ClientCertificateNotYetValid', 'validate-not-before="false"'],
    ['foreign', 'ClientCertificateNotTrusted', 'validate-trust="false" validate-revocation="false"'],
    ['selfSigned', 'ClientCertificateNotTrusted', 'validate-trust="false" validate-revocation="false"'],
    ['revoked', 'ClientCertificateRevoked', 'validate-revocation="false"'],
    ['noCrl', 'ClientCertificateRevoked', 'validate-revocation="false"'], // INF: fail closed when no status is known
  ];
  for (const [cert, reason, off] of cases) {
    it(`${cert}: ${reason}; passes with ${off}`, async () => {
      const failed = await outcome(vcc(), cert);
      expect(failed.status).toBe(401);
      expect(failed.lastError?.split('|').slice(0, 2)).toEqual(['validate-client-certificate', reason]);
      expect((await outcome(vcc(off), cert)).status).toBe(200);
    });
  }

  it('the NotTrusted message is the observed one', async () => {
    expect((await outcome(vcc(), 'foreign')).lastError).toBe('validate-client-certificate|ClientCertificateNotTrusted|A certificate chain could not be built to a trusted root authority.');
  });

  it('ignore-error="true" carries on and records the ignored failure', async () => {
    const r = await call(gateway(vcc('ignore-error="true"')), 'GET', '/echo/', { certificate: pki.fresh('expired') });
    expect(r.status).toBe(200);
    const event = r.events.find((e) => e.kind === 'policy' && e.detail?.policy === 'validate-client-certificate');
    expect(event?.detail).toMatchObject({ result: 'failed-ignored', reason: 'ClientCertificateExpired' });
    expect(JSON.stringify(r.events)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  it('on-error with its own policies decides the answer', async () => {
    const r = await call(gateway(vcc(), { onError: '<return-response><set-status code="495" reason="Cert Error" /></return-response>' }), 'GET', '/echo/', { certificate: pki.fresh('revoked') });
    expect([r.status, r.reason]).toEqual([495, 'Cert Error']);
  });
});

describe('identities: every attribute, AND inside, OR across', () => {
  const ok = (identity: string) => outcome(vcc('validate-revocation="false"', [identity]), 'valid');
  const fingerprint = () => opensslField(pemOf('valid'), ['-fingerprint', '-sha1']).split('=')[1]!.replace(/:/g, '');
  const serial = () => opensslField(pemOf('valid'), ['-serial']).split('=')[1]!;
  const rootFingerprint = () => opensslField(pemOf('root'), ['-fingerprint', '-sha1']).split('=')[1]!.replace(/:/g, '');

  it('thumbprint (openssl fingerprint), in either case (OBS)', async () => {
    expect((await ok(`thumbprint="${fingerprint()}"`)).status).toBe(200);
    expect((await ok(`thumbprint="${fingerprint().toLowerCase()}"`)).status).toBe(200);
    const miss = await ok(`thumbprint="${'0'.repeat(40)}"`);
    expect(miss.status).toBe(401);
    expect(miss.lastError).toBe('validate-client-certificate|ClientCertificateIdentityNotMatched|Certificate does not match any of allowed identities.');
  });

  it('serial-number (openssl -serial), common-name, dns-name (a SAN dNSName)', async () => {
    expect((await ok(`serial-number="${serial()}"`)).status).toBe(200);
    expect((await ok(`serial-number="${serial()}FF"`)).status).toBe(401);
    expect((await ok('common-name="client.example.com"')).status).toBe(200);
    expect((await ok('common-name="Client.example.com"')).status).toBe(401); // DN values compare case-sensitively (INF default)
    expect((await ok('dns-name="alt.example.com"')).status).toBe(200);
    expect((await ok('dns-name="ALT.example.com"')).status).toBe(200); // DNS names are case-insensitive
    expect((await ok('dns-name="other.example.com"')).status).toBe(401);
  });

  it('subject: .NET order with S=, the docs\' C-first order with ST=, quoted comma values', async () => {
    const dotnet = 'CN=client.example.com, OU=Clients, O=&quot;Contoso, Inc.&quot;, L=Amsterdam, S=Noord-Holland, C=NL';
    const docsOrder = 'C=NL, ST=Noord-Holland, L=Amsterdam, O=&quot;Contoso, Inc.&quot;, OU=Clients, CN=client.example.com';
    expect((await ok(`subject="${dotnet}"`)).status).toBe(200);
    expect((await ok(`subject="${docsOrder}"`)).status).toBe(200);
    expect((await ok('subject="CN=client.example.com, OU=Clients, C=NL"')).status).toBe(401); // a subset is not the subject
    expect((await ok(`subject="${dotnet.replace('Amsterdam', 'Rotterdam')}"`)).status).toBe(401);
  });

  it('issuer-subject, issuer-thumbprint (openssl fingerprint of the root), issuer-certificate-id', async () => {
    expect((await ok('issuer-subject="C=NL, ST=Noord-Holland, O=certgate tests, CN=Pipeline Test Root"')).status).toBe(200);
    expect((await ok('issuer-subject="CN=Other Root, O=certgate tests, C=NL"')).status).toBe(401);
    expect((await ok(`issuer-thumbprint="${rootFingerprint()}"`)).status).toBe(200);
    expect((await ok(`issuer-thumbprint="${pki.otherRoot.thumbprint}"`)).status).toBe(401);
    expect((await ok('issuer-certificate-id="root-ca"')).status).toBe(200);
    const other = gateway(vcc('validate-revocation="false"', ['issuer-certificate-id="other-ca"']), { certificates: new Map([['other-ca', pki.otherRoot]]) });
    expect((await call(other, 'GET', '/echo/', { certificate: pki.fresh('valid') })).status).toBe(401);
  });

  it('AND inside an identity: one wrong attribute fails it', async () => {
    expect((await ok(`thumbprint="${fingerprint()}" common-name="client.example.com"`)).status).toBe(200);
    expect((await ok(`thumbprint="${fingerprint()}" common-name="someone-else"`)).status).toBe(401);
  });

  it('OR across identities: any matching identity is enough', async () => {
    const policy = vcc('validate-revocation="false"', ['common-name="someone-else"', 'dns-name="nowhere.example.com"', 'dns-name="client.example.com"']);
    expect((await outcome(policy, 'valid')).status).toBe(200);
    const none = vcc('validate-revocation="false"', ['common-name="someone-else"', 'dns-name="nowhere.example.com"']);
    expect((await outcome(none, 'valid')).lastError).toContain('ClientCertificateIdentityNotMatched');
  });

  it('top-level checks come before identities', async () => {
    const r = await outcome(vcc('', ['common-name="expired.example.com"']), 'expired');
    expect(r.lastError).toContain('ClientCertificateExpired');
  });
});

function pemOf(name: CertName): string {
  const lines = pki.fresh(name).rawData.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}

describe('the clock is read on every request', () => {
  // validate() compares the clock with the certificate's dates as numbers (no Date per request): the same pipeline
  // and the same certificate object must still turn 401 once the clock passes notAfter, and 200 again before it.
  it('one certificate object, the clock moved past notAfter between requests: 200, then 401 Expired, then 200', async () => {
    const notAfter = Date.parse(opensslField(pemOf('valid'), ['-enddate']).split('=')[1]!);
    const notBefore = Date.parse(opensslField(pemOf('valid'), ['-startdate']).split('=')[1]!);
    let clock = notAfter - 1000;
    const xml = `<policies><inbound>${vcc('validate-revocation="false"')}</inbound><on-error>${ECHO_ERROR}</on-error></policies>`;
    const p = createPipeline({
      apis: [{ name: 'echo', path: 'echo', operations: [{ name: 'get', method: 'GET', urlTemplate: '/', policy: { xml, file: 'vcc.xml' } }] }],
      certificates: new Map([['root-ca', pki.root]]),
      now: () => new Date(clock),
    });
    const cert = pki.fresh('valid');
    expect((await call(p, 'GET', '/echo/', { certificate: cert })).status).toBe(200);
    clock = notAfter + 1000;
    const expired = await call(p, 'GET', '/echo/', { certificate: cert });
    expect(expired.status).toBe(401);
    expect(expired.text).toMatch(/^validate-client-certificate\|ClientCertificateExpired\|/);
    clock = notBefore - 1000;
    expect((await call(p, 'GET', '/echo/', { certificate: cert })).text).toMatch(/\|ClientCertificateNotYetValid\|/);
    clock = notBefore + 1000;
    expect((await call(p, 'GET', '/echo/', { certificate: cert })).status).toBe(200);
  });
});
