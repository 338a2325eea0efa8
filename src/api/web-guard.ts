/**
 * Keeps web pages out of an API that has no keys to keep them out.
 *
 * In open-access mode (`tally start` without API keys, bound to 127.0.0.1)
 * every request acts as an all-tenant admin, so anything a browser can be
 * made to send would be obeyed. Three rules close that:
 *
 * 1. Host. A request must name this server: localhost, 127.0.0.1, [::1], the
 *    bound address, or a name in `api.allowedHosts` (`.example.com` matches
 *    the domain and its subdomains; `*` turns the check off). A page on
 *    evil.example whose name is made to resolve to 127.0.0.1 (DNS
 *    rebinding) sends `Host: evil.example` and is refused with
 *    HOST_NOT_ALLOWED before any route runs — reads included.
 * 2. Origin. A request that carries an `Origin` of another host (or `null`)
 *    comes from a page tally does not serve: CROSS_ORIGIN_REFUSED. tally
 *    answers no CORS preflight, so a browser never lets such a page read an
 *    answer anyway; this refuses the request itself.
 * 3. Media types (media-types.ts). Every write needs its JSON (or NDJSON)
 *    content type, so no write is a CORS "simple request": a page cannot
 *    send one without a preflight, and none is granted.
 *
 * With API keys the key is the protection (a page cannot send a key it does
 * not have), so rules 1 and 2 apply only when `api.allowedHosts` is set.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TallyError } from '../core/errors.js';

/** Names every server answers to: this machine's. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

const WILDCARD_BINDS: ReadonlySet<string> = new Set(['', '0.0.0.0', '::', '[::]']);

export interface AllowedHostsInput {
  /** No API keys: every request is an all-tenant admin. */
  readonly openAccess: boolean;
  /** The address the server listens on (`api.host`). */
  readonly boundHost: string;
  /** `api.allowedHosts`. */
  readonly configured: readonly string[];
}

/** The names the server answers to, or null when it checks neither Host nor Origin. */
export function allowedHostsFor(input: AllowedHostsInput): readonly string[] | null {
  if (input.configured.includes('*')) return null;
  if (!input.openAccess && input.configured.length === 0) return null;
  const bound = hostname(input.boundHost);
  const names = [...LOOPBACK_HOSTS, ...(bound === null || WILDCARD_BINDS.has(bound) ? [] : [bound]), ...input.configured.map((h) => (h.startsWith('.') ? h.toLowerCase() : hostname(h) ?? h.toLowerCase()))];
  return [...new Set(names)];
}

/** The host name of a Host header or an address (`[::1]:8787` → `::1`, `Example.com` → `example.com`), or null when it is none. */
export function hostname(value: string): string | null {
  const text = value.trim();
  if (text === '') return null;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return end === -1 ? null : text.slice(1, end).toLowerCase();
  }
  // A bare IPv6 address (a bind address such as `::`) has more than one colon.
  if ((text.match(/:/g) ?? []).length > 1) return text.toLowerCase();
  const name = text.split(':')[0] ?? '';
  return /^[A-Za-z0-9._-]+$/.test(name) ? name.toLowerCase() : null;
}

function matches(name: string, allowed: readonly string[]): boolean {
  for (const a of allowed) {
    if (a === name) return true;
    if (a.startsWith('.') && (name === a.slice(1) || name.endsWith(a))) return true;
  }
  return false;
}

/** The host of an Origin header when it is an http(s) origin, else null (`null`, `file://`, garbage). */
function originHost(origin: string): string | null {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return hostname(url.host);
}

/** Checks Host and Origin on every request when `allowed` is not null. */
export function registerWebGuard(app: FastifyInstance, allowed: readonly string[] | null): void {
  if (allowed === null) return;
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const host = request.headers.host;
    if (host !== undefined) {
      const name = hostname(host);
      if (name === null || !matches(name, allowed)) {
        throw new TallyError('HOST_NOT_ALLOWED', `this server does not answer to the host ${JSON.stringify(host)}; add it to api.allowedHosts (TALLY_ALLOWED_HOSTS) if it is a name of this server`, { details: { host } });
      }
    }
    const origin = request.headers.origin;
    if (origin !== undefined) {
      const name = originHost(origin);
      if (name === null || !matches(name, allowed)) {
        throw new TallyError('CROSS_ORIGIN_REFUSED', `requests from web pages of another origin (${origin}) are refused: tally serves its own dashboard only`, { details: { origin } });
      }
    }
  });
}
