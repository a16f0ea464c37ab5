import { describe, expect, it } from 'vitest';
import { Http1ResponseReader } from './http1-reader.js';

const json = (status: number, body: string) =>
  `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const chunked = (status: number, chunks: string[], trailers = '') =>
  `HTTP/1.1 ${status} X\r\nTransfer-Encoding: chunked\r\n\r\n${chunks
    .map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`)
    .join('')}0\r\n${trailers}\r\n`;

/** Feeds `text` in pieces of `size` bytes and collects every status the reader gives. */
function readInPieces(
  text: string,
  size: number,
): { statuses: number[]; reader: Http1ResponseReader } {
  const bytes = Buffer.from(text);
  const reader = new Http1ResponseReader();
  const statuses: number[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    statuses.push(...reader.push(bytes.subarray(i, i + size)));
  }
  return { statuses, reader };
}

describe('Http1ResponseReader', () => {
  const stream = [
    json(200, '{"id":"ord_1","note":"é ✓"}'),
    chunked(201, ['{"a":', '1}']),
    'HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n',
    chunked(200, ['x'], 'Server-Timing: db;dur=1\r\n'),
    json(429, '{"error":{"code":"rate_limited"}}'),
  ].join('');

  it('reads back-to-back responses of every framing, whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const { statuses, reader } = readInPieces(stream, size);
      expect(statuses, `pieces of ${size}`).toEqual([200, 201, 204, 200, 429]);
      expect(reader.midResponse).toBe(false);
    }
  });

  it('says when the server will close the connection after a response', () => {
    const reader = new Http1ResponseReader();
    reader.push(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}'));
    expect(reader.closeAfterLast).toBe(true);
    reader.push(Buffer.from(json(200, '{}')));
    expect(reader.closeAfterLast).toBe(false);
  });

  it('says when a response is cut short', () => {
    const whole = json(200, '{"ok":true}');
    const { statuses, reader } = readInPieces(whole.slice(0, -3), 5);
    expect(statuses).toEqual([]);
    expect(reader.midResponse).toBe(true);
  });

  it('refuses bytes that are not an HTTP/1.x response', () => {
    const reader = new Http1ResponseReader();
    expect(() => reader.push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not an HTTP/);
  });

  it('refuses a chunk size that is not hexadecimal', () => {
    const reader = new Http1ResponseReader();
    expect(() =>
      reader.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')),
    ).toThrow(/chunk size/);
  });

  it('refuses a head that never ends', () => {
    const reader = new Http1ResponseReader();
    expect(() => reader.push(Buffer.alloc(70 * 1024, 'a'))).toThrow(/too long/);
  });
});
