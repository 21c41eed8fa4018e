/**
 * Writes docs/policy.schema.json, the published JSON Schema of the managed admin policy,
 * from the zod schema the app validates with (electron/core/policy/adminPolicy.ts), so the
 * two cannot disagree. Run after changing the schema: npx tsx tools/write-policy-schema.ts
 * (tests/unit/adminPolicy.test.ts fails while the file is stale).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { adminPolicyJsonSchema } from '../electron/core/policy/adminPolicy.js';

const POLICY_SCHEMA_FILE = fileURLToPath(new URL('../docs/policy.schema.json', import.meta.url));

// 2-space JSON and a final newline, like the rest of docs/.
await writeFile(POLICY_SCHEMA_FILE, `${JSON.stringify(adminPolicyJsonSchema(), null, 2)}\n`);
console.log(`wrote ${POLICY_SCHEMA_FILE}`);
