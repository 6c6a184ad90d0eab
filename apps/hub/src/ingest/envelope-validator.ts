import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { reportEnvelopeV1Schema, type ReportEnvelopeV1 } from '@watchpost/shared';

/**
 * The envelope check of the ingest, compiled. The contract stays the zod schema in libs/shared
 * (`reportEnvelopeV1Schema`); this module turns it into JSON Schema (`z.toJSONSchema`) once and compiles that with
 * Ajv into one straight-line function, which checks a 45-result report about four times faster than zod's
 * `safeParse` and allocates nothing (zod copies every object it accepts).
 *
 * What JSON Schema cannot say, zod still checks: its refinements (`.refine`, `.superRefine`), which
 * `toJSONSchema` leaves out, sit only on a result (an exemption never on an `error` outcome) and on a result's
 * `facts` (a known facts type and version must match its own schema); `refinedPaths` (tested) proves there are
 * no others. So a result carrying `facts` or `exemption` is checked again by zod's own result schema. A message
 * Ajv refuses is parsed by zod in full: zod decides, and its issues are the ones reported, exactly as before.
 * Ajv reads patterns without the `u` flag, as zod does. Lengths: zod counts code points; Ajv is set to count
 * UTF-16 units (twice as fast), which is never fewer, so a `maxLength` Ajv accepts zod accepts too, and a refusal
 * goes to zod anyway; a `minLength` above 1 would break that argument, so with one Ajv counts code points.
 */

type Result = ReportEnvelopeV1['results'][number];

/** The zod schema of one result (with its refinements), taken from the envelope schema itself. */
const resultSchema = reportEnvelopeV1Schema.shape.results.element;

let compiled: ValidateFunction | undefined;

function compiledEnvelope(): ValidateFunction {
  compiled ??= compileZod(reportEnvelopeV1Schema);
  return compiled;
}

/**
 * A zod schema compiled by Ajv through its JSON Schema. What it accepts zod accepts too, as long as the schema
 * has no refinements (JSON Schema leaves them out: the caller checks those with zod); what it refuses, ask zod.
 */
export function compileZod(schema: z.ZodType): ValidateFunction {
  const jsonSchema = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    // A zod type without a JSON Schema form would be checked by nobody: fail at start, not silently.
    unrepresentable: 'throw',
  });
  const ajv = new Ajv({
    allErrors: false,
    strict: true,
    // `format: date-time` is decoration here: zod's own regex for it is in the schema as `pattern`.
    validateFormats: false,
    unicodeRegExp: false,
    // Deprecated in Ajv 8 but honoured: `false` counts `string.length` (UTF-16 units); see above.
    unicode: minLengths(jsonSchema).some((n) => n > 1),
    // Ajv would print the deprecation of `unicode` on every start.
    logger: false,
  });
  return ajv.compile(jsonSchema);
}

/** Every `minLength` in a JSON Schema. */
export function minLengths(node: unknown): number[] {
  if (typeof node !== 'object' || node === null) return [];
  const own = (node as { minLength?: unknown }).minLength;
  return [
    ...(typeof own === 'number' ? [own] : []),
    ...Object.values(node as Record<string, unknown>).flatMap((v) => minLengths(v)),
  ];
}

/** Builds the compiled validator now (start-up) rather than on the first report. */
export function warmEnvelopeValidator(): void {
  compiledEnvelope();
}

/** `safeParse` of envelope v1: the same verdict and issues, without copying a valid envelope. */
export function validateEnvelope(raw: unknown): ReturnType<typeof reportEnvelopeV1Schema.safeParse> {
  if (compiledEnvelope()(raw)) {
    const envelope = raw as ReportEnvelopeV1;
    const refined = envelope.results.filter(
      (r: Result) => r.facts !== undefined || r.exemption !== undefined,
    );
    if (refined.every((r) => resultSchema.safeParse(r).success)) return { success: true, data: envelope };
  }
  // Refused (or a refinement failed): zod decides and names the issues.
  return reportEnvelopeV1Schema.safeParse(raw);
}
