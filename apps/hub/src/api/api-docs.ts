import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';

/** Version the hub reports in exports and the OpenAPI document. */
export const HUB_VERSION = '0.1.0';

/** Describes optional query parameters in the OpenAPI document (validation itself is zod's, in the handler). */
export function ApiQueries(
  params: Record<string, { description: string; enum?: readonly string[] }>,
): MethodDecorator {
  return applyDecorators(
    ...Object.entries(params).map(([name, p]) =>
      ApiQuery({
        name,
        required: false,
        description: p.description,
        ...(p.enum ? { enum: [...p.enum] } : { type: String }),
      }),
    ),
  );
}
