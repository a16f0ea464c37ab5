import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const BASE = {
  CLICKHOUSE_URL: 'http://127.0.0.1:18123',
  COLLECTOR_INGEST_TOKEN: 'i'.repeat(16),
  GATEHOUSE_ADMIN_TOKEN: 'a'.repeat(16),
};

describe('collector config: CLICKHOUSE_CLUSTER', () => {
  it('is single-server when unset or empty', () => {
    expect(loadConfig(BASE).clickhouseCluster).toBeUndefined();
    expect(loadConfig({ ...BASE, CLICKHOUSE_CLUSTER: '' }).clickhouseCluster).toBeUndefined();
  });

  it('takes a remote_servers cluster name', () => {
    expect(loadConfig({ ...BASE, CLICKHOUSE_CLUSTER: 'gatehouse_cluster' }).clickhouseCluster).toBe(
      'gatehouse_cluster',
    );
  });

  it('refuses anything but a plain identifier with one line naming the variable', () => {
    expect(() => loadConfig({ ...BASE, CLICKHOUSE_CLUSTER: 'a-b' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, CLICKHOUSE_CLUSTER: 'x`; DROP' })).toThrow(
      /^CLICKHOUSE_CLUSTER: must be a plain identifier/,
    );
  });
});
