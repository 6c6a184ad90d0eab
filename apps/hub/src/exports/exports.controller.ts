import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Controller, Get, Inject, Optional, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBadRequest, ApiProtected } from '../api/dto/common.dto.js';
import { z } from 'zod';
import { ApiQueries, HUB_VERSION } from '../api/api-docs.js';
import { findingFilterDocs, findingFilterShape, toFindingFilters } from '../api/params.js';
import { boolParam } from '../api/validation.js';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { FindingsQueryService } from '../posture/index.js';
import { parseQuery } from '../api/validation.js';
import { findingCsvRow, findingsCsvHeader } from './csv.js';
import { exportFilters, OPEN_OUTCOMES } from './export-filters.js';
import { SarifBuilder } from './sarif.js';

const exportQuery = z.object({
  ...findingFilterShape,
  format: z
    .enum(['json', 'csv', 'sarif'], { message: 'must be json, csv or sarif' })
    .optional()
    .default('json'),
  includePasses: boolParam,
});

const CONTENT_TYPES = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  sarif: 'application/sarif+json; charset=utf-8',
} as const;

/**
 * Findings exports. They stream page by page (keyset pagination under the hood), so exporting a whole
 * fleet never holds it in memory; a client that stops reading slows the export down instead of the hub.
 */
@ApiTags('exports')
@ApiProtected()
@Controller('api/v1/exports')
export class ExportsController {
  private readonly clock: HubClock;

  constructor(
    private readonly findingsQuery: FindingsQueryService,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  @Get('findings')
  @ApiOperation({
    summary: 'Findings matching the filters as JSON, CSV (RFC 4180) or SARIF 2.1.0',
    description:
      'Open findings by default (outcome fail, warn or error, not resolved); includePasses=true adds pass and ' +
      'not_applicable rows; an explicit outcome or resolved filter replaces the default.',
  })
  @ApiOkResponse({
    description:
      'JSON `{ generatedAt, filters, findings[] }` (findings as GET /api/v1/findings), RFC 4180 CSV, or SARIF 2.1.0',
    content: {
      [CONTENT_TYPES.json]: { schema: { type: 'object' } },
      [CONTENT_TYPES.csv]: { schema: { type: 'string' } },
      [CONTENT_TYPES.sarif]: { schema: { type: 'object' } },
    },
  })
  @ApiBadRequest()
  @ApiQueries({
    ...findingFilterDocs,
    outcome: {
      description: `${findingFilterDocs.outcome.description}; default for exports: ${OPEN_OUTCOMES.join(',')}`,
    },
    resolved: { ...findingFilterDocs.resolved, description: 'true: only resolved rows; default false' },
    includePasses: {
      description: 'true: pass and not_applicable rows too (default: open findings only)',
      enum: ['true', 'false'],
    },
    format: { description: 'json (default), csv or sarif', enum: ['json', 'csv', 'sarif'] },
  })
  async findings(@Query() query: unknown, @Res() res: ServerResponse): Promise<void> {
    const { format, includePasses, ...rest } = parseQuery(exportQuery, query);
    const filters = exportFilters(toFindingFilters(rest), includePasses ?? false);
    const generatedAt = this.clock.now().toISOString();
    const stamp = generatedAt.replace(/[-:]/g, '').slice(0, 15);
    res.statusCode = 200;
    res.setHeader('Content-Type', CONTENT_TYPES[format]);
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="watchpost-findings-${stamp}.${format === 'sarif' ? 'sarif' : format}"`,
    );
    res.setHeader('Cache-Control', 'no-store');
    const write = async (chunk: string): Promise<void> => {
      if (!res.write(chunk)) await once(res, 'drain');
    };
    let first = true;
    const sarif = new SarifBuilder(HUB_VERSION);
    if (format === 'csv') await write(findingsCsvHeader());
    else if (format === 'json')
      await write(
        `{"generatedAt":${JSON.stringify(generatedAt)},"filters":${JSON.stringify(filters)},"findings":[`,
      );
    else await write(sarif.head());
    // Exempted findings stay in the export, marked (CSV columns, JSON `exemption`, SARIF `suppressions`).
    for await (const batch of this.findingsQuery.allFindings(filters)) {
      if (res.destroyed) return;
      let chunk = '';
      for (const f of batch) {
        if (format === 'csv') chunk += findingCsvRow(f);
        else {
          chunk +=
            (first ? '' : ',') +
            JSON.stringify(
              format === 'json'
                ? { ...f, exemption: f.exemption ?? null, severityOverride: f.severityOverride ?? null }
                : sarif.result(f),
            );
          first = false;
        }
      }
      await write(chunk);
    }
    if (format === 'json') await write(']}');
    else if (format === 'sarif') await write(sarif.tail(generatedAt, filters as Record<string, unknown>));
    res.end();
  }
}
