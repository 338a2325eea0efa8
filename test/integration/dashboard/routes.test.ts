/**
 * The dashboard routes through createApp (no socket, nothing running): the
 * page and its allow-listed assets with their content types and caching
 * headers, nothing else on disk, and no dashboard in a process without
 * analytics (the health server `tally processor` runs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { ASSETS, DASHBOARD_DIR, versionAssetLinks } from '../../../src/api/routes/dashboard.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { type ApiServices } from '../../../src/api/services.js';
import { loadConfig } from '../../../src/config/load.js';
import { createHealthApp } from '../../../src/runtime/processes/processor.js';
import { testContext } from '../../support/context.js';

async function build(services: ApiServices, openAccess = false): Promise<FastifyInstance> {
  return createApp({
    logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(),
    keyring: new ApiKeyring([{ id: 'k', key: 'a-secret-of-16-chars-or-more', tenant: '*', role: 'read' }]),
    openAccess, bodyLimitBytes: 1024, services,
  });
}

describe('dashboard routes', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    // The analytics service is never called by these routes; its presence turns the dashboard on.
    app = await build({ analytics: {} } as unknown as ApiServices);
  });
  afterAll(() => app.close());

  it('serves the page without a key, with a strict CSP, revalidated by ETag', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.body).toContain('<canvas id="chart-spend"');
    const again = await app.inject({ url: '/', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('links every asset with its content hash; a versioned asset may be cached for a year', async () => {
    const html = (await app.inject('/')).body;
    const links = [...html.matchAll(/\/assets\/([a-z.]+)\?v=([0-9a-f]{16})/g)].map((m) => ({ name: m[1] ?? '', v: m[2] ?? '' }));
    expect(links.map((l) => l.name).sort()).toEqual(['chart.umd.js', 'dashboard.css', 'dashboard.js', 'favicon.svg']);
    for (const { name, v } of links) {
      const res = await app.inject(`/assets/${name}?v=${v}`);
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['cache-control'], name).toBe('public, max-age=31536000, immutable');
      expect(res.headers.etag, name).toBe(`"${v}"`);
    }
    // Unversioned (the modules dashboard.js imports) or a stale version: revalidated.
    for (const url of ['/assets/format.js', '/assets/dashboard.js?v=0000000000000000']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('answers each allow-listed asset with its type; Chart.js is the dependency\'s UMD build', async () => {
    const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
    for (const name of Object.keys(ASSETS)) {
      const res = await app.inject(`/assets/${name}`);
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['content-type'], name).toBe(types[name.split('.').pop() ?? '']);
    }
    const chart = await app.inject('/assets/chart.umd.js');
    expect(chart.body).toContain('Chart.js v4');
    expect(chart.body.length).toBeGreaterThan(100_000);
    expect((await app.inject({ method: 'HEAD', url: '/assets/dashboard.css' })).statusCode).toBe(200);
  });

  it('serves every module the page imports (a module missing from the allow-list would break the page)', () => {
    const modules = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.js'));
    const imported = new Set(modules.flatMap((f) => [...readFileSync(`${DASHBOARD_DIR}${f}`, 'utf8').matchAll(/from '\.\/([\w-]+\.js)'/g)].map((m) => m[1] ?? '')));
    expect(imported.size).toBeGreaterThan(5);
    for (const name of imported) expect(Object.keys(ASSETS), name).toContain(name);
    for (const name of modules) expect(Object.keys(ASSETS), name).toContain(name);
  });

  it('serves nothing else: no traversal, no other file of the folder, no directory listing', async () => {
    const attempts = [
      '/assets/index.html', '/assets/', '/assets/..%2F..%2Fpackage.json', '/assets/%2e%2e%2fapi%2fapp.ts', '/assets/../../package.json',
      '/assets/dashboard.js%00.css', '/assets/constructor', '/assets/__proto__', '/assets/toString', '/assets/Dashboard.js', '/index.html', '/dashboard.js',
    ];
    for (const url of attempts) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toContain('application/json');
    }
  });

  it('the page needs no key even when keys are configured; the API it calls does', async () => {
    expect((await app.inject('/')).statusCode).toBe(200);
    expect((await app.inject('/assets/dashboard.js')).statusCode).toBe(200);
    expect((await app.inject('/v1/usage/summary')).statusCode).toBe(401);
  });

  it('is not served by a process without analytics (tally processor)', async () => {
    const processor = await createHealthApp(testContext(loadConfig({ env: {} })));
    expect((await processor.inject('/')).statusCode).toBe(404);
    expect(processor.tallyRoutes.some((r) => r.includes('/assets'))).toBe(false);
    await processor.close();
  });

  it('points only known assets at their hash', () => {
    const hashes = new Map([['a.js', '0123456789abcdef']]);
    expect(versionAssetLinks('<script src="/assets/a.js"></script><link href=\'/assets/b.css\'>', hashes)).toBe('<script src="/assets/a.js?v=0123456789abcdef"></script><link href=\'/assets/b.css\'>');
    // The template in the repo links its assets by plain names (the server adds the hashes).
    expect(readFileSync(`${DASHBOARD_DIR}index.html`, 'utf8')).not.toContain('?v=');
  });
});
