import { describe, expect, it } from 'vitest';
import { AppError, errorFromStatus, normaliseError } from './errors.js';
import { asItems, createHttpClient, toQueryString } from './http.js';

describe('error normaliser', () => {
  it('takes code, message, field and request id from the Gatehouse envelope', () => {
    const e = errorFromStatus(422, {
      error: {
        code: 'validation_failed',
        message: 'plan is unknown',
        field: 'plan',
        request_id: 'req_1',
      },
    });
    expect(e).toMatchObject({
      kind: 'http',
      status: 422,
      code: 'validation_failed',
      field: 'plan',
      requestId: 'req_1',
    });
    expect(e.message).toBe('plan is unknown');
  });

  it('keeps the per-field problems of a validation envelope and skips entries without a field', () => {
    const e = errorFromStatus(422, {
      error: {
        code: 'validation_failed',
        message: 'burst: Too small',
        field: 'burst',
        details: [
          { field: 'burst', code: 'too_small', message: 'Too small' },
          { field: 'extra', code: 'unknown_field', message: 'This field is not accepted here.' },
          { message: 'no field' },
          'junk',
        ],
      },
    });
    expect(e.problems).toEqual([
      { field: 'burst', code: 'too_small', message: 'Too small' },
      { field: 'extra', code: 'unknown_field', message: 'This field is not accepted here.' },
    ]);
    expect(
      errorFromStatus(422, { error: { details: { retry_after_seconds: 3 } } }).problems,
    ).toEqual([]);
  });

  it('classifies 401 and 404 and survives bodies that are not envelopes', () => {
    expect(errorFromStatus(401, 'nope').kind).toBe('unauthorized');
    expect(errorFromStatus(404, undefined).kind).toBe('not_found');
    expect(errorFromStatus(502, { weird: true }).message).toBe('The server answered 502.');
  });

  it('turns a failed fetch into a network error', () => {
    expect(normaliseError(new TypeError('Failed to fetch')).kind).toBe('network');
    const same = new AppError('http', 'x');
    expect(normaliseError(same)).toBe(same);
  });
});

describe('http client', () => {
  it('sends the token as a bearer header, drops empty query values, and calls onUnauthorized on 401', async () => {
    let seen: { url: string; auth: string | undefined } | undefined;
    let logouts = 0;
    const client = createHttpClient({
      baseUrl: 'http://h/api/v1/',
      token: 'tok',
      onUnauthorized: () => logouts++,
      fetchImpl: async (input, init) => {
        seen = {
          url: String(input),
          auth: ((init?.headers ?? {}) as Record<string, string>).authorization,
        };
        return new Response('{"error":{"code":"unauthorized","message":"no","request_id":"r"}}', {
          status: 401,
        });
      },
    });
    await expect(
      client.request('GET', '/overview', { query: { range: '1h', route: '' } }),
    ).rejects.toMatchObject({
      kind: 'unauthorized',
    });
    expect(seen).toEqual({ url: 'http://h/api/v1/overview?range=1h', auth: 'Bearer tok' });
    expect(logouts).toBe(1);
  });

  it('builds query strings and reads both list shapes', () => {
    expect(toQueryString({ a: 1, b: undefined, c: 'x y' })).toBe('?a=1&c=x+y');
    expect(toQueryString({})).toBe('');
    expect(asItems([1])).toEqual([1]);
    expect(asItems({ items: [2] })).toEqual([2]);
    expect(asItems({ nope: 1 })).toEqual([]);
  });
});
