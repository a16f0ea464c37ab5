import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_ROUTES, loadConfig, otelSettings } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('gateway config', () => {
  it('has the DESIGN.md defaults with no file and no env', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      host: '127.0.0.1',
      httpsPort: 8443,
      httpPort: 8080,
      adminPort: 8444,
      upstreamUrl: 'http://127.0.0.1:3000',
      maxBodyBytes: 1_048_576,
      upstreamTimeoutMs: 30_000,
      rateLimitFailMode: 'open',
      dataDir: './.data',
      dataPlane: 'full',
    });
    expect(c.routes).toEqual(DEFAULT_ROUTES);
  });

  it('runs the data plane without policies only on a loopback host, since it skips auth', () => {
    const path = file('fwd.yaml', 'dataPlane: forward-only\n');
    expect(loadConfig({ GATEWAY_CONFIG: path }).dataPlane).toBe('forward-only');
    expect(loadConfig({ GATEWAY_CONFIG: path, GATEWAY_HOST: '::1' }).dataPlane).toBe(
      'forward-only',
    );
    expect(() => loadConfig({ GATEWAY_CONFIG: path, GATEWAY_HOST: '0.0.0.0' })).toThrow(
      /at dataPlane\): forward-only serves without authentication/,
    );
    expect(() => loadConfig({}, { dataPlane: 'no-policy' as never })).toThrow(ConfigError);
  });

  it('sends analytics batches of up to 5,000 events at least every second unless told otherwise, and refuses nonsense', () => {
    expect(loadConfig({})).toMatchObject({ analyticsFlushMs: 1000, analyticsBatchEvents: 5000 });
    expect(
      loadConfig({ GATEWAY_ANALYTICS_FLUSH_MS: '250', GATEWAY_ANALYTICS_BATCH_EVENTS: '20000' }),
    ).toMatchObject({ analyticsFlushMs: 250, analyticsBatchEvents: 20_000 });
    for (const [name, value] of [
      ['GATEWAY_ANALYTICS_FLUSH_MS', '0'],
      ['GATEWAY_ANALYTICS_FLUSH_MS', '1s'],
      ['GATEWAY_ANALYTICS_FLUSH_MS', '600001'],
      ['GATEWAY_ANALYTICS_BATCH_EVENTS', '-5'],
      ['GATEWAY_ANALYTICS_BATCH_EVENTS', '100001'],
    ] as const) {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
    }
  });

  it('bounds the analytics spool at 256 MiB unless GATEWAY_SPOOL_MAX_BYTES says otherwise', () => {
    expect(loadConfig({}).spoolMaxBytes).toBe(256 * 1024 * 1024);
    expect(loadConfig({ GATEWAY_SPOOL_MAX_BYTES: '1048576' }).spoolMaxBytes).toBe(1_048_576);
    expect(() => loadConfig({ GATEWAY_SPOOL_MAX_BYTES: '1GB' })).toThrow(/GATEWAY_SPOOL_MAX_BYTES/);
    expect(() => loadConfig({ GATEWAY_SPOOL_MAX_BYTES: '0' })).toThrow(ConfigError);
  });

  it('reads routes and JWT from the YAML file and lets env override it', () => {
    const path = file(
      'ok.yaml',
      `httpsPort: 9443
routes:
  - prefix: /v1/reports
    scopes: [reports:read]
    rateLimit: { requests_per_minute: 10, burst: 2 }
  - prefix: /v1
jwt:
  jwksUrl: https://idp.example.com/.well-known/jwks.json
  audience: orders
`,
    );
    const c = loadConfig({
      GATEWAY_CONFIG: path,
      GATEWAY_HTTPS_PORT: '7443',
      RATE_LIMIT_FAIL_MODE: 'closed',
    });
    expect(c.httpsPort).toBe(7443);
    expect(c.rateLimitFailMode).toBe('closed');
    expect(c.routes[0]).toMatchObject({
      prefix: '/v1/reports',
      scopes: ['reports:read'],
      auth: 'required',
    });
    expect(c.jwt).toMatchObject({
      algorithms: ['RS256', 'ES256', 'EdDSA'],
      clockSkewSeconds: 60,
      customerClaim: 'sub',
    });
  });

  it('a bad env value is one line naming the variable', () => {
    expect(() => loadConfig({ GATEWAY_HTTPS_PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_HTTPS_PORT: 'abc' })).toThrow(/env GATEWAY_HTTPS_PORT/);
    expect(() => loadConfig({ RATE_LIMIT_FAIL_MODE: 'maybe' })).toThrow(/RATE_LIMIT_FAIL_MODE/);
  });

  it('a bad file value names the file and the key', () => {
    const path = file('bad.yaml', 'routes:\n  - prefix: v1\n');
    expect(() => loadConfig({ GATEWAY_CONFIG: path })).toThrow(
      new RegExp(`${path.replace(/[/.]/g, '\\$&')} at routes\\.0\\.prefix`),
    );
  });

  it('refuses HS algorithms and none in the JWT allowlist', () => {
    const path = file('hs.yaml', 'jwt:\n  publicKeys: ["x"]\n  algorithms: [HS256]\n');
    expect(() => loadConfig({ GATEWAY_CONFIG: path })).toThrow(/jwt\.algorithms/);
  });

  it('refuses a certificate without its key', () => {
    expect(() => loadConfig({ GATEWAY_TLS_CERT: '/x.pem' })).toThrow(/GATEWAY_TLS_KEY/);
  });

  it('main.ts exits non-zero with one line on a bad config', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const run = promisify(execFile);
    const error = await run(process.execPath, ['--import', 'tsx', main], {
      env: { PATH: process.env.PATH ?? '', GATEWAY_HTTPS_PORT: 'not-a-port' },
    }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(1);
    expect(error?.stderr.trim().split('\n')).toHaveLength(1);
    expect(error?.stderr).toMatch(/GATEWAY_HTTPS_PORT/);
  });
});

describe('gateway config: Redis connection modes', () => {
  it('takes REDIS_SENTINELS (host:port list, IPv6 in brackets) with REDIS_SENTINEL_NAME', () => {
    const c = loadConfig({
      REDIS_SENTINELS: 's1:26379, 10.0.0.2:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'gatehouse',
    });
    expect(c.redisSentinels).toEqual([
      { host: 's1', port: 26379 },
      { host: '10.0.0.2', port: 26380 },
      { host: '::1', port: 26381 },
    ]);
    expect(c.redisSentinelName).toBe('gatehouse');
    expect(c.redisUrl).toBeUndefined();
  });

  it('takes REDIS_CLUSTER_NODES as seed nodes', () => {
    const c = loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' });
    expect(c.redisClusterNodes).toEqual([
      { host: 'n1', port: 7000 },
      { host: 'n2', port: 7001 },
    ]);
  });

  it('takes REDIS_USERNAME / REDIS_PASSWORD with Sentinel or Cluster', () => {
    const c = loadConfig({
      REDIS_CLUSTER_NODES: 'n1:7000',
      REDIS_USERNAME: 'gatehouse',
      REDIS_PASSWORD: 'pw',
    });
    expect([c.redisUsername, c.redisPassword]).toEqual(['gatehouse', 'pw']);
  });

  it('accepts the node lists as YAML lists too', () => {
    const path = file('sentinel.yml', 'redisSentinels: ["a:1", "b:2"]\nredisSentinelName: m\n');
    expect(loadConfig({ GATEWAY_CONFIG: path }).redisSentinels).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
  });

  it.each([
    [
      { REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'n1:7000' },
      /^Invalid gateway configuration \(env REDIS_CLUSTER_NODES\): set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES \(got REDIS_URL and REDIS_CLUSTER_NODES\)$/,
    ],
    [
      { REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'm', REDIS_URL: 'redis://r' },
      /env REDIS_SENTINELS\): set only one of/,
    ],
    [
      { REDIS_SENTINELS: 's:26379' },
      /env REDIS_SENTINELS\): REDIS_SENTINELS needs REDIS_SENTINEL_NAME/,
    ],
    [{ REDIS_SENTINEL_NAME: 'm' }, /env REDIS_SENTINEL_NAME\): REDIS_SENTINEL_NAME is set but/],
    [{ REDIS_CLUSTER_NODES: 'n1' }, /env REDIS_CLUSTER_NODES\): each entry must be host:port/],
    [{ REDIS_CLUSTER_NODES: 'n1:70000' }, /env REDIS_CLUSTER_NODES\): port must be 1-65535/],
    [{ REDIS_CLUSTER_NODES: ' , ' }, /env REDIS_CLUSTER_NODES\): needs at least one host:port/],
    [
      { REDIS_URL: 'redis://r:6379', REDIS_PASSWORD: 'secret' },
      /env REDIS_PASSWORD\): .*with REDIS_URL put them in the URL$/,
    ],
  ])('refuses %o with one clear line', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('OpenTelemetry settings', () => {
  it('stay off without an OTLP endpoint, and when the SDK is disabled', () => {
    expect(otelSettings({}).enabled).toBe(false);
    expect(
      otelSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_SDK_DISABLED: 'true' })
        .enabled,
    ).toBe(false);
  });

  it('turn on with either endpoint and name the service as OTEL_SERVICE_NAME says', () => {
    expect(otelSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://otel:4318' })).toEqual({
      enabled: true,
      serviceName: 'gatehouse-gateway',
    });
    expect(
      otelSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
        OTEL_SERVICE_NAME: 'edge-eu',
      }),
    ).toEqual({ enabled: true, serviceName: 'edge-eu' });
  });
});
