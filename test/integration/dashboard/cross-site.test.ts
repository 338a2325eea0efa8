/**
 * Issue 10, item 8, in a real browser: a web page cannot use `tally start`'s
 * open-access mode (no keys, 127.0.0.1).
 *
 * Headless Chromium resolves two made-up names to 127.0.0.1
 * (`--host-resolver-rules`): `evil.test`, where a small server plays an
 * attacker's page, and `rebind.test`, which stands for a DNS-rebinding name.
 *
 * - From evil.test, the page sends what a browser sends without asking (no
 *   CORS preflight): a `fetch` text/plain POST in no-cors mode and an HTML
 *   form POST (enctype text/plain) whose body is an event. Nothing is stored.
 *   It also tries to read records with a CORS fetch, which fails.
 * - Opened at rebind.test on tally's own port, the page's origin is
 *   rebind.test:<port>, so its fetch('/v1/usage/records') is same-origin for
 *   the browser — exactly what DNS rebinding achieves. tally answers 403
 *   HOST_NOT_ALLOWED, and no record reaches the page.
 *
 * The same page at 127.0.0.1 still reads the records (the dashboard's case).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killAllTally, spawnTally, type TallyProcess } from '../../support/processes.js';
import { freePort } from '../../support/ports.js';
import { describeWithChromium, launchChromium } from './chromium.js';

const EVENT = { event_id: 'from-evil-page', tenant: 'victim', provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 1000000 } };

/** The attacker's page: sends the event cross-site every way that needs no preflight, then says what it could read. */
function evilPage(target: string): string {
  const body = JSON.stringify(EVENT);
  // A text/plain form posts `name=value`: split the JSON so that the body is the event exactly.
  const name = body.slice(0, -2);
  const value = body.slice(-2);
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="f" method="POST" enctype="text/plain" action="${target}/v1/events" target="sink"><input type="hidden" name='${name.replace(/'/g, '&#39;')}' value='${value}'></form>
<script>
window.result = (async () => {
  const out = {};
  try { await fetch('${target}/v1/events', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} }); out.noCors = 'sent'; } catch (e) { out.noCors = String(e); }
  try { await fetch('${target}/v1/events:ndjson', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} }); out.ndjson = 'sent'; } catch (e) { out.ndjson = String(e); }
  document.getElementById('f').submit();
  await new Promise((r) => document.querySelector('iframe').addEventListener('load', r, { once: true }));
  try { const r = await fetch('${target}/v1/usage/records?tenant=victim'); out.read = await r.text(); } catch (e) { out.read = 'blocked: ' + String(e); }
  return out;
})();
</script></body></html>`;
}

describeWithChromium('open-access mode against web pages, in headless Chromium', () => {
  let tally: TallyProcess;
  let port: number;
  let evil: Server;
  let evilPort: number;
  let context: BrowserContext;
  let profile: string;
  let dataDir: string;

  const records = async (): Promise<unknown[]> => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/usage/records?from=2020-01-01`);
    return ((await res.json()) as { records: unknown[] }).records;
  };

  beforeAll(async () => {
    port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'tally-cross-site-'));
    tally = spawnTally(['start', '--port', String(port), '--data-dir', dataDir], { LOG_LEVEL: 'warn', TALLY_API_KEYS: '' });
    evilPort = await freePort();
    evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(evilPage(`http://127.0.0.1:${port}`)));
    await new Promise<void>((resolve) => evil.listen(evilPort, '127.0.0.1', resolve));
    ({ context, profile } = await launchChromium({ timezoneId: 'UTC', width: 800, height: 600, args: ['--host-resolver-rules=MAP evil.test 127.0.0.1, MAP rebind.test 127.0.0.1'] }));
    await tally.waitForLog('tally is running (embedded)', 150_000);
    // One real event, so that there is something to steal.
    const sent = await fetch(`http://127.0.0.1:${port}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...EVENT, event_id: 'genuine', tenant: 'victim' }) });
    expect(sent.status).toBe(202);
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve()));
    killAllTally();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });

  it('stores nothing a cross-site page sends without a preflight, and lets it read nothing', async () => {
    const page = await context.newPage();
    await page.goto(`http://evil.test:${evilPort}/`);
    const result = (await page.evaluate('window.result')) as { noCors: string; ndjson: string; read: string };
    expect(result.read).toMatch(/^blocked/);
    expect(result.read).not.toContain('genuine');
    const ids = (await records()).map((r) => (r as { event_id: string }).event_id);
    expect(ids).toEqual(['genuine']);
    await page.close();
  });

  it('refuses a page whose name was rebound to 127.0.0.1 (Host check), while 127.0.0.1 itself still reads', async () => {
    const page = await context.newPage();
    const doc = await page.goto(`http://rebind.test:${port}/`);
    expect(doc?.status()).toBe(403);
    const stolen = (await page.evaluate(`fetch('/v1/usage/records?from=2020-01-01').then(async (r) => ({ status: r.status, body: await r.text() }))`)) as { status: number; body: string };
    expect(stolen.status).toBe(403);
    expect(stolen.body).toContain('HOST_NOT_ALLOWED');
    expect(stolen.body).not.toContain('genuine');

    await page.goto(`http://127.0.0.1:${port}/`);
    const own = (await page.evaluate(`fetch('/v1/usage/records?from=2020-01-01').then(async (r) => ({ status: r.status, body: await r.text() }))`)) as { status: number; body: string };
    expect(own.status).toBe(200);
    expect(own.body).toContain('genuine');
    await page.close();
  });
});
