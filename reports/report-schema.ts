// The zod mirror of scenarios/result.ts: one source for reading reports back (readRunReport) and for the exported
// JSON Schema (run-report.schema.json). The type assertions at the bottom make tsc fail when the two drift apart.
import { z } from 'zod';
import { CONFIDENCES, OUTCOME_CLASSES, RESULT_SCHEMA_VERSION, VERDICTS, type RunReport } from '../scenarios/result';

export { CONFIDENCES, OUTCOME_CLASSES, VERDICTS };

const outcomeClass = z.enum(OUTCOME_CLASSES);
const verdict = z.enum(VERDICTS);
const ms = z.number().finite().nonnegative();

export const citationSchema = z.object({
  page: z.string().min(1).describe('e.g. "MTLS-PAGE", or a URL of another server\'s documentation'),
  section: z.string().optional(),
  fact: z.string().optional().describe('Fact id in apim-behaviour.md, e.g. "1.classic-negotiate-off"'),
});

export const timelinePointSchema = z.object({
  at: ms.describe("Milliseconds since the scenario's first connect"),
  kind: z.string().min(1),
  bytesSent: z.number().int().nonnegative().optional(),
  bytesReceived: z.number().int().nonnegative().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

const expectationFields = {
  outcome: z.array(outcomeClass).min(1),
  status: z.array(z.number().int()).optional(),
  backendSawCertificate: z.boolean().optional(),
  certificateThumbprint: z.string().optional(),
  lastErrorReason: z.string().optional(),
  note: z.string().optional(),
  certificateName: z.string().optional(),
  renegotiationSeen: z.boolean().optional(),
  httpVersion: z.enum(['1.1', '2']).optional(),
  errorCode: z.string().optional(),
};

export const expectedAlternativeSchema = z.object({ name: z.string().min(1), ...expectationFields });

export const expectationSchema = z.object({
  ...expectationFields,
  confidence: z.enum(CONFIDENCES),
  alternatives: z.array(expectedAlternativeSchema).optional(),
});

export const observationSchema = z.object({
  outcome: outcomeClass,
  status: z.number().int().optional(),
  statusText: z.string().optional(),
  backendSawCertificate: z.boolean().optional(),
  certificateThumbprint: z.string().optional(),
  lastErrorReason: z.string().optional(),
  alternativeChosen: z.string().optional(),
  errorCode: z.string().optional(),
  durationMs: ms,
  requestId: z.string().optional(),
  renegotiationSeen: z.boolean().optional(),
  httpVersion: z.enum(['1.1', '2']).optional(),
  tlsVersion: z.string().optional(),
});

export const scenarioResultSchema = z
  .object({
    id: z.string().min(1),
    title: z.string(),
    namespace: z.string().min(1),
    tags: z.array(z.string()),
    importance: z.enum(['critical', 'high', 'normal', 'low']).optional(),
    citation: citationSchema,
    profile: z.string().describe('The profile that judged this result; one scenario id appears once per profile of the run'),
    target: z.string(),
    expected: expectationSchema.optional(),
    observed: observationSchema.optional(),
    verdict,
    skipReason: z.string().optional(),
    message: z.string().optional(),
    startedAt: z.string(),
    durationMs: ms,
    clientTimeline: z.array(timelinePointSchema),
    serverTimeline: z.array(timelinePointSchema).optional(),
  })
  // The contract promises every report shows why a scenario was skipped.
  .refine((r) => r.verdict !== 'skipped' || (r.skipReason !== undefined && r.skipReason.trim() !== ''), {
    message: 'a skipped scenario must carry a non-empty skipReason',
    path: ['skipReason'],
  });

export const runMetadataSchema = z.object({
  certgateVersion: z.string(),
  target: z.string(),
  profile: z.string().describe('The profile of the run, or its profiles comma-joined (e.g. "apim-developer,apim-standardv2")'),
  seed: z.number().int(),
  node: z.string(),
  openssl: z.string(),
  startedAt: z.string(),
  durationMs: ms,
  selection: z.string().optional(),
  shard: z.string().optional(),
});

const count = z.number().int().nonnegative();
export const totalsSchema = z.object({
  pass: count,
  fail: count,
  'expected-failure': count,
  'unexpected-pass': count,
  skipped: count,
  error: count,
  total: count,
});

export const runReportSchema = z
  .object({
    schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
    metadata: runMetadataSchema,
    results: z.array(scenarioResultSchema),
    totals: totalsSchema,
  })
  .superRefine((report, ctx) => {
    // Totals are derived data; a report whose totals disagree with its results was edited or truncated.
    const counted = countVerdicts(report.results);
    for (const key of [...VERDICTS, 'total'] as const) {
      if (report.totals[key] !== counted[key]) {
        ctx.addIssue({
          code: 'custom',
          path: ['totals', key],
          message: `totals.${key} is ${report.totals[key]} but the results contain ${counted[key]}`,
        });
      }
    }
    // A scenario appears once per profile it was judged under: (id, profile) is the key.
    const seen = new Set<string>();
    report.results.forEach((r, i) => {
      const key = `${r.id}\u0000${r.profile}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['results', i, 'id'], message: `duplicate id ${r.id} under profile ${r.profile}` });
      seen.add(key);
    });
  });

export type VerdictCounts = Record<(typeof VERDICTS)[number], number> & { total: number };

export function countVerdicts(results: readonly { readonly verdict: (typeof VERDICTS)[number] }[]): VerdictCounts {
  const totals = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as VerdictCounts;
  for (const r of results) totals[r.verdict] += 1;
  totals.total = results.length;
  return totals;
}

/** The JSON Schema (draft 2020-12) of a RunReport, as committed in reports/run-report.schema.json. */
export function runReportJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(runReportSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: `https://certgate.invalid/schemas/run-report-${RESULT_SCHEMA_VERSION}.json`,
    title: 'certgate RunReport',
    description: `certgate conformance run report, schemaVersion ${RESULT_SCHEMA_VERSION} (scenarios/result.ts).`,
    ...schema,
  };
}

// --- compile-time drift check between result.ts and this file ---------------------------------------------------
type DeepWritable<T> = T extends readonly (infer U)[]
  ? DeepWritable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepWritable<T[K]> }
    : T;
type Parsed = z.infer<typeof runReportSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const parsedMatchesContract: Same<DeepWritable<Parsed>, DeepWritable<RunReport>> = true;
void parsedMatchesContract;
