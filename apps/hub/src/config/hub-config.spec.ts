import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { HubConfigError, HUB_SETTINGS, loadHubConfig, parseDuration } from './hub-config.js';
import { renderSettingsTable } from './settings-table.js';

describe('hub config', () => {
  it('has defaults that run a complete hub (HTTPS 8443, embedded broker 8883, SQLite)', () => {
    const c = loadHubConfig({});
    expect(c).toMatchObject({
      httpPort: 8443,
      httpTls: true,
      mqttPort: 8883,
      mqttUrl: undefined,
      dbUrl: undefined,
      dbPath: '.watchpost/hub.sqlite',
      dataDir: '.watchpost/hub',
    });
    expect(c.mqttPublicUrl).toBe('mqtts://localhost:8883');
  });

  it('reads WATCHPOST_* variables and lists every bad one with what it wants', () => {
    const c = loadHubConfig({
      WATCHPOST_MQTT_URL: 'mqtts://broker:8883',
      WATCHPOST_STALE_AFTER: '90m',
      WATCHPOST_TLS_SANS: 'hub.example, 10.0.0.5',
    });
    expect(c).toMatchObject({
      mqttPublicUrl: 'mqtts://broker:8883',
      staleAfterMs: 90 * 60_000,
      tlsSans: ['hub.example', '10.0.0.5'],
    });
    let err: unknown;
    try {
      loadHubConfig({
        WATCHPOST_HTTP_PORT: 'eighty',
        WATCHPOST_HTTP_TLS: 'maybe',
        WATCHPOST_MQTT_URL: 'http://x',
        WATCHPOST_ENROLL_TOKEN_TTL: '1 day',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HubConfigError);
    const msg = (err as Error).message;
    for (const v of [
      'WATCHPOST_HTTP_PORT',
      'WATCHPOST_HTTP_TLS',
      'WATCHPOST_MQTT_URL',
      'WATCHPOST_ENROLL_TOKEN_TTL',
    ])
      expect(msg).toContain(v);
  });

  it('takes watchpost-hub as the MQTT identity of a single hub and watchpost-hub-<suffix> for replicas', () => {
    expect(loadHubConfig({}).mqttClientId).toBe('watchpost-hub');
    expect(loadHubConfig({ WATCHPOST_MQTT_CLIENT_ID: 'watchpost-hub-1' }).mqttClientId).toBe(
      'watchpost-hub-1',
    );
    for (const bad of ['hub-1', 'watchpost-hubble', 'watchpost-hub-', 'watchpost-hub-Pod_1'])
      expect(() => loadHubConfig({ WATCHPOST_MQTT_CLIENT_ID: bad })).toThrow(
        new RegExp(`WATCHPOST_MQTT_CLIENT_ID must be watchpost-hub or watchpost-hub-<suffix>.*got "${bad}"`),
      );
  });

  it('parses durations', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(() => parseDuration('0s')).toThrow();
    expect(() => parseDuration('soon')).toThrow();
  });

  it('is documented: docs/hub.md carries the generated settings table for every setting', () => {
    const doc = readFileSync(new URL('../../../../docs/hub.md', import.meta.url), 'utf8');
    expect(HUB_SETTINGS.length).toBeGreaterThan(20);
    // regenerate with: npx tsx --conditions=watchpost-source apps/hub/src/tools/gen-hub-settings-doc.ts
    expect(doc).toContain(renderSettingsTable());
  });
});
