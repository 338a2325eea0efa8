/**
 * The dashboard: a static page and its assets, public (they hold no data; the
 * page calls the /v1 API with the key the user enters).
 *
 *   GET /                 the page (src/dashboard/index.html)
 *   GET /assets/:name     an allow-listed asset: the page's scripts and style,
 *                         and Chart.js from node_modules (served here, so the
 *                         page works offline)
 *
 * Only the files in ASSETS are ever served — the name is a key into a map,
 * never part of a path, so nothing else on disk is reachable. Files are read
 * once when the routes are registered. Every answer carries an ETag
 * (If-None-Match → 304); the page links its assets with `?v=<hash>`, and a
 * request whose `v` is the current hash may be cached for a year, anything
 * else is revalidated (`no-cache`). Registered with the analytics routes: a
 * process without analytics (`tally processor`) has nothing to show.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TallyError } from '../../core/errors.js';
import type { ApiOperation } from '../openapi.js';
import type { ApiServices } from '../services.js';

/** src/dashboard (dist/dashboard after `npm run build`). */
export const DASHBOARD_DIR: string = fileURLToPath(new URL('../../dashboard/', import.meta.url));

/** Chart.js's UMD build, resolved through the package (the `chart.js` dependency), not copied into the repo. */
function chartJsPath(): string {
  return join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
}

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
} as const;

/** Every asset the dashboard serves: URL name → file and type. Nothing else is reachable. */
export const ASSETS: Readonly<Record<string, { readonly file: () => string; readonly type: keyof typeof TYPES }>> = {
  'dashboard.js': { file: () => join(DASHBOARD_DIR, 'dashboard.js'), type: 'js' },
  'api.js': { file: () => join(DASHBOARD_DIR, 'api.js'), type: 'js' },
  'charts.js': { file: () => join(DASHBOARD_DIR, 'charts.js'), type: 'js' },
  'format.js': { file: () => join(DASHBOARD_DIR, 'format.js'), type: 'js' },
  'filters.js': { file: () => join(DASHBOARD_DIR, 'filters.js'), type: 'js' },
  'measures.js': { file: () => join(DASHBOARD_DIR, 'measures.js'), type: 'js' },
  'dom.js': { file: () => join(DASHBOARD_DIR, 'dom.js'), type: 'js' },
  'requests.js': { file: () => join(DASHBOARD_DIR, 'requests.js'), type: 'js' },
  'budgets.js': { file: () => join(DASHBOARD_DIR, 'budgets.js'), type: 'js' },
  'export.js': { file: () => join(DASHBOARD_DIR, 'export.js'), type: 'js' },
  'revenue.js': { file: () => join(DASHBOARD_DIR, 'revenue.js'), type: 'js' },
  'dashboard.css': { file: () => join(DASHBOARD_DIR, 'dashboard.css'), type: 'css' },
  'favicon.svg': { file: () => join(DASHBOARD_DIR, 'favicon.svg'), type: 'svg' },
  'chart.umd.js': { file: chartJsPath, type: 'js' },
};

/**
 * The page may load only its own scripts and styles and talk only to this
 * origin. Chart.js sizes canvases through the CSSOM (element.style), which a
 * style-src without 'unsafe-inline' allows.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

interface Loaded {
  readonly body: Buffer;
  readonly type: string;
  /** First 16 hex digits of the SHA-256 of the body: the ETag and the `v` of versioned URLs. */
  readonly hash: string;
}

const hashOf = (body: Buffer): string => createHash('sha256').update(body).digest('hex').slice(0, 16);

async function load(file: string, type: keyof typeof TYPES): Promise<Loaded> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (err) {
    throw new TallyError('INTERNAL', `dashboard asset ${file} cannot be read`, { cause: err });
  }
  return { body, type: TYPES[type], hash: hashOf(body) };
}

/** Points the page's `/assets/<name>` links at `/assets/<name>?v=<hash>` of the current files. */
export function versionAssetLinks(html: string, hashes: ReadonlyMap<string, string>): string {
  return html.replace(/(["'])\/assets\/([A-Za-z0-9._-]+)\1/g, (whole, quote: string, name: string) => {
    const hash = hashes.get(name);
    return hash ? `${quote}/assets/${name}?v=${hash}${quote}` : whole;
  });
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Loaded, cacheControl: string): FastifyReply {
  const etag = `"${asset.hash}"`;
  void reply.header('etag', etag).header('cache-control', cacheControl).header('x-content-type-options', 'nosniff');
  const presented = request.headers['if-none-match'];
  if (typeof presented === 'string' && presented.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return reply.status(304).send();
  return reply.type(asset.type).send(asset.body);
}

const NAME = { name: 'name', in: 'path' as const, required: true, description: 'One of the dashboard\'s files.', schema: { type: 'string', enum: Object.keys(ASSETS) } };

export const DASHBOARD_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get', path: '/', operationId: 'getDashboard', tag: 'dashboard', permission: null, summary: 'The usage dashboard (HTML)',
    description: 'A page that charts spend, top users and agents, cost per token class, budgets and latency from the /v1 API. The page itself is public; its API calls carry the key entered in it (kept in the browser\'s localStorage), or none in open-access mode. See docs/dashboard.md.',
    responses: { '200': { description: 'text/html; `cache-control: no-cache` with an ETag, and a Content-Security-Policy that allows only this origin.' }, '304': { description: 'Not modified (If-None-Match matched the ETag).' } },
  },
  {
    method: 'get', path: '/assets/{name}', operationId: 'getDashboardAsset', tag: 'dashboard', permission: null, summary: 'A dashboard asset (script, style, icon, Chart.js)',
    description: 'Only the listed files. With `?v=<hash>` of the current file (as the page links them) the answer may be cached for a year; otherwise it is revalidated by ETag.',
    parameters: [NAME, { name: 'v', in: 'query', description: 'Content hash the page links the asset with.', schema: { type: 'string' } }],
    responses: {
      '200': { description: 'The file with its content type (text/javascript, text/css, image/svg+xml).' },
      '304': { description: 'Not modified (If-None-Match matched the ETag).' },
      '404': { description: 'Not a dashboard asset.' },
    },
  },
];

export async function registerDashboardRoutes(app: FastifyInstance, services: ApiServices): Promise<void> {
  if (!services.analytics) return;
  const assets = new Map<string, Loaded>();
  for (const [name, spec] of Object.entries(ASSETS)) assets.set(name, await load(spec.file(), spec.type));
  const hashes = new Map([...assets].map(([name, a]) => [name, a.hash] as const));
  const template = await load(join(DASHBOARD_DIR, 'index.html'), 'html');
  const html = Buffer.from(versionAssetLinks(template.body.toString('utf8'), hashes), 'utf8');
  const page: Loaded = { body: html, type: template.type, hash: hashOf(html) };

  app.get('/', async (request, reply) => {
    void reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
    return send(request, reply, page, REVALIDATE);
  });

  app.get('/assets/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    const asset = Object.hasOwn(ASSETS, name) ? assets.get(name) : undefined;
    if (!asset) throw new TallyError('NOT_FOUND', `no dashboard asset ${JSON.stringify(name)}`);
    const { v } = request.query as { v?: unknown };
    return send(request, reply, asset, v === asset.hash ? IMMUTABLE : REVALIDATE);
  });
}
