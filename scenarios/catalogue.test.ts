import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogueError, loadCatalogue, loadCatalogueWithSources } from './catalogue';
import { CERTIFICATES, type CertificateAlias, type CertificateName } from './certificate-names';
import { renderPolicy, type CertificateFacts } from './policy-library';
import { expectationFor, loadProfiles } from './profiles';
import { PROFILE_IDS } from './schema';
import { renderSchemaFile, SCHEMA_FILE } from './schema-export';
import { traceability } from './traceability';

const tmp = mkdtempSync(join(tmpdir(), 'certgate-catalogue-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('catalogue', () => {
  const all = loadCatalogue();

  it('loads at least 150 scenarios with unique, well-formed ids', () => {
    expect(all.length).toBeGreaterThanOrEqual(150);
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
  });

  it('ids are stable: a second load from disk gives the same ids in the same order', () => {
    const again = loadCatalogueWithSources().map((l) => l.scenario.id);
    expect(again).toEqual(all.map((s) => s.id));
  });

  it('covers what the issue asks for: tiers × settings × protocols × TLS versions, the body sweep, every shape', () => {
    const has = (re: RegExp) => all.filter((s) => re.test(s.id)).length;
    expect(has(/^tier\.classic\.negotiate-off\.h2\.tls12\.no-certificate$/)).toBe(1);
    for (const size of ['16k', '32k', '40k', '48k', '60k', '64k', '128k', '1m'])
      for (const m of ['post', 'put']) expect(has(new RegExp(`^body\\.classic\\.negotiate-off\\.${m}\\.${size}\\.(plain|expect-100|warm-up-head)$`))).toBe(3);
    const clientCerts = Object.entries(CERTIFICATES).filter(([, c]) => c.role === 'client').map(([n]) => n);
    for (const c of clientCerts) expect(has(new RegExp(`^validate\\.shape\\.${c}$`)), c).toBe(1);
    for (const p of ['issuer-subject', 'thumbprint', 'uploaded-thumbprint'])
      for (const c of clientCerts) expect(has(new RegExp(`^documented\\.${p}\\.${c}$`)), `${p} ${c}`).toBe(1);
  });

  it('rejects duplicate ids and names the file and line of both', () => {
    const dir = mkdtempSync(join(tmp, 'dup-'));
    const one = 'scenarios:\n  - id: a.b\n    title: t\n    citation: { page: P, fact: 1.setting-classic }\n    expect: { default: { outcome: response } }\n';
    writeFileSync(join(dir, 'one.yaml'), one);
    writeFileSync(join(dir, 'two.yaml'), `# comment\n${one}`);
    expect(() => loadCatalogue(dir)).toThrow(/two\.yaml:3: duplicate scenario id "a\.b" \(first defined at .*one\.yaml:2\)/);
  });

  it('reports a bad field with file, line and what was expected', () => {
    const dir = mkdtempSync(join(tmp, 'bad-'));
    writeFileSync(
      join(dir, 'bad.yaml'),
      'matrix:\n  - id: "x.{a}"\n    title: t\n    base: { citation: { page: P, fact: 1.setting-classic }, expect: { default: { outcome: response } } }\n    axes:\n      a:\n        - { key: one, set: { client: { protocol: h3 } } }\n',
    );
    try {
      loadCatalogue(dir);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CatalogueError);
      expect((e as Error).message).toMatch(/bad\.yaml:2 \(a=one\): x\.one: client\.protocol: .*"h1"\|"h2"/);
    }
  });

  it('the JSON Schema file is up to date (regenerate: node --import tsx scenarios/schema-export.ts)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(renderSchemaFile());
  });

  it('every fact of apim-behaviour.md is checked by a scenario or marked not observable, and no citation is unknown', () => {
    const t = traceability(all);
    expect(t.uncovered).toEqual([]);
    expect(t.unknownFacts).toEqual([]);
  });
});

describe('profiles over the catalogue', () => {
  const all = loadCatalogue();
  const profiles = loadProfiles();

  it('defines the nine documented profiles', () => {
    expect([...profiles.keys()].sort()).toEqual([...PROFILE_IDS].sort());
  });

  it('every scenario has an expectation or a deliberate skip for every profile', () => {
    for (const p of profiles.values())
      for (const s of all) {
        const e = expectationFor(p, s);
        if ('skip' in e) expect(e.skip, `${p.id} ${s.id}`).not.toMatch(/no rule|has no (default|whenNull)/);
        else expect(e.outcome.length, `${p.id} ${s.id}`).toBeGreaterThan(0);
      }
  });

  it('each profile runs a meaningful share of the catalogue', () => {
    for (const p of profiles.values()) {
      const run = all.filter((s) => !('skip' in expectationFor(p, s))).length;
      expect(run, p.id).toBeGreaterThanOrEqual(40);
    }
  });

  it('validate-client-certificate verdicts agree with each certificate shape declared in certificate-names', () => {
    // Independent source: the PKI shapes' expected verdicts (what a strict validator says).
    for (const s of all.filter((x) => x.id.startsWith('validate.shape.'))) {
      const cert = s.client.certificate;
      if (cert === 'none') continue;
      const verdict = (CERTIFICATES[cert as CertificateName] as CertificateAlias).expected;
      const e = expectationFor('apim-developer', s);
      if ('skip' in e) throw new Error(`${s.id} skipped on developer`);
      // where the docs leave a choice (alternatives), the validator's answer must be among the accepted ones
      const allowed = e.alternatives ? e.alternatives.flatMap((a) => a.status ?? []) : (e.status ?? []);
      if (verdict === 'valid') expect(allowed, s.id).toContain(200);
      if (['expired', 'not-yet-valid', 'revoked', 'untrusted'].includes(verdict!)) expect(e.status, s.id).toEqual([401]);
    }
  });

  it('encodes the documented tier differences (MTLS-PAGE, sections 1-3)', () => {
    const find = (id: string) => all.find((s) => s.id === id)!;
    const reneg = find('tier.classic.negotiate-off.h1.tls12.valid-certificate');
    expect(expectationFor('apim-developer', reneg)).toMatchObject({ outcome: ['response'], renegotiationSeen: true, backendSawCertificate: true });
    // v2 cannot renegotiate: the certificate never arrives
    expect(expectationFor('apim-standardv2', find('tier.v2.negotiate-off.h1.tls12.valid-certificate'))).toMatchObject({ backendSawCertificate: false, renegotiationSeen: false });
    // a client refusing renegotiation gets a TLS error on classic, not on v2
    expect(expectationFor('apim-premium', find('reneg.classic.negotiate-off.client-refuses.valid-certificate'))).toMatchObject({ outcome: ['tls-error'] });
    expect(expectationFor('apim-premiumv2', find('reneg.v2.negotiate-off.client-refuses.valid-certificate'))).toMatchObject({ outcome: ['response'] });
    // Consumption has no HTTP/2 towards clients
    expect(expectationFor('apim-consumption', find('tier.consumption.negotiate-on.h2.tls12.valid-certificate'))).toMatchObject({ httpVersion: '1.1' });
    // the large-body deadlock: 64 KiB and more accepts only the documented symptoms; negotiate on fixes it
    const big = expectationFor('apim-basic', find('body.classic.negotiate-off.post.1m.plain'));
    expect('skip' in big ? [] : big.alternatives!.map((a) => a.name)).toEqual(['freeze', 'forbidden-after-timeout', 'null-certificate']);
    expect(expectationFor('apim-basic', find('body.classic.negotiate-on.post.1m.plain'))).toMatchObject({ outcome: ['response'], status: [200] });
    // CA uploads refused where the tier has no CA store
    expect(expectationFor('apim-consumption', find('ca.upload.root-store'))).toMatchObject({ outcome: ['setup-rejected'] });
    expect(expectationFor('apim-developer', find('ca.upload.root-store'))).toMatchObject({ outcome: ['response'] });
  });
});

describe('policy library rendering', () => {
  const facts: CertificateFacts = {
    thumbprint: (n) => `THUMB${n.length}`.padEnd(40, 'A'),
    serial: () => '0A1B',
    subject: (n) => (n === 'awkward-dn' ? 'CN=a, O="Contoso, Inc."' : `CN=${n}`),
    subjectCFirst: (n) => `C=NL, CN=${n}`,
    issuer: () => 'CN=issuer',
    commonName: (n) => n,
    dnsName: () => 'client.example',
    issuerThumbprint: () => 'F'.repeat(40),
  };

  it('renders every library scenario policy as well-formed XML (the MTLS-PAGE samples excepted: they keep the docs quotes)', () => {
    for (const s of loadCatalogue()) {
      const xml = renderPolicy(s.setup.policy, facts);
      if ('library' in s.setup.policy && s.setup.policy.library.startsWith('documented-')) {
        expect(xml, s.id).toContain('Invalid client certificate');
        continue;
      }
      if ('xml' in s.setup.policy) continue;
      expect(XMLValidator.validate(xml), s.id).toBe(true);
    }
  });

  it('escapes a quoted DN inside the C# string literal', () => {
    const xml = renderPolicy({ library: 'documented-issuer-subject', params: { issuer: 'CN=i', subject: { of: 'awkward-dn', take: 'subject' } } }, facts);
    expect(xml).toContain('SubjectName.Name != "CN=a, O=\\"Contoso, Inc.\\""');
  });
});
