/**
 * NDJSON in, one parsed event per line out. Lines are numbered from 1 as the
 * user's editor numbers them (blank lines are skipped but still counted),
 * `\r\n` is accepted, a last line without a newline is read, and a UTF-8 BOM
 * at the start is dropped.
 *
 * Memory is bounded: a line longer than the event size limit is not
 * buffered. Its bytes are counted and dropped, and it comes out as an
 * EVENT_TOO_LARGE rejection whose `raw` is only the first
 * RAW_PREVIEW_BYTES bytes followed by `…`.
 */
import { Buffer } from 'node:buffer';
import { parseEvent, type ParseOptions, type ParseOutcome } from './parse.js';
import { EVENT_LIMITS } from './schema.js';

export interface NdjsonLine {
  /** 1-based line number in the input. */
  readonly line: number;
  /** The line's text without its line ending (a prefix only for an over-long line). */
  readonly raw: string;
  readonly outcome: ParseOutcome;
}

/** What `readNdjson` reads: text, bytes, or a stream of chunks (a Node Readable is one). */
export type NdjsonSource = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** How much of an over-long line is kept in `raw`. */
export const RAW_PREVIEW_BYTES = 1024;

const NL = 0x0a;
const CR = 0x0d;

class LineBuffer {
  private parts: Buffer[] = [];
  /** Bytes of the current line seen so far, kept or not. */
  size = 0;
  /** Bytes kept (all of them until the line overflows, then a preview). */
  private kept = 0;
  overflow = false;

  constructor(private readonly limit: number) {}

  add(segment: Buffer): void {
    if (segment.length === 0) return;
    this.size += segment.length;
    if (!this.overflow && this.size > this.limit) {
      this.overflow = true;
      const preview = Buffer.concat([...this.parts, segment]).subarray(0, RAW_PREVIEW_BYTES);
      this.parts = [Buffer.from(preview)];
      this.kept = preview.length;
      return;
    }
    if (!this.overflow) {
      this.parts.push(segment);
      this.kept += segment.length;
    }
  }

  take(): Buffer {
    const out = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.kept);
    this.parts = [];
    this.size = 0;
    this.kept = 0;
    this.overflow = false;
    return out;
  }
}

function toBuffer(chunk: string | Uint8Array): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

async function* chunks(source: NdjsonSource): AsyncGenerator<Buffer> {
  if (typeof source === 'string' || source instanceof Uint8Array) {
    yield toBuffer(source);
    return;
  }
  for await (const chunk of source) yield toBuffer(chunk);
}

/**
 * Reads NDJSON and parses every non-blank line with `parseEvent`. Bad lines
 * come out as rejections with their line number; they never stop the read.
 */
export async function* readNdjson(source: NdjsonSource, options?: ParseOptions): AsyncGenerator<NdjsonLine> {
  const limit = options?.maxBytes ?? EVENT_LIMITS.maxEventBytes;
  const buffer = new LineBuffer(limit + 1); // + 1: a trailing \r is not part of the event
  let lineNo = 0;
  let first = true;

  const finish = (): NdjsonLine | null => {
    lineNo++;
    const size = buffer.size;
    const overflow = buffer.overflow;
    let bytes = buffer.take();
    if (first) {
      first = false;
      if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    if (overflow) {
      const reason = `is ${size} bytes, over the limit of ${limit} bytes`;
      return {
        line: lineNo,
        raw: `${bytes.toString('utf8')}…`,
        outcome: { ok: false, rejection: { code: 'EVENT_TOO_LARGE', message: `line ${reason}`, errors: [{ path: '', reason }] } },
      };
    }
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    const raw = bytes.toString('utf8', 0, end);
    if (raw.trim() === '') return null;
    return { line: lineNo, raw, outcome: parseEvent(raw, options) };
  };

  for await (const chunk of chunks(source)) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) {
        buffer.add(chunk.subarray(start));
        break;
      }
      buffer.add(chunk.subarray(start, nl));
      start = nl + 1;
      const line = finish();
      if (line !== null) yield line;
    }
  }
  if (buffer.size > 0) {
    const line = finish();
    if (line !== null) yield line;
  }
}
