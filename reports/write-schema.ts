// Regenerates reports/run-report.schema.json from the zod schema: `node --import tsx reports/write-schema.ts`.
// json.test.ts fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runReportJsonSchema } from './report-schema';

export const SCHEMA_FILE = fileURLToPath(new URL('./run-report.schema.json', import.meta.url));
export const schemaFileText = (): string => `${JSON.stringify(runReportJsonSchema(), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, schemaFileText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
