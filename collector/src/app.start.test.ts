import { describe, expect, it } from 'vitest';
import { startCollector } from './app.js';
import { testConfig } from './testing.js';

describe('startCollector', () => {
  it('retries an unreachable ClickHouse for the configured time, then fails with one clear message', async () => {
    const config = testConfig({ url: 'http://127.0.0.1:9', database: 'gh_unreachable' });
    await expect(
      startCollector(config, { retention: false, clickhouseWaitMs: 1200 }),
    ).rejects.toThrow(/ClickHouse at http:\/\/127\.0\.0\.1:9 is not usable/);
  });
});
