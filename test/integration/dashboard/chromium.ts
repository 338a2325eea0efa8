/**
 * Headless Chromium for the dashboard's browser test: Debian's `chromium`
 * driven by playwright-core (no browser download), with the flags that work
 * offline in CI. Like test/support/services.ts, a missing browser skips the
 * suite with the reason — unless TALLY_REQUIRE_SERVICES=1 (scripts/test.sh,
 * CI), where it fails the run instead.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe } from 'vitest';
import { servicesRequired } from '../../support/services.js';

/** Debian's package installs it here; TALLY_CHROMIUM overrides. */
export const CHROMIUM_PATH: string = process.env.TALLY_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  const why = `needs Chromium at ${CHROMIUM_PATH}; install it with \`apt-get install -y chromium\` (or set TALLY_CHROMIUM)`;
  if (servicesRequired()) throw new Error(`${name}: ${why} (TALLY_REQUIRE_SERVICES=1)`);
  console.warn(`[skipped] ${name}: ${why}`);
  describe.skip(`${name} (skipped: ${why})`, body);
}

/** A fresh browser profile (its own --user-data-dir, so localStorage starts empty) in headless Chromium. */
export async function launchChromium(options: { timezoneId: string; width: number; height: number; args?: readonly string[] }): Promise<{ context: BrowserContext; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'tally-chromium-'));
  // launchPersistentContext passes the profile as --user-data-dir (playwright refuses it in args).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.args ?? [])],
    viewport: { width: options.width, height: options.height },
    timezoneId: options.timezoneId,
    locale: 'en-GB',
  });
  return { context, profile };
}
