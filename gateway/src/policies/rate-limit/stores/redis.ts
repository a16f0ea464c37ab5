import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { ConsumeRequest, Decision, RateLimitStore } from './types.js';

/**
 * GCRA for every limit plus the daily quota, decided and counted in ONE Lua script, so two
 * gateway processes can never both take the last token (decide-then-count races), and timed
 * by Redis's own clock (`TIME`) so clock drift between gateway hosts cannot over-issue.
 * Since Redis 5, scripts replicate their effects, so calling TIME before writing is allowed.
 *
 * KEYS: the n bucket keys, then the quota key when there is one.
 * ARGV: n, then emission_ms and burst per bucket, then quota_limit (0 = none), quota_window_ms.
 * Returns {allowed, remaining, retry_after_ms, reset_ms, quota_exceeded}.
 */
export const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local allowed = 1
local remaining = -1
local retry = 0
local reset = 0
local newtats = {}
for i = 1, n do
  local emission = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if tat == nil or tat < now then tat = now end
  local newtat = tat + emission
  local allow_at = newtat - burst * emission
  if now < allow_at then
    allowed = 0
    if allow_at - now > retry then retry = allow_at - now end
    if tat - now > reset then reset = tat - now end
  else
    local rem = math.floor((now - allow_at) / emission)
    if remaining < 0 or rem < remaining then remaining = rem end
    if newtat - now > reset then reset = newtat - now end
  end
  newtats[i] = newtat
end
local qlimit = tonumber(ARGV[2 * n + 2])
local qwindow = tonumber(ARGV[2 * n + 3])
local quota_exceeded = 0
local used = 0
if qlimit > 0 then
  used = tonumber(redis.call('GET', KEYS[n + 1]) or '0')
  if used >= qlimit then
    quota_exceeded = 1
    if allowed == 1 then retry = qwindow end
    allowed = 0
  end
end
if allowed == 1 then
  for i = 1, n do
    local ttl = math.ceil(newtats[i] - now) + 1000
    redis.call('SET', KEYS[i], string.format('%.3f', newtats[i]), 'PX', ttl)
  end
  if qlimit > 0 then
    used = redis.call('INCR', KEYS[n + 1])
    if used == 1 then redis.call('PEXPIRE', KEYS[n + 1], qwindow + 60000) end
    if remaining < 0 or qlimit - used < remaining then remaining = qlimit - used end
  end
else
  remaining = 0
end
if remaining < 0 then remaining = 0 end
return {allowed, remaining, math.ceil(retry), math.ceil(reset), quota_exceeded}
`;

export interface HostPort {
  host: string;
  port: number;
}

/**
 * How to reach Redis: one server (`url`, `redis://` or `rediss://`), a Sentinel-managed
 * primary (`sentinels` + `sentinelName`: the client asks the sentinels for the current primary
 * and follows failovers), or a Redis Cluster (`clusterNodes`: seed nodes; keys of one script
 * call share a hash tag, see the rate-limit policy's key names). Exactly one.
 */
export type RedisConnection =
  | { url: string }
  | { sentinels: HostPort[]; sentinelName: string; username?: string; password?: string }
  | { clusterNodes: HostPort[]; username?: string; password?: string };

export type RedisStoreOptions = RedisConnection & {
  /** A command slower than this counts as a failure (the caller falls back). */
  commandTimeoutMs?: number;
  onConnectionError?: (error: Error) => void;
  /** Do not connect until the first command (unit tests of the client factory). */
  lazyConnect?: boolean;
};

type GcraCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number[]>;

function credentials(opts: { username?: string; password?: string }): RedisOptions {
  return {
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.password ? { password: opts.password } : {}),
  };
}

/** The ioredis client for `opts`: `Redis` (URL or Sentinel) or `Cluster`. */
export function createRedisClient(opts: RedisStoreOptions): Redis | Cluster {
  // Fail fast instead of queueing requests behind a dead connection: the caller falls back
  // to local limits, and ioredis keeps reconnecting in the background on its own.
  const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);
  const common: RedisOptions = {
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 250,
    lazyConnect: opts.lazyConnect ?? false,
  };
  if ('clusterNodes' in opts) {
    return new Cluster(opts.clusterNodes, {
      enableOfflineQueue: false,
      clusterRetryStrategy: retryStrategy,
      lazyConnect: opts.lazyConnect ?? false,
      redisOptions: {
        maxRetriesPerRequest: 0,
        commandTimeout: opts.commandTimeoutMs ?? 250,
        ...credentials(opts),
      },
    });
  }
  if ('sentinels' in opts) {
    return new Redis({
      ...common,
      enableOfflineQueue: false,
      sentinels: opts.sentinels,
      name: opts.sentinelName,
      // For the primary and replicas; the sentinels themselves are asked without credentials.
      ...credentials(opts),
      retryStrategy,
      sentinelRetryStrategy: retryStrategy,
    });
  }
  return new Redis(opts.url, { ...common, enableOfflineQueue: false, retryStrategy });
}

export function createRedisStore(opts: RedisStoreOptions): RateLimitStore & {
  readonly client: Redis | Cluster;
  ready(timeoutMs: number): Promise<boolean>;
} {
  const client = createRedisClient(opts);
  client.on('error', (error: Error) => opts.onConnectionError?.(error));
  client.defineCommand('gatehouseGcra', { lua: GCRA_SCRIPT });
  const run = (client as unknown as { gatehouseGcra: GcraCommand }).gatehouseGcra.bind(client);

  return {
    kind: 'redis',
    client,
    async ready(timeoutMs) {
      if (client.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          client.off('ready', onReady);
          client.off('error', onError);
          resolve(ok);
        };
        const onReady = () => done(true);
        // The first connection error is answer enough: do not hold the start for the timeout.
        const onError = () => done(false);
        const timer = setTimeout(() => done(false), timeoutMs);
        client.once('ready', onReady);
        client.once('error', onError);
      });
    },
    async consume(request: ConsumeRequest): Promise<Decision> {
      const keys = request.limits.map((l) => l.key);
      const args: (string | number)[] = [request.limits.length];
      for (const l of request.limits) args.push(l.emissionMs, l.burst);
      if (request.quota) {
        keys.push(request.quota.key);
        args.push(request.quota.limit, request.quota.windowMs);
      } else {
        args.push(0, 0);
      }
      const [allowed, remaining, retry, reset, quota] = await run(keys.length, ...keys, ...args);
      return {
        allowed: allowed === 1,
        remaining: remaining ?? 0,
        retryAfterMs: retry ?? 0,
        resetMs: reset ?? 0,
        quotaExceeded: quota === 1,
      };
    },
    async close() {
      client.disconnect();
    },
  };
}
