import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient, type RedisStoreOptions } from './redis.js';

// The machine runs no Sentinel or Cluster: these build clients without connecting
// (lazyConnect) and check what ioredis was asked to do.
const opened: (Redis | Cluster)[] = [];
function build(opts: RedisStoreOptions): Redis | Cluster {
  const client = createRedisClient({ ...opts, lazyConnect: true });
  opened.push(client);
  return client;
}
afterEach(() => {
  for (const c of opened.splice(0)) c.disconnect();
});

describe('Redis client factory', () => {
  it('REDIS_URL → one Redis connection to that server', () => {
    const c = build({ url: 'redis://10.0.0.5:6380/2' });
    expect(c).toBeInstanceOf(Redis);
    const o = (c as Redis).options;
    expect([o.host, o.port, o.db]).toEqual(['10.0.0.5', 6380, 2]);
    expect(o.sentinels).toBeFalsy();
    expect(o.enableOfflineQueue).toBe(false);
  });

  it('REDIS_SENTINELS + REDIS_SENTINEL_NAME → a Redis client that asks the sentinels for the primary', () => {
    const sentinels = [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ];
    const c = build({ sentinels, sentinelName: 'gatehouse', password: 'pw' });
    expect(c).toBeInstanceOf(Redis);
    expect(c).not.toBeInstanceOf(Cluster);
    const o = (c as Redis).options;
    expect(o.sentinels).toEqual(sentinels);
    expect(o.name).toBe('gatehouse');
    expect(o.password).toBe('pw');
    expect(o.role ?? 'master').toBe('master');
    expect(o.enableOfflineQueue).toBe(false);
  });

  it('REDIS_CLUSTER_NODES → a Redis Cluster client seeded with those nodes', () => {
    const nodes = [
      { host: 'n1', port: 7000 },
      { host: 'n2', port: 7001 },
    ];
    const c = build({ clusterNodes: nodes, username: 'u', password: 'pw' });
    expect(c).toBeInstanceOf(Cluster);
    const cluster = c as Cluster;
    // `startupNodes` is private in the typings; it is what the client connects to first.
    expect((cluster as unknown as { startupNodes: unknown }).startupNodes).toEqual(nodes);
    expect(cluster.options.enableOfflineQueue).toBe(false);
    expect(cluster.options.redisOptions).toMatchObject({
      maxRetriesPerRequest: 0,
      username: 'u',
      password: 'pw',
    });
  });
});
