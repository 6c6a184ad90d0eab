import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

/**
 * A validator for the SARIF 2.1.0 schema as shipped by @microsoft/jest-sarif. The published schema is draft-04
 * (root `id`), so it is adapted for Ajv's default draft; its language pattern has a stray `]` that only
 * non-unicode regular expressions accept.
 */
export function sarifSchemaValidator(): ValidateFunction {
  const file = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete schema['$schema'];
  schema['$id'] = schema['id'];
  delete schema['id'];
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
  return ajv.compile(schema);
}
