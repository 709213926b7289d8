// The three documented policies (MTLS-PAGE) run verbatim — only the quoted placeholders filled — against valid,
// missing, self-signed-without-upload, expired and revoked certificates from the openssl CLI.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { X509Certificate2 } from '../../certificates/x509-certificate2';
import { createPipeline } from '../pipeline';
import { call } from '../test-support/harness';
import { createPipelinePki, opensslField, type CertName, type PipelinePki } from '../test-support/openssl-pki';
import { DOCUMENTED_SNIPPETS, policyLibrary, type LibraryParams, type LibraryPolicyName } from './policy-library';

let pki: PipelinePki;
beforeAll(async () => {
  pki = await createPipelinePki();
}, 30_000);
afterAll(async () => pki?.close());

function gateway(name: LibraryPolicyName, params: LibraryParams, certificates: Map<string, X509Certificate2> = new Map()) {
  return createPipeline({
    apis: [{ name: 'api', path: 'api', operations: [{ name: 'get', method: 'GET', urlTemplate: '/', policy: { xml: policyLibrary(name, params), file: `library:${name}` } }] }],
    certificates,
  });
}

const status = async (p: ReturnType<typeof gateway>, cert: CertName | null) => {
  const r = await call(p, 'GET', '/api/', { certificate: cert ? pki.fresh(cert) : null });
  if (r.status === 403) expect(r.reason).toBe('Invalid client certificate');
  return r.status;
};

/** openssl's SHA-1 fingerprint without colons: upper case, as .NET's Thumbprint. */
const opensslThumbprint = (cert: X509Certificate2) => {
  const pem = `-----BEGIN CERTIFICATE-----\n${cert.rawData.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  return opensslField(pem, ['-fingerprint', '-sha1']).split('=')[1]!.replace(/:/g, '');
};

describe('the documented snippets are what the library runs', () => {
  it('keeps the docs text apart from the filled placeholders', () => {
    const xml = policyLibrary('thumbprint', { thumbprint: 'ABC' });
    expect(xml).toContain(DOCUMENTED_SNIPPETS.thumbprint.replace('DESIRED-THUMBPRINT-IN-UPPER-CASE', 'ABC').split('\n')[1]!.trim());
    expect(policyLibrary('uploaded-thumbprint')).toContain(DOCUMENTED_SNIPPETS['uploaded-thumbprint'].split('\n')[1]!.trim());
    expect(() => policyLibrary('issuer-subject', { trustedIssuer: 'x' })).toThrow(/expectedSubjectName/);
  });
});

describe('issuer and subject check', () => {
  // Written from the PKI's subjects and .NET's format rules (CN first, S=, quoted comma value), not read back.
  const params = {
    trustedIssuer: 'CN=Pipeline Test Root, O=certgate tests, S=Noord-Holland, C=NL',
    expectedSubjectName: 'CN=client.example.com, OU=Clients, O="Contoso, Inc.", L=Amsterdam, S=Noord-Holland, C=NL',
  };
  it('valid → 200; missing, self-signed, expired, revoked → 403', async () => {
    const p = gateway('issuer-subject', params);
    expect(await status(p, 'valid')).toBe(200);
    for (const c of [null, 'selfSigned', 'expired', 'revoked'] as const) expect(await status(p, c)).toBe(403);
  });
  it('a different expected subject → 403 even for the valid certificate', async () => {
    expect(await status(gateway('issuer-subject', { ...params, expectedSubjectName: 'CN=someone-else' }), 'valid')).toBe(403);
  });
  it('VerifyNoRevocation() variant lets the revoked certificate through the Verify part', async () => {
    const p = gateway('issuer-subject', { ...params, expectedSubjectName: 'CN=revoked.example.com, O=certgate tests, C=NL', noRevocation: true });
    expect(await status(p, 'revoked')).toBe(200);
  });
});

describe('thumbprint check', () => {
  it('valid with its upper-case thumbprint → 200; missing, self-signed, expired, revoked → 403', async () => {
    const p = gateway('thumbprint', { thumbprint: opensslThumbprint(pki.valid) });
    expect(await status(p, 'valid')).toBe(200);
    for (const c of [null, 'selfSigned', 'expired', 'revoked'] as const) expect(await status(p, c)).toBe(403);
  });
  it('a lower-case thumbprint in the policy does not match: C# == is case-sensitive (the docs\' UPPER-CASE note)', async () => {
    expect(await status(gateway('thumbprint', { thumbprint: opensslThumbprint(pki.valid).toLowerCase() }), 'valid')).toBe(403);
  });
  it('the self-signed certificate stays 403 even with its own thumbprint: Verify() needs its CA uploaded', async () => {
    expect(await status(gateway('thumbprint', { thumbprint: opensslThumbprint(pki.selfSigned) }), 'selfSigned')).toBe(403);
  });
});

describe('thumbprint among uploaded certificates', () => {
  it('valid and uploaded → 200; valid but not uploaded → 403', async () => {
    expect(await status(gateway('uploaded-thumbprint', {}, new Map([['client', pki.valid], ['root', pki.root]])), 'valid')).toBe(200);
    expect(await status(gateway('uploaded-thumbprint', {}, new Map([['root', pki.root]])), 'valid')).toBe(403);
  });
  it('missing, self-signed (uploaded but untrusted), expired and revoked (uploaded) → 403', async () => {
    const uploaded = new Map<string, X509Certificate2>([['self', pki.selfSigned], ['expired', pki.expired], ['revoked', pki.revoked]]);
    const p = gateway('uploaded-thumbprint', {}, uploaded);
    for (const c of [null, 'selfSigned', 'expired', 'revoked'] as const) expect(await status(p, c)).toBe(403);
  });
});

describe('the other library entries', () => {
  it('validate-client-certificate example and pass-through load and behave', async () => {
    const vcc = gateway('validate-client-certificate', { identity: { 'common-name': 'client.example.com' } }, new Map([['root', pki.root]]));
    expect((await call(vcc, 'GET', '/api/', { certificate: pki.fresh('valid') })).status).toBe(200);
    expect((await call(vcc, 'GET', '/api/', { certificate: pki.fresh('noCrl') })).status).toBe(401);
    const pass = gateway('pass-through', {});
    expect((await call(pass, 'GET', '/api/')).status).toBe(200);
    expect(pass.match('GET', '/api/')!.needs.readsClientCertificate).toBe(false);
    expect(gateway('thumbprint', { thumbprint: 'X' }).match('GET', '/api/')!.needs.readsClientCertificate).toBe(true);
  });
});
