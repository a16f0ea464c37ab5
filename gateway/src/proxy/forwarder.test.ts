import { describe, expect, it } from 'vitest';
import { responseHeaders } from './forwarder.js';

/** The flat `[name, value, …]` list as pairs, for readable assertions. */
function pairs(list: (string | string[])[]): [string, string | string[]][] {
  const out: [string, string | string[]][] = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i] as string, list[i + 1]!]);
  return out;
}

describe('responseHeaders', () => {
  it("keeps the upstream's end-to-end headers and appends the gateway's", () => {
    const list = responseHeaders(
      { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] },
      { 'x-request-id': 'req-1', ratelimit: '"plan";r=9;t=1' },
    );
    expect(pairs(list)).toEqual([
      ['content-type', 'application/json'],
      ['set-cookie', ['a=1', 'b=2']],
      ['x-request-id', 'req-1'],
      ['ratelimit', '"plan";r=9;t=1'],
    ]);
  });

  it("sends one value for a header both set: the gateway's replaces the upstream's", () => {
    const list = responseHeaders(
      { 'x-request-id': 'made-up-upstream', 'content-length': '2' },
      { 'x-request-id': 'req-1' },
    );
    expect(pairs(list)).toEqual([
      ['content-length', '2'],
      ['x-request-id', 'req-1'],
    ]);
  });

  it('drops hop-by-hop headers and the ones the upstream lists in Connection', () => {
    const list = responseHeaders(
      {
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'x-hop': 'secret-to-this-hop',
        'x-kept': 'yes',
      },
      {},
    );
    expect(pairs(list)).toEqual([['x-kept', 'yes']]);
  });

  it('keeps upstream headers named like Object.prototype members', () => {
    const upstream = JSON.parse('{"constructor":"c","__proto__":"p","toString":"t"}');
    const list = responseHeaders(upstream, {});
    expect(pairs(list)).toEqual([
      ['constructor', 'c'],
      ['__proto__', 'p'],
      ['toString', 't'],
    ]);
  });
});
