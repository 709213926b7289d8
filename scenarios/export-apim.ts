// `certgate export apim --out dir`: what a user deploys to a real API Management instance so that `--target url`
// can run the catalogue against it. For one tier:
//   pki/                         the PKI (certificates, keys 0600, PFX, CRLs, manifest) — the run must use the same one
//   setups/<setup-key>/policy.xml           the API-scope policy, rendered with the PKI's real thumbprints and names
//   setups/<setup-key>/certificates/<id>.(pfx|cer) and <id>.base64.txt (ARM `encodedCertificate`/`data`: no PEM markers)
//   setups/<setup-key>/ca/<name>.cer and <name>.base64.txt
//   setups/<setup-key>/setup.json           the instance settings it needs and the scenarios that use it
//   instances/instance-<n>.bicep  one instance per combination of service-wide settings (hostname negotiate setting,
//                                 enableClientCertificate, custom properties, CA and uploaded certificates); each of
//                                 its setups is one API whose path is the setup key
//   url-mapping.yaml              the `--target url` mapping template: fill in each deployed setup's URL
//
// CRL/OCSP URLs in the certificates point at `responder`: a real instance must be able to reach it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePki, type Pki } from '../ca/index';
import { loadCatalogue } from './catalogue';
import { expectationFor, getProfile } from './profiles';
import type { Scenario, Tier } from './schema';
import { selectScenarios } from './selection';
import { apimSettingsFor, type ApimSettings } from './targets/apim-setup';
import { setupKeyOf, stableStringify, type ConcreteSetup } from './targets/target';

export interface ExportOptions {
  readonly outDir: string;
  readonly tier: Tier;
  readonly pki: Pki;
  readonly select?: readonly string[];
  readonly scenarios?: readonly Scenario[];
  /** Overwrite an existing PKI directory. */
  readonly force?: boolean;
}

export interface ExportResult {
  readonly setups: number;
  readonly instances: number;
  readonly scenarios: number;
  readonly skipped: number;
  readonly mappingFile: string;
}

interface SetupEntry {
  readonly key: string;
  readonly setup: ConcreteSetup;
  readonly settings: ApimSettings;
  readonly scenarios: string[];
}

const write = (path: string, data: string | Buffer, mode = 0o644) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data, { mode });
};

/** Settings that belong to the whole instance (so two setups differing in them need two instances). */
function instanceSignature(s: ApimSettings): string {
  return stableStringify({
    sku: s.sku,
    negotiate: s.negotiateClientCertificate,
    enable: s.enableClientCertificate,
    props: s.customProperties,
    ca: s.caCertificates.map((c) => [c.alias, c.store]),
    certs: s.certificates.map((c) => [c.id, c.alias, c.format]),
  });
}

const bicepString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const bicepName = (s: string) => s.replace(/[^A-Za-z0-9]/g, '_');

function bicepFor(n: number, entries: readonly SetupEntry[]): string {
  const s = entries[0]!.settings;
  const sku = s.sku === 'selfhosted' ? 'Developer' : s.sku.replace(/^(\w)(\w*?)(v2)?$/, (_m, a: string, b: string, v2?: string) => `${a.toUpperCase()}${b}${v2 ? 'V2' : ''}`);
  const lines = [
    `// certgate conformance instance ${n}: ${entries.length} setup(s). Deploy, then put each API's URL in url-mapping.yaml.`,
    s.sku === 'selfhosted' ? '// Self-hosted: deploy the APIs to a Developer/Premium instance and route them through a self-hosted gateway whose hostname configuration sets negotiateClientCertificate.' : '',
    `param apimName string = 'certgate-conformance-${n}'`,
    `param location string = resourceGroup().location`,
    `param publisherEmail string`,
    `param hostName string = '\${apimName}.azure-api.net'`,
    `@description('A backend that answers with a JSON report of the request it received, headers included (httpbin /anything works).')`,
    `param echoBackendUrl string = 'https://httpbin.org/anything'`,
    '',
    `resource apim 'Microsoft.ApiManagement/service@2023-05-01-preview' = {`,
    `  name: apimName`,
    `  location: location`,
    `  sku: { name: '${sku}', capacity: ${s.sku === 'consumption' ? 0 : 1} }`,
    `  properties: {`,
    `    publisherEmail: publisherEmail`,
    `    publisherName: 'certgate'`,
    s.family === 'classic' || s.family === 'selfhosted'
      ? `    hostnameConfigurations: [ { type: 'Proxy', hostName: hostName, negotiateClientCertificate: ${s.negotiateClientCertificate}, defaultSslBinding: true, certificateSource: 'BuiltIn' } ]`
      : `    enableClientCertificate: ${s.enableClientCertificate}`,
    `    customProperties: { ${Object.entries(s.customProperties).map(([k, v]) => `'${k}': '${v ? 'True' : 'False'}'`).join(', ')} }`,
    s.caCertificates.length
      ? `    certificates: [\n${s.caCertificates.map((c) => `      { storeName: '${c.store}', encodedCertificate: loadTextContent('../setups/${entries[0]!.key}/ca/${c.alias}.base64.txt') }`).join('\n')}\n    ]`
      : '',
    `  }`,
    `}`,
  ];
  for (const c of s.certificates) {
    lines.push(
      '',
      `resource cert_${bicepName(c.id)} 'Microsoft.ApiManagement/service/certificates@2023-05-01-preview' = {`,
      `  parent: apim`,
      `  name: ${bicepString(c.id)}`,
      `  properties: { data: loadTextContent('../setups/${entries[0]!.key}/certificates/${c.id}.base64.txt')${c.password !== undefined ? `, password: ${bicepString(c.password)}` : ''} }`,
      `}`,
    );
  }
  for (const e of entries) {
    const api = `api_${bicepName(e.key)}`;
    lines.push(
      '',
      `resource ${api} 'Microsoft.ApiManagement/service/apis@2023-05-01-preview' = {`,
      `  parent: apim`,
      `  name: '${e.key}'`,
      `  properties: { displayName: '${e.key}', path: '${e.key}', protocols: [ 'https' ], serviceUrl: echoBackendUrl, subscriptionRequired: false }`,
      `}`,
      `resource ${api}_policy 'Microsoft.ApiManagement/service/apis/policies@2023-05-01-preview' = {`,
      `  parent: ${api}`,
      `  name: 'policy'`,
      `  properties: { format: 'rawxml', value: loadTextContent('../setups/${e.key}/policy.xml') }`,
      `}`,
      ...['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].flatMap((m) => [
        `resource ${api}_${m.toLowerCase()} 'Microsoft.ApiManagement/service/apis/operations@2023-05-01-preview' = {`,
        `  parent: ${api}`,
        `  name: '${m.toLowerCase()}-any'`,
        `  properties: { displayName: '${m} any', method: '${m}', urlTemplate: '/*' }`,
        `}`,
      ]),
    );
    if (e.settings.applicationGateway)
      lines.push(`// ${e.key}: put an Application Gateway in front (mutual authentication ${e.settings.applicationGateway.mode}), rewriting client_certificate into header ${e.settings.applicationGateway.headerName}.`);
  }
  return lines.filter((l) => l !== '').join('\n') + '\n';
}

export async function exportApim(o: ExportOptions): Promise<ExportResult> {
  const profile = getProfile(`apim-${o.tier}`);
  const chosen = selectScenarios(o.scenarios ?? loadCatalogue(), { select: o.select });
  const setups = new Map<string, SetupEntry>();
  let skipped = 0;
  for (const s of chosen) {
    if ('skip' in expectationFor(profile, s)) {
      skipped++;
      continue;
    }
    const setup = { ...s.setup, tier: o.tier } as ConcreteSetup;
    const key = setupKeyOf(setup);
    const entry = setups.get(key) ?? { key, setup, settings: apimSettingsFor(setup, o.pki), scenarios: [] };
    entry.scenarios.push(s.id);
    setups.set(key, entry);
  }

  await writePki(o.pki, join(o.outDir, 'pki'), { force: o.force });
  for (const e of setups.values()) {
    const dir = join(o.outDir, 'setups', e.key);
    write(join(dir, 'policy.xml'), e.settings.policyXml);
    for (const c of e.settings.certificates) {
      write(join(dir, 'certificates', `${c.id}.${c.format}`), Buffer.from(c.base64, 'base64'), c.format === 'pfx' ? 0o600 : 0o644);
      write(join(dir, 'certificates', `${c.id}.base64.txt`), c.base64, c.format === 'pfx' ? 0o600 : 0o644);
    }
    for (const c of e.settings.caCertificates) {
      write(join(dir, 'ca', `${c.alias}.cer`), Buffer.from(c.base64, 'base64'));
      write(join(dir, 'ca', `${c.alias}.base64.txt`), c.base64);
    }
    const { policyXml: _p, certificates, caCertificates, ...settings } = e.settings;
    write(
      join(dir, 'setup.json'),
      JSON.stringify(
        {
          setupKey: e.key,
          settings,
          certificates: certificates.map(({ base64: _b, password: _pw, ...c }) => ({ ...c, passwordInPkiManifest: c.format === 'pfx' })),
          caCertificates: caCertificates.map(({ base64: _b, ...c }) => c),
          scenarios: e.scenarios,
        },
        null,
        2,
      ) + '\n',
    );
  }

  const instances = new Map<string, SetupEntry[]>();
  for (const e of setups.values()) {
    const sig = instanceSignature(e.settings);
    (instances.get(sig) ?? instances.set(sig, []).get(sig)!).push(e);
  }
  const instanceOf = new Map<string, number>();
  [...instances.values()].forEach((entries, i) => {
    write(join(o.outDir, 'instances', `instance-${i + 1}.bicep`), bicepFor(i + 1, entries));
    for (const e of entries) instanceOf.set(e.key, i + 1);
  });

  const mapping = [
    `# certgate --target url mapping for ${profile.id}. Fill in the base URL of each setup you deployed`,
    `# (https://<instance host>/<setup key>); setups left empty are reported as skipped.`,
    `profile: ${profile.id}`,
    `serverCa: system`,
    `setups:`,
    ...[...setups.values()].flatMap((e) => [
      `  # instance-${instanceOf.get(e.key)}.bicep — ${e.scenarios.length} scenario(s), e.g. ${e.scenarios.slice(0, 2).join(', ')}`,
      `  ${e.key}:   # https://certgate-conformance-${instanceOf.get(e.key)}.azure-api.net/${e.key}`,
    ]),
  ].join('\n');
  const mappingFile = join(o.outDir, 'url-mapping.yaml');
  write(mappingFile, `${mapping}\n`);
  return { setups: setups.size, instances: instances.size, scenarios: chosen.length - skipped, skipped, mappingFile };
}
