import { describe, expect, it } from 'vitest';
import { parseWrkDuration, parseWrkOutput, wrkArgs } from './wrk.js';

const OUTPUT = `Running 5s test @ https://127.0.0.1:8443/v1/orders/1
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  299.06us   8.21ms   91.28%
    Req/Sec    33.12k     1.23k   35.01k    80.00%
  Latency Distribution
     50%  812.00us
     75%    1.55ms
     90%    1.70ms
     99%    1.02s
  164830 requests in 5.00s, 58.34MB read
  Socket errors: connect 0, read 2, write 1, timeout 4
  Non-2xx or 3xx responses: 12
Requests/sec:  32955.20
Transfer/sec:     11.66MB
`;

describe('parseWrkOutput', () => {
  it('reads throughput, percentiles in any unit, and error counts', () => {
    expect(parseWrkOutput(OUTPUT)).toEqual({
      rps: 32955.2,
      p50Ms: 0.812,
      p99Ms: 1020,
      requests: 164830,
      non2xx: 12,
      socketErrors: 7,
    });
  });
  it('counts no errors when wrk prints none', () => {
    const clean = OUTPUT.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '');
    const r = parseWrkOutput(clean);
    expect(r.non2xx).toBe(0);
    expect(r.socketErrors).toBe(0);
  });
  it('refuses output without a latency distribution (run without --latency or failed)', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(
      /not understood/,
    );
  });
});

describe('parseWrkDuration', () => {
  it('converts microseconds, seconds and minutes to milliseconds', () => {
    expect(parseWrkDuration('250.00us')).toBeCloseTo(0.25);
    expect(parseWrkDuration('2.00s')).toBe(2000);
    expect(parseWrkDuration('1.00m')).toBe(60_000);
  });
  it('refuses an unknown unit', () => {
    expect(() => parseWrkDuration('3.00d')).toThrow(/unrecognised/);
  });
});

describe('wrkArgs', () => {
  it('passes headers and asks for the latency distribution', () => {
    expect(
      wrkArgs({
        url: 'http://127.0.0.1:1/x',
        connections: 50,
        threads: 1,
        durationS: 5,
        headers: { authorization: 'Bearer k' },
        cpu: '0',
      }),
    ).toEqual([
      '-t1',
      '-c50',
      '-d5s',
      '--timeout',
      '10s',
      '--latency',
      '-H',
      'authorization: Bearer k',
      'http://127.0.0.1:1/x',
    ]);
  });
});
