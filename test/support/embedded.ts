/**
 * One `tally start` (startEmbedded, chDB in a temp dir, every setting its
 * default, API on a free port) for a describe block: started before its
 * tests, closed and removed after them. `call` sends JSON to its HTTP API.
 */
import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { createMetrics } from '../../src/core/metrics.js';
import { createProcessContext } from '../../src/runtime/context.js';
import { startEmbedded, type Embedded } from '../../src/runtime/processes/embedded.js';

export interface EmbeddedSuite {
  /** The running instance (only inside tests and hooks). */
  readonly instance: () => Embedded;
  /** A request to its API: a JSON body when given; the status and the parsed answer. */
  readonly call: (method: string, path: string, body?: unknown) => Promise<{ status: number; json: Record<string, unknown> }>;
}

export function embeddedSuite(prefix: string): EmbeddedSuite {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  let e: Embedded | undefined;
  const instance = (): Embedded => {
    if (!e) throw new Error('tally start is not running: use it inside a test');
    return e;
  };
  beforeAll(async () => {
    const config = loadConfig({ env: {}, overrides: { dataDir, api: { host: '127.0.0.1', port: 0 } } });
    e = await startEmbedded(createProcessContext(config, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) }));
  }, 120_000);
  afterAll(async () => {
    await e?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    instance,
    call: async (method, path, body) => {
      const res = await fetch(`${instance().url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
  };
}
