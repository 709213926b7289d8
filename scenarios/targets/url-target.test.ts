import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUrlMapping, UrlTarget } from './url-target';

describe('url target mapping file', () => {
  it('gives each deployed setup its URL and CA trust; unfilled and missing setups are skipped with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certgate-url-'));
    try {
      writeFileSync(join(dir, 'gw-ca.pem'), '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n');
      const m = parseUrlMapping(
        ['profile: apim-standard', 'setups:', '  standard-aaa: https://gw.example/certgate/aaa/', '  standard-bbb: { url: "https://gw.example:8443/b", serverCa: ./gw-ca.pem }', '  standard-ccc:'].join('\n'),
        join(dir, 'map.yaml'),
      );
      const t = new UrlTarget(m);
      expect(t.profileDefault).toBe('apim-standard');
      const pki = undefined as never;
      expect(await t.prepare('standard-aaa', undefined as never, pki)).toEqual({ baseUrl: 'https://gw.example/certgate/aaa', serverCa: 'system' });
      const b = await t.prepare('standard-bbb', undefined as never, pki);
      expect(b).toMatchObject({ baseUrl: 'https://gw.example:8443/b' });
      expect((b as unknown as { serverCa: string[] }).serverCa[0]).toContain('BEGIN CERTIFICATE');
      expect(await t.prepare('standard-ccc', undefined as never, pki)).toEqual({ skip: expect.stringContaining('standard-ccc is not deployed') });
      expect(await t.prepare('standard-zzz', undefined as never, pki)).toEqual({ skip: expect.stringContaining('standard-zzz') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the line of a bad profile or URL', () => {
    expect(() => parseUrlMapping('profile: apim-gold\n', 'm.yaml')).toThrow(/m\.yaml:1: profile/);
    expect(() => parseUrlMapping('profile: apim-basic\nsetups:\n  basic-x: http://plain.example/\n', 'm.yaml')).toThrow(/m\.yaml:3: setups\.basic-x/);
    expect(() => parseUrlMapping('profile: apim-basic\nserverCa: ./missing.pem\n', '/nowhere/m.yaml')).toThrow(/cannot read CA file/);
  });
});
