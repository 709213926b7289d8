// Writes scenarios/scenario.schema.json (the JSON Schema editors use for catalogue files' scenarios) from the zod
// schema. `node --import tsx scenarios/schema-export.ts` regenerates it; schema-export.test.ts fails when it is stale.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchema } from './schema';

export const SCHEMA_FILE = fileURLToPath(new URL('./scenario.schema.json', import.meta.url));

export function renderSchemaFile(): string {
  return `${JSON.stringify({ ...scenarioJsonSchema(), title: 'certgate scenario' }, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderSchemaFile());
  console.log(`wrote ${SCHEMA_FILE}`);
}
