import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv, type ValidateFunction } from 'ajv';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../app.module.js';
import { loadHubConfig } from '../config/hub-config.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { loadOrCreateHubPki } from '../pki/hub-pki.js';
import { configureHubHttp, OpenApiDocument } from './openapi.js';
import { FIXTURE_NOW, seedFixture } from './testing/api-fixture.js';
import {
  SEEDED_EXEMPTION_ID,
  SEEDED_OVERRIDE_ID,
  seedAppliedRules,
  seedExemption,
} from '../exemptions/testing/exemption-seed.js';
import { startApiTestApp, type ApiTestApp } from './testing/api-test-app.js';

type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const PUBLIC = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /api/v1/enroll/ca',
  'POST /api/v1/enroll',
  'POST /api/v1/agents/renew',
]);
const ERROR_REF = '#/components/schemas/ErrorBodyDto';

function operations(doc: OpenAPIObject): [string, Operation][] {
  const out: [string, Operation][] = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const m of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[m];
      if (op) out.push([`${m.toUpperCase()} ${path}`, op]);
    }
  return out;
}

/** The whole hub's document (every module: PKI and ingest too), built as `startHub` builds it, without listening. */
async function fullDocument(): Promise<OpenAPIObject> {
  const dataDir = mkdtempSync(join(tmpdir(), 'watchpost-openapi-'));
  try {
    const { ds: dataSource, close: closeDb } = await migratedThrowawayDatabase('sqlite');
    try {
      const config = loadHubConfig({}, { dataDir });
      const pki = loadOrCreateHubPki(config, FIXTURE_NOW);
      const app = await NestFactory.create(AppModule.forRoot({ config, dataSource, pki }), { logger: false });
      try {
        configureHubHttp(app);
        const doc = app.get(OpenApiDocument).document;
        if (!doc) throw new Error('no OpenAPI document');
        return JSON.parse(JSON.stringify(doc)) as OpenAPIObject;
      } finally {
        await app.close();
      }
    } finally {
      await closeDb();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('the hub API contract (OpenAPI 3)', () => {
  let doc: OpenAPIObject;
  let t: ApiTestApp;

  beforeAll(async () => {
    doc = await fullDocument();
    t = await startApiTestApp({
      kind: 'sqlite',
      now: FIXTURE_NOW,
      seed: async (ds) => {
        await seedFixture(ds);
        await seedExemption(ds, FIXTURE_NOW);
        await seedAppliedRules(ds, FIXTURE_NOW);
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is a valid OpenAPI 3 document', async () => {
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes the opaque bearer token, and security plus 401/403/429 on every protected route', () => {
    const scheme = doc.components?.securitySchemes?.['bearer'];
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque' });
    expect(JSON.stringify(doc)).not.toContain('JWT');
    const ops = operations(doc);
    expect(ops.map(([k]) => k)).toContain('POST /api/v1/agents/{id}/revoke');
    for (const [key, op] of ops) {
      if (PUBLIC.has(key)) {
        expect({ key, security: op.security ?? [] }).toEqual({ key, security: [] });
        continue;
      }
      expect({ key, security: op.security }).toEqual({ key, security: [{ bearer: [] }] });
      for (const status of ['401', '403', '429'])
        expect({
          key,
          status,
          ref: op.responses[status]?.content?.['application/json']?.schema?.['$ref'],
        }).toEqual({
          key,
          status,
          ref: ERROR_REF,
        });
    }
  });

  it('documents a success schema for every route, 400 where input is parsed and 404 where a path names a thing', () => {
    for (const [key, op] of operations(doc)) {
      const ok = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      expect({ key, ok: ok.length > 0 }).toEqual({ key, ok: true });
      const json = ok.flatMap((s) => (op.responses[s].content?.['application/json'] ? [s] : []));
      if (!ok.includes('204') && !key.startsWith('GET /metrics') && !key.startsWith('GET /api/v1/exports'))
        expect({ key, jsonSchema: json.length > 0 }).toEqual({ key, jsonSchema: true });
      const takesInput = (op.parameters ?? []).some((p) => p.in === 'query') || op.requestBody !== undefined;
      if (takesInput)
        expect({ key, ref: op.responses['400']?.content?.['application/json']?.schema?.['$ref'] }).toEqual({
          key,
          ref: ERROR_REF,
        });
      if (/\{[a-z]+\}/i.test(key) && key.startsWith('GET'))
        expect({ key, ref: op.responses['404']?.content?.['application/json']?.schema?.['$ref'] }).toEqual({
          key,
          ref: ERROR_REF,
        });
    }
  });

  it('answers every GET of a seeded fleet with a body its declared schema accepts (no undeclared fields)', async () => {
    const served = (await (
      await fetch(`${t.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${t.tokens.admin}` } })
    ).json()) as OpenAPIObject;
    // Every object schema is closed: a field the server sends must be declared (so the document is complete).
    const closed = JSON.parse(JSON.stringify(served.components?.schemas ?? {}), (_k, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (o['properties'] && o['additionalProperties'] === undefined) o['additionalProperties'] = false;
      }
      return v;
    }) as Record<string, unknown>;
    // Ajv understands OpenAPI 3.0's `nullable` keyword.
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi', components: { schemas: closed } });
    const paths: Record<string, string> = {
      '/api/v1/clusters/{name}': '/api/v1/clusters/hci-mgmt',
      '/api/v1/clusters/{name}/history': '/api/v1/clusters/hci-mgmt/history',
      '/api/v1/checks/{id}': '/api/v1/checks/cert-expiry',
      '/api/v1/agents/{id}': '/api/v1/agents/hci-mgmt.cp1',
      '/api/v1/exemptions/{id}': `/api/v1/exemptions/${SEEDED_EXEMPTION_ID}`,
      '/api/v1/exemptions/{id}/history': `/api/v1/exemptions/${SEEDED_EXEMPTION_ID}/history`,
      '/api/v1/severity-overrides/{id}': `/api/v1/severity-overrides/${SEEDED_OVERRIDE_ID}`,
      '/api/v1/severity-overrides/{id}/history': `/api/v1/severity-overrides/${SEEDED_OVERRIDE_ID}/history`,
    };
    let checked = 0;
    for (const [key, op] of operations(served)) {
      if (!key.startsWith('GET ')) continue;
      if (!op.responses['200']?.content?.['application/json']?.schema) continue;
      const path = key.slice(4);
      const url = paths[path] ?? path;
      expect({ path, concrete: !url.includes('{') }).toEqual({ path, concrete: true });
      const res = await fetch(`${t.url}${url}`, { headers: { authorization: `Bearer ${t.tokens.admin}` } });
      // /readyz answers 503 here (no broker): its body must match the schema declared for 503.
      const schema = op.responses[String(res.status)]?.content?.['application/json']?.schema;
      expect({ url, status: res.status, declared: schema !== undefined }).toEqual({
        url,
        status: url === '/readyz' ? 503 : 200,
        declared: true,
      });
      if (!schema) continue;
      const body: unknown = await res.json();
      const validate: ValidateFunction = ajv.compile(rebase(schema));
      const valid = validate(body);
      expect({ url, errors: valid ? [] : validate.errors }).toEqual({ url, errors: [] });
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(11);
  });
});

/** `#/components/...` refs of the served document, resolved against the schema registered as `openapi`. */
function rebase(schema: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/')) as Record<
    string,
    unknown
  >;
}
