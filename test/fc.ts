// fast-check settings shared by the property tests: a fixed seed (FC_SEED, set in vitest.config.ts) so CI runs
// are reproducible, and a larger run count behind CERTGATE_LONG_FUZZ=1 for the long fuzz runs.
export const LONG_FUZZ = process.env.CERTGATE_LONG_FUZZ === '1';

export function fcParams(shortRuns: number, longRuns = 100_000): { seed: number; numRuns: number } {
  return { seed: Number(process.env.FC_SEED ?? 20261123), numRuns: LONG_FUZZ ? longRuns : shortRuns };
}
