// Reads HTTP/1.1 responses off a keep-alive byte stream, for the loaders that talk to a socket
// directly instead of through node:http (whose per-request objects made the loader's own GC and
// CPU part of every target's latency). Pure: bytes in, statuses out.

/** What one `push` found: the status of each response that ended in the bytes given so far. */
export type ResponseStatuses = number[];

type State =
  | { kind: 'head' }
  | { kind: 'body'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'trailers' };

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** A head longer than this is not a response this reader can follow. */
const MAX_HEAD_BYTES = 64 * 1024;

/**
 * One connection's responses, in order: a head, then a body by `Content-Length` or chunked
 * transfer coding (a response with neither, such as 204 or 304, has none). Throws on bytes that
 * are not a response: the connection cannot be trusted for the next one after that.
 */
export class Http1ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { kind: 'head' };
  private status = 0;
  private close = false;
  /** The last response that ended said `Connection: close`: the server ends the connection. */
  closeAfterLast = false;

  push(chunk: Buffer): ResponseStatuses {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const done: ResponseStatuses = [];
    for (;;) {
      const s = this.state;
      if (s.kind === 'head') {
        const end = this.buf.indexOf(HEAD_END);
        if (end < 0) {
          if (this.buf.length > MAX_HEAD_BYTES) throw new Error('response head too long');
          break;
        }
        const head = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end + HEAD_END.length);
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
        if (!m) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(head.slice(0, 40))}`);
        this.status = Number(m[1]);
        this.close = /\r\nconnection:[^\r]*\bclose\b/i.test(head);
        if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
          this.state = { kind: 'chunk-size' };
          continue;
        }
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const left = length ? Number(length[1]) : 0;
        if (left === 0) {
          this.closeAfterLast = this.close;
          done.push(this.status);
          continue;
        }
        this.state = { kind: 'body', left };
      } else if (s.kind === 'body' || s.kind === 'chunk-data') {
        // Chunk data is followed by its CRLF: read both at once.
        const want = s.kind === 'chunk-data' ? s.left + CRLF.length : s.left;
        if (this.buf.length < want) {
          if (s.kind === 'body') {
            s.left -= this.buf.length;
            this.buf = Buffer.alloc(0);
          }
          break;
        }
        this.buf = this.buf.subarray(want);
        if (s.kind === 'chunk-data') this.state = { kind: 'chunk-size' };
        else {
          this.state = { kind: 'head' };
          this.closeAfterLast = this.close;
          done.push(this.status);
        }
      } else if (s.kind === 'chunk-size') {
        const end = this.buf.indexOf(CRLF);
        if (end < 0) break;
        const size = Number.parseInt(this.buf.subarray(0, end).toString('latin1'), 16);
        if (!Number.isFinite(size) || size < 0) throw new Error('bad chunk size');
        this.buf = this.buf.subarray(end + CRLF.length);
        this.state = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', left: size };
      } else {
        // Trailer lines end with an empty line; usually there are none and that line comes first.
        const end = this.buf.indexOf(CRLF);
        if (end < 0) break;
        this.buf = this.buf.subarray(end + CRLF.length);
        if (end === 0) {
          this.state = { kind: 'head' };
          this.closeAfterLast = this.close;
          done.push(this.status);
        }
      }
    }
    return done;
  }

  /** Bytes of a response begun but not ended: a close now cut it short. */
  get midResponse(): boolean {
    return this.state.kind !== 'head' || this.buf.length > 0;
  }
}
