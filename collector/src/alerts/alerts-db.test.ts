import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openAlertsDb } from './alerts-db.js';
import { createAlertsStore } from './alerts-store.js';
import { migrateAlerts } from './migrations.js';
import { RuleInputSchema } from './rule-schema.js';

it('keeps rules across restarts in the PGlite data directory (created if missing)', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'gh-alerts-'));
  const dataDir = path.join(root, 'nested', 'collector-db');
  try {
    const first = await openAlertsDb({ dataDir, schema: 'collector_alerts' });
    await migrateAlerts(first);
    const rule = await createAlertsStore(first).createRule(
      RuleInputSchema.parse({ name: 'kept', metric: 'p95_ms', threshold: 300 }),
    );
    await first.close();

    const again = await openAlertsDb({ dataDir, schema: 'collector_alerts' });
    await migrateAlerts(again);
    expect(await createAlertsStore(again).getRule(rule.id)).toMatchObject({
      name: 'kept',
      metric: 'p95_ms',
      threshold: 300,
      window_ms: 300_000,
    });
    await again.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  // Two PGlite starts: seconds each on a busy 2-core machine.
}, 90_000);

it('reads the alerting settings from the environment', () => {
  const base = {
    CLICKHOUSE_URL: 'http://127.0.0.1:18123',
    COLLECTOR_INGEST_TOKEN: 'x'.repeat(16),
    GATEHOUSE_ADMIN_TOKEN: 'y'.repeat(16),
  };
  expect(loadConfig(base).alerts).toMatchObject({
    databaseUrl: undefined,
    dataDir: undefined,
    schema: 'collector_alerts',
    evalIntervalMs: 15_000,
    webhookAllowPrivate: false,
  });
  const set = loadConfig({
    ...base,
    GATEHOUSE_DATA_DIR: '/var/lib/gatehouse',
    ALERT_WEBHOOK_ALLOW_PRIVATE: 'true',
    ALERT_EVAL_INTERVAL_MS: '5000',
  }).alerts;
  expect(set).toMatchObject({
    dataDir: '/var/lib/gatehouse/collector-db',
    webhookAllowPrivate: true,
    evalIntervalMs: 5000,
  });
  expect(loadConfig({ ...base, ALERTS_ENABLED: 'false' }).alerts).toBeUndefined();
  expect(() => loadConfig({ ...base, ALERT_WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow(
    /ALERT_WEBHOOK_ALLOW_PRIVATE: must be true or false/,
  );
});
