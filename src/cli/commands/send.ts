/**
 * `tally send FILE|-` — publishes NDJSON events: straight to the raw topic on
 * Kafka (the same validation as the HTTP ingest), or with `--url` through a
 * running tally API. Progress on stderr, a summary at the end; bad lines are
 * reported with line, field path and reason and do not stop the run; exit 1
 * if any line was rejected.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { TallyError, errorMessage } from '../../core/errors.js';
import { readNdjson } from '../../events/ndjson.js';
import type { IngestRejection } from '../../ingest/service.js';
import { openKafkaIngest } from '../../runtime/ingest.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';
import { printJson, progress, thousands } from '../output.js';
import { OPEN_ACCESS } from '../../core/principal.js';
import { createTallyClient } from '../../sdk/client/index.js';

export interface SendFlags extends ConfigFlags {
  readonly url?: string;
  readonly apiKey?: string;
  readonly batch: string;
  readonly json?: boolean;
}

interface Line {
  readonly line: number;
  readonly raw: string;
}

/** Sends one batch of lines; resolves with the rejections (line numbers set). */
type BatchSender = (lines: readonly Line[]) => Promise<{ accepted: number; rejected: IngestRejection[] }>;

async function countLines(file: string): Promise<number | undefined> {
  if (file === '-') return undefined;
  const size = (await stat(file)).size;
  if (size > 2 * 1024 ** 3) return undefined;
  let n = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}

function httpSender(url: string, apiKey: string | undefined): BatchSender {
  const client = createTallyClient({ url, ...(apiKey ? { apiKey } : {}), timeoutMs: 60_000 });
  return async (lines) => {
    const answer = await client.ingest.ndjson(lines.map((l) => l.raw).join('\n'));
    const rejected = answer.rejected.map((r) => ({ ...r, line: lines[r.index]?.line ?? r.line }));
    return { accepted: answer.accepted, rejected };
  };
}

export async function runSend(file: string, flags: SendFlags): Promise<void> {
  const batchSize = Math.max(1, Number(flags.batch) || 500);
  let send: BatchSender;
  let close = async (): Promise<void> => undefined;
  let target: string;
  if (flags.url) {
    send = httpSender(flags.url, flags.apiKey);
    target = flags.url;
  } else {
    const kafka = await openKafkaIngest(cliContext(flags, { logLevel: 'warn' }));
    send = async (lines) => {
      const result = await kafka.ingest.ingest(lines.map((l, index) => ({ index, line: l.line, input: l.raw })), OPEN_ACCESS, 'cli');
      return { accepted: result.accepted, rejected: [...result.rejected] };
    };
    close = () => kafka.close();
    target = kafka.target;
  }

  const started = Date.now();
  const bar = progress('sending', await countLines(file));
  const rejected: IngestRejection[] = [];
  let accepted = 0;
  let pending: Line[] = [];
  const report = (r: IngestRejection): void => {
    rejected.push(r);
    if (flags.json) return;
    const where = r.line === undefined ? `item ${r.index}` : `line ${r.line}`;
    const details = r.errors.length > 0 ? r.errors.map((e) => `${e.path || '(event)'}: ${e.reason}`) : [r.message];
    for (const d of details) bar.log(`${where}: ${r.code}: ${d}`);
  };
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const out = await send(pending);
    accepted += out.accepted;
    out.rejected.forEach(report);
    bar.tick(pending.length);
    pending = [];
  };
  try {
    for await (const l of readNdjson(file === '-' ? process.stdin : createReadStream(file))) {
      if (!l.outcome.ok) {
        report({ index: -1, line: l.line, code: l.outcome.rejection.code, message: l.outcome.rejection.message, errors: l.outcome.rejection.errors });
        bar.tick();
        continue;
      }
      pending.push({ line: l.line, raw: l.raw });
      if (pending.length >= batchSize) await flush();
    }
    await flush();
  } catch (err) {
    bar.done();
    throw err instanceof TallyError ? err : new TallyError('LOG_UNAVAILABLE', `sending to ${target} failed: ${errorMessage(err)}`, { cause: err });
  } finally {
    await close();
  }
  const seconds = (Date.now() - started) / 1000;
  const summary = { target, accepted, rejected: rejected.length, seconds: Math.round(seconds * 100) / 100, events_per_second: Math.round(accepted / Math.max(seconds, 0.001)) };
  bar.done(flags.json ? undefined : `sent ${thousands(String(accepted))} events to ${target} in ${summary.seconds}s (${thousands(String(summary.events_per_second))}/s); ${rejected.length} rejected`);
  if (flags.json) printJson({ ...summary, rejected_lines: rejected.map((r) => ({ line: r.line, code: r.code, errors: r.errors })) });
  if (rejected.length > 0) process.exitCode = 1;
}
