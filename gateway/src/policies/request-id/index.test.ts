import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../testing/fake-context.js';
import { outgoingTraceparent, parseTraceparent, pooledUuid, requestId } from './index.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request-id policy', () => {
  const policy = requestId();

  it('keeps a well-formed client X-Request-Id and returns it', () => {
    const ctx = fakeContext({ headers: { 'x-request-id': 'abc-123' } });
    policy(ctx);
    expect(ctx.requestId).toBe('abc-123');
    expect(ctx.responseHeaders['x-request-id']).toBe('abc-123');
  });

  it('replaces a malformed one instead of echoing it (header injection, log forging)', () => {
    const ctx = fakeContext({ headers: { 'x-request-id': 'bad id\nx: y' } });
    policy(ctx);
    // Not `not.toContain('bad')`: a fresh UUID is hex and holds "bad" about once in 140 runs.
    expect(ctx.requestId).not.toContain('bad id');
    expect(ctx.requestId).toMatch(UUID_V4);
    expect(ctx.responseHeaders['x-request-id']).toBe(ctx.requestId);
  });

  it('continues a valid W3C trace with a new span id, or starts a new trace', () => {
    const ctx = fakeContext({
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    policy(ctx);
    expect(ctx.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(ctx.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ctx.spanId).not.toBe('00f067aa0ba902b7');
    const fresh = fakeContext({
      headers: { traceparent: '00-' + '0'.repeat(32) + '-00f067aa0ba902b7-01' },
    });
    policy(fresh);
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.traceId).not.toBe('0'.repeat(32));
    expect(fresh.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(fresh.traceId).not.toContain(fresh.spanId);
    expect(fresh.traceFlags).toBe('01');
    expect(outgoingTraceparent(ctx.traceId, ctx.spanId, ctx.traceFlags)).toMatch(/^00-4bf9.*-01$/);
  });

  it('never repeats trace or span ids across requests (pool refills included)', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const ctx = fakeContext({});
      policy(ctx);
      traces.add(ctx.traceId);
      spans.add(ctx.spanId);
    }
    expect(traces.size).toBe(2000);
    expect(spans.size).toBe(2000);
  });

  it('makes version-4 UUIDs that never repeat and use every random hex digit', () => {
    const seen = new Set<string>();
    const digits = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = pooledUuid();
      expect(id).toMatch(UUID_V4);
      seen.add(id);
      for (const c of id.slice(0, 8)) digits.add(c);
    }
    expect(seen.size).toBe(5000);
    expect(digits.size).toBe(16);
    const ctx = fakeContext({});
    policy(ctx);
    expect(ctx.requestId).toMatch(UUID_V4);
    expect(ctx.responseHeaders['x-request-id']).toBe(ctx.requestId);
  });

  it('parses only version-00 traceparents', () => {
    expect(
      parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
    ).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
  });
});
