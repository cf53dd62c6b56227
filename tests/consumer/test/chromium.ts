import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, installed by `.ci/run` with apt (`apt-get install -y chromium`). */
export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';

/** Whether the browser tests can run here; on CI a missing browser is a failure, not a skip. */
export const haveChromium = (): boolean => {
  if (existsSync(CHROMIUM)) return true;
  if (process.env['CI'] === 'true') throw new Error(`CI=true but no Chromium at ${CHROMIUM}`);
  console.warn(
    `no Chromium at ${CHROMIUM}: skipping the browser tests (apt-get install -y chromium)`,
  );
  return false;
};

/** Headless Chromium as root on a machine with no outside network. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
