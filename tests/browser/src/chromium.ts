import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`, as `.ci/run` does), or `$CHROMIUM`. */
export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Chromium's flags here: headless, no sandbox (root in containers), no GPU, and no background
 * traffic or updates (this machine's closed network refuses it), so nothing but the page uses
 * the network or the CPU.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Why Chromium cannot be used at `path`, or `undefined` when it can.
 *
 * @example
 * ```ts
 * describe.skipIf(chromiumMissing() !== undefined)('in Chromium', () => { ... });
 * ```
 */
export const chromiumMissing = (path = CHROMIUM): string | undefined =>
  existsSync(path)
    ? undefined
    : `no Chromium at ${path} (Debian: apt-get install -y chromium, or set CHROMIUM)`;

/**
 * Whether a browser test suite can run. A missing Chromium skips it with a warning, except
 * under `CI=true`, where `.ci/run` installed one and its absence is a failure.
 *
 * @example
 * ```ts
 * describe.runIf(haveChromium())('a page in Chromium', () => { ... });
 * ```
 */
export const haveChromium = (path = CHROMIUM): boolean => {
  const missing = chromiumMissing(path);
  if (missing === undefined) return true;
  if (process.env['CI'] === 'true') throw new Error(`CI=true but ${missing}`);
  console.warn(`skipping the browser tests: ${missing}`);
  return false;
};

/**
 * Launch headless Chromium with {@link CHROMIUM_FLAGS} (plus `extraArgs`).
 *
 * @example
 * ```ts
 * const browser = await launchChromium();
 * try { const page = await browser.newPage(); ... } finally { await browser.close(); }
 * ```
 */
export const launchChromium = (
  path = CHROMIUM,
  extraArgs: readonly string[] = [],
): Promise<Browser> =>
  chromium.launch({ executablePath: path, args: [...CHROMIUM_FLAGS, ...extraArgs] });
