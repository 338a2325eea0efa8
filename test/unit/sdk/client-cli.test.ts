/**
 * `tally send --url` goes through the SDK's typed client: NDJSON batches to
 * `POST /v1/events:ndjson` with the key, rejected items reported with their
 * file line, and an error answer mapped like every other caller's
 * (UNAUTHORIZED for a 401, not a generic failure).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runSend } from '../../../src/cli/commands/send.js';

const bodies: { url: string; auth: string | undefined; type: string | undefined; lines: string[] }[] = [];
let status = 202;
let url = '';
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const lines = body.split('\n');
    bodies.push({ url: req.url ?? '', auth: req.headers.authorization, type: req.headers['content-type'], lines });
    res.writeHead(status, { 'content-type': 'application/json' });
    if (status !== 202) return res.end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'unknown key' } }));
    const rejected = lines.flatMap((l, index) => (l.includes('"bad"') ? [{ index, code: 'VALIDATION_FAILED', message: 'model: bad', errors: [{ path: 'model', reason: 'is bad' }] }] : []));
    res.end(JSON.stringify({ accepted: lines.length - rejected.length, event_ids: [], rejected }));
  });
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

it('sends NDJSON batches with the key and reports rejected lines by their line number; a 401 is UNAUTHORIZED', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tally-send-')), 'events.ndjson');
  writeFileSync(file, ['{"model":"a","usage":{}}', '{"model":"b","usage":{}}', '{"model":"bad","usage":{}}'].join('\n') + '\n');
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const errWrite = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await runSend(file, { url, apiKey: 'sk_ingest', batch: '2', json: true });
    status = 401;
    await expect(runSend(file, { url, apiKey: 'sk_wrong', batch: '2', json: true })).rejects.toMatchObject({ code: 'UNAUTHORIZED', details: { status: 401 } });
  } finally {
    write.mockRestore();
    errWrite.mockRestore();
    process.exitCode = 0;
  }
  expect(bodies.slice(0, 2).map((b) => [b.url, b.auth, b.type, b.lines.length])).toEqual([
    ['/v1/events:ndjson', 'Bearer sk_ingest', 'application/x-ndjson', 2],
    ['/v1/events:ndjson', 'Bearer sk_ingest', 'application/x-ndjson', 1],
  ]);
  const summary = JSON.parse(out.join('')) as { accepted: number; rejected: number; rejected_lines: unknown[] };
  expect(summary).toMatchObject({ accepted: 2, rejected: 1, rejected_lines: [{ line: 3, code: 'VALIDATION_FAILED', errors: [{ path: 'model', reason: 'is bad' }] }] });
});
