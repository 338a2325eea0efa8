/**
 * Issue 10, item 10: `tally api --port P --host H` (and `tally start`) listen
 * where both flags say. Each command is parsed by its real registration and
 * run up to its process start, which is replaced here to capture the config
 * it was given. (Before issue 9 the two flags built two `api` overrides and
 * the second replaced the first, so `--port` was lost whenever `--host` was
 * given.)
 */
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TallyConfig } from '../../../src/config/schema.js';
import type { ProcessContext } from '../../../src/runtime/context.js';

const started: TallyConfig[] = [];
const handle = { url: 'http://x', port: 0, steps: [], close: async () => undefined, openAccess: false, store: { events: { any: async () => true } } };

vi.mock('../../../src/runtime/processes/api.js', () => ({ startApi: async (ctx: ProcessContext) => { started.push(ctx.config); return handle; } }));
vi.mock('../../../src/runtime/processes/embedded.js', () => ({ startEmbedded: async (ctx: ProcessContext) => { started.push(ctx.config); return handle; } }));
vi.mock('../../../src/runtime/shutdown.js', () => ({ onShutdown: () => async () => undefined }));

const { registerApi } = await import('../../../src/cli/register/api.js');
const { registerStart } = await import('../../../src/cli/register/start.js');

async function run(...argv: string[]): Promise<TallyConfig['api']> {
  const program = new Command('tally').exitOverride();
  registerApi(program);
  registerStart(program);
  await program.parseAsync(['node', 'tally', ...argv]);
  const config = started.at(-1);
  if (!config) throw new Error('the command started nothing');
  return config.api;
}

const saved = { ...process.env };
beforeEach(() => {
  started.length = 0;
  for (const k of ['TALLY_PORT', 'TALLY_HOST', 'TALLY_CONFIG']) delete process.env[k];
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
});

describe('--port and --host', () => {
  it('tally api takes both, in either order, and each alone', async () => {
    expect(await run('api', '--port', '9123', '--host', '127.0.0.2')).toMatchObject({ port: 9123, host: '127.0.0.2' });
    expect(await run('api', '--host', '127.0.0.3', '-p', '9124')).toMatchObject({ port: 9124, host: '127.0.0.3' });
    expect(await run('api', '--port', '9125')).toMatchObject({ port: 9125, host: '0.0.0.0' });
    process.env.TALLY_PORT = '9200';
    expect(await run('api', '--host', '127.0.0.4')).toMatchObject({ port: 9200, host: '127.0.0.4' });
  });

  it('flags win over the environment; tally start reads them the same way', async () => {
    process.env.TALLY_PORT = '9200';
    process.env.TALLY_HOST = '10.0.0.1';
    expect(await run('api', '--port', '9126', '--host', '127.0.0.5')).toMatchObject({ port: 9126, host: '127.0.0.5' });
    expect(await run('start', '--port', '9127', '--host', '127.0.0.6')).toMatchObject({ port: 9127, host: '127.0.0.6' });
  });
});
