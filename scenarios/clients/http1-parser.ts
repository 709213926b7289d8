// A small incremental HTTP/1.1 response parser: status line, headers, body by Content-Length, chunked, or until close.
// Enough for a client that must see every byte it reads (Node's parser is not public).

export interface ParsedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-trailer' | 'close' | 'done';

export class ResponseParser {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = 'head';
  private status = 0;
  private statusText = '';
  private headers: Record<string, string> = {};
  private body: Buffer[] = [];
  private remaining = 0;
  /** Bytes consumed as part of responses (interim and final). */
  parsedBytes = 0;

  /** @param noBody the request was HEAD: a final response has no body whatever its headers say */
  constructor(
    private readonly noBody: boolean,
    private readonly onInterim: (status: number) => void = () => {},
  ) {}

  get complete(): boolean {
    return this.state === 'done';
  }

  /** Feeds bytes; returns the response once complete. Bytes after it are left in `leftover`. */
  push(data: Buffer): ParsedResponse | undefined {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    for (;;) {
      if (this.state === 'head') {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return undefined;
        const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
        this.consume(end + 4);
        const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
        if (!m) throw Object.assign(new Error(`bad status line: ${JSON.stringify(lines[0])}`), { code: 'HPE_INVALID_STATUS' });
        const status = Number(m[1]);
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        if (status >= 100 && status < 200) {
          this.onInterim(status);
          continue;
        }
        this.status = status;
        this.statusText = m[2] ?? '';
        this.headers = headers;
        if (this.noBody || status === 204 || status === 304) this.state = 'done';
        else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) this.state = 'chunk-size';
        else if (headers['content-length'] !== undefined) {
          this.remaining = Number(headers['content-length']);
          this.state = this.remaining > 0 ? 'length' : 'done';
        } else this.state = 'close';
      } else if (this.state === 'length') {
        const n = Math.min(this.remaining, this.buf.length);
        if (n === 0) return undefined;
        this.body.push(this.buf.subarray(0, n));
        this.consume(n);
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'done';
      } else if (this.state === 'chunk-size' || this.state === 'chunk-trailer') {
        const end = this.buf.indexOf('\r\n');
        if (end < 0) return undefined;
        const line = this.buf.subarray(0, end).toString('latin1');
        this.consume(end + 2);
        if (this.state === 'chunk-trailer') {
          if (line === '') this.state = 'done';
          continue;
        }
        const size = parseInt(line, 16);
        if (Number.isNaN(size)) throw Object.assign(new Error('bad chunk size'), { code: 'HPE_INVALID_CHUNK_SIZE' });
        if (size === 0) this.state = 'chunk-trailer';
        else {
          this.remaining = size + 2; // data + CRLF
          this.state = 'chunk-data';
        }
      } else if (this.state === 'chunk-data') {
        const n = Math.min(this.remaining, this.buf.length);
        if (n === 0) return undefined;
        const dataPart = Math.max(0, Math.min(n, this.remaining - 2));
        this.body.push(this.buf.subarray(0, dataPart));
        this.consume(n);
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'chunk-size';
      } else if (this.state === 'close') {
        if (this.buf.length) this.body.push(this.buf);
        this.consume(this.buf.length);
        return undefined;
      }
      if (this.state === 'done') return this.result();
    }
  }

  /** The peer closed: a body delimited by close is complete now. */
  end(): ParsedResponse | undefined {
    if (this.state === 'close') {
      this.state = 'done';
      return this.result();
    }
    return undefined;
  }

  get leftover(): Buffer {
    return this.buf;
  }

  private consume(n: number): void {
    this.parsedBytes += n;
    this.buf = this.buf.subarray(n);
  }

  private result(): ParsedResponse {
    return { status: this.status, statusText: this.statusText, headers: this.headers, body: Buffer.concat(this.body) };
  }
}
