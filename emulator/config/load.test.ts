// Config loading: every error names the file, the line and the path; tiers refuse what APIM refuses, with the
// documented reason (apim-behaviour.md §1, §2, §6).
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromObject, loadConfigFile, parseConfigText } from './load';
import { HTTP2_PROPERTY } from './schema';

function issuesOf(text: string, file = 'emulator.yaml'): ConfigError['issues'] {
  try {
    parseConfigText(text, file);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('errors name the path and the line', () => {
  it('YAML: a bad value deep inside an operation, and an unknown key, each at its own line', () => {
    const text = [
      'sku: developer', //                    1
      'apis:', //                             2
      '  - name: orders', //                  3
      '    path: orders', //                  4
      '    operations:', //                   5
      '      - name: get', //                 6
      '        method: "GE T"', //            7
      '        urlTemplate: /items', //       8
      '        polciy: x.xml', //             9
    ].join('\n');
    const issues = issuesOf(text);
    expect(issues).toContainEqual(expect.objectContaining({ path: 'apis[0].operations[0].method', line: 7 }));
    expect(issues).toContainEqual(expect.objectContaining({ path: 'apis[0].operations[0].polciy', line: 9, message: expect.stringContaining('unknown field "polciy"') }));
  });
  it('JSON gets line numbers too', () => {
    const text = '{\n  "sku": "developer",\n  "emulation": {\n    "renegotiationTimeoutMs": "soon"\n  }\n}\n';
    const issues = issuesOf(text, 'emulator.json');
    expect(issues).toEqual([expect.objectContaining({ path: 'emulation.renegotiationTimeoutMs', line: 4 })]);
    try {
      parseConfigText(text, 'emulator.json');
    } catch (err) {
      expect((err as Error).message).toContain('emulator.json:4:');
    }
  });
  it('a syntax error is reported at its line', () => {
    const issues = issuesOf('sku: developer\napis: [\n  { name: a\n');
    expect(issues[0]!.line).toBeGreaterThanOrEqual(2);
  });
  it('an unknown sku lists the valid ones', () => {
    const issues = issuesOf('sku: gold\n');
    expect(issues[0]).toMatchObject({ path: 'sku', line: 1 });
    expect(issues[0]!.message).toMatch(/consumption/);
  });
});

describe('tier rules', () => {
  const caUpload = (sku: string, extra = '') => `sku: ${sku}\n${extra}caCertificates:\n  - store: Root\n    certificate: { pki: root-ca }\n`;
  it('CA certificates are refused on Consumption, with the documented reason', () => {
    const [issue] = issuesOf(caUpload('consumption'));
    expect(issue).toMatchObject({ path: 'caCertificates', line: 3 });
    expect(issue!.message).toMatch(/Consumption/);
  });
  it('CA certificates are refused on v2 for inbound, and on workspace gateways', () => {
    for (const sku of ['basicv2', 'standardv2', 'premiumv2']) expect(issuesOf(caUpload(sku))[0]!.message).toMatch(/backend/);
    expect(issuesOf(caUpload('premium', 'workspaceGateway: true\n'))[0]!.message).toMatch(/workspace/);
  });
  it('CA certificates are accepted on classic tiers and self-hosted gateways', () => {
    for (const sku of ['developer', 'basic', 'standard', 'premium', 'selfhosted']) {
      expect(parseConfigText(caUpload(sku), 'x.yaml').config.caCertificates).toHaveLength(1);
    }
  });
  it('negotiateClientCertificate belongs to classic tiers, enableClientCertificate to consumption/v2', () => {
    expect(issuesOf('sku: consumption\nhostnameConfigurations:\n  - hostName: localhost\n    negotiateClientCertificate: true\n')[0])
      .toMatchObject({ path: 'hostnameConfigurations[0].negotiateClientCertificate', line: 4 });
    expect(issuesOf('sku: developer\nenableClientCertificate: true\n')[0]).toMatchObject({ path: 'enableClientCertificate', line: 2 });
  });
  it('HTTP/2 is refused on Consumption (no client-side HTTP/2 there)', () => {
    const [issue] = issuesOf(`sku: consumption\ncustomProperties:\n  ${HTTP2_PROPERTY}: "True"\n`);
    expect(issue).toMatchObject({ path: `customProperties.${HTTP2_PROPERTY}`, line: 3 });
  });
});

describe('defaults', () => {
  it('the undocumented behaviours default as documented in schema.ts and docs', () => {
    const c = configFromObject({}).config;
    expect(c.emulation).toMatchObject({ renegotiationBufferBytes: 61440, onRenegotiationTimeout: '403', h2WithoutNegotiate: 'null-certificate' });
    expect(c.hostnameConfigurations[0]).toMatchObject({ negotiateClientCertificate: false });
    expect(c.customProperties[HTTP2_PROPERTY]).toBeUndefined();
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 8443, introspectionPort: 0 });
  });
  it('custom properties take APIM\'s "True"/"False" strings', () => {
    const c = parseConfigText(`customProperties:\n  ${HTTP2_PROPERTY}: "True"\n`, 'x.yaml').config;
    expect(c.customProperties[HTTP2_PROPERTY]).toBe(true);
  });
});

describe('the documented example', () => {
  it('example.yaml loads and spells out every default the schema applies', () => {
    const file = new URL('./example.yaml', import.meta.url).pathname;
    const example = loadConfigFile(file).config;
    const defaults = configFromObject({}).config;
    expect(example.emulation).toEqual(defaults.emulation);
    expect(example.listen).toEqual(defaults.listen);
    expect(example.apis.map((a) => a.name)).toEqual(['orders', 'open']);
    expect(example.apis[1]!.operations).toEqual([{ name: 'all', method: '*', urlTemplate: '/*' }]);
  });
});
