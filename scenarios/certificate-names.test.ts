import { describe, expect, it } from 'vitest';
import { defaultSpec, issuePki } from '../ca/index';
import { CERTIFICATES } from './certificate-names';

// The aliases are the one place the catalogue meets the PKI: every alias must name a real certificate of the
// default spec, with the key type and verdict the catalogue assumes.
describe('certificate aliases', () => {
  it('name certificates of the default PKI with the key type and verdict the catalogue assumes', async () => {
    const pki = await issuePki(defaultSpec());
    for (const [alias, entry] of Object.entries(CERTIFICATES)) {
      const cert = pki.certificates.get(entry.manifest);
      expect(cert, `alias ${alias} → ${entry.manifest}`).toBeDefined();
      expect(cert!.keyType, alias).toBe(entry.keyType);
      if ('expected' in entry) expect(cert!.expected, alias).toBe(entry.expected);
      expect(cert!.role === 'client' ? 'client' : 'ca', alias).toBe(entry.role);
    }
  });
});
