import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readNdjson, RAW_PREVIEW_BYTES, type NdjsonLine, type NdjsonSource } from '../../../src/events/ndjson.js';
import type { ParseOptions } from '../../../src/events/parse.js';

async function collect(source: NdjsonSource, options?: ParseOptions): Promise<NdjsonLine[]> {
  const out: NdjsonLine[] = [];
  for await (const line of readNdjson(source, options)) out.push(line);
  return out;
}

const e = (model: string): string => JSON.stringify({ model, usage: { prompt_tokens: 1 } });

function summary(lines: NdjsonLine[]): Array<[number, string]> {
  return lines.map((l) => [l.line, l.outcome.ok ? l.outcome.event.model : l.outcome.rejection.code]);
}

describe('readNdjson', () => {
  it('numbers lines from 1, skips blank lines but counts them, tolerates CRLF and a last line without newline', async () => {
    const text = `${e('a')}\r\n\r\n   \n${e('b')}\n{broken\n${e('c')}`;
    const lines = await collect(text);
    expect(summary(lines)).toEqual([
      [1, 'a'],
      [4, 'b'],
      [5, 'INVALID_JSON'],
      [6, 'c'],
    ]);
    expect(lines[0]?.raw).toBe(e('a'));
  });

  it('reads a Readable stream whose chunks split lines and multi-byte characters anywhere', async () => {
    const text = `${JSON.stringify({ model: 'modèle-ü', usage: {} })}\n${e('b')}\n`;
    const bytes = Buffer.from(text);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.subarray(i, i + 3));
    const lines = await collect(Readable.from(chunks));
    expect(summary(lines)).toEqual([
      [1, 'modèle-ü'],
      [2, 'b'],
    ]);
  });

  it('accepts string chunks and a leading byte order mark', async () => {
    const lines = await collect([`\ufeff${e('a')}\n`, e('b')]);
    expect(summary(lines)).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(lines[0]?.raw).toBe(e('a'));
  });

  it('bounds a huge line: counted, not buffered, reported with its size and a short preview', async () => {
    const huge = JSON.stringify({ model: 'm', usage: {}, extra: { blob: 'x'.repeat(5000) } });
    const chunks = [e('a'), '\n', huge.slice(0, 1000), huge.slice(1000, 3000), huge.slice(3000), '\n', e('c'), '\n'];
    const lines = await collect(chunks, { maxBytes: 2048 });
    expect(summary(lines)).toEqual([
      [1, 'a'],
      [2, 'EVENT_TOO_LARGE'],
      [3, 'c'],
    ]);
    const big = lines[1];
    expect(big?.outcome.ok).toBe(false);
    if (big && !big.outcome.ok) expect(big.outcome.rejection.message).toBe(`line is ${huge.length} bytes, over the limit of 2048 bytes`);
    expect(big?.raw).toBe(`${huge.slice(0, RAW_PREVIEW_BYTES)}…`);
  });

  it('a line exactly at the limit with a CRLF ending is accepted', async () => {
    const line = JSON.stringify({ model: 'm', usage: {}, extra: { pad: '' } });
    const padded = JSON.stringify({ model: 'm', usage: {}, extra: { pad: 'x'.repeat(200 - line.length) } });
    expect(Buffer.byteLength(padded)).toBe(200);
    expect(summary(await collect(`${padded}\r\n`, { maxBytes: 200 }))).toEqual([[1, 'm']]);
  });

  it('an empty input yields nothing', async () => {
    expect(await collect('')).toEqual([]);
    expect(await collect('\n\n')).toEqual([]);
  });
});
