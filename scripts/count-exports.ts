/**
 * Runtime exports per package entry: `Object.keys(await import(entry))` for every
 * `exports` subpath of every workspace package (sources, through the `@bijective/source`
 * condition). Run: `node --conditions=@bijective/source --import tsx scripts/count-exports.ts`.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

for (const dir of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isRecord(pkg) || !isRecord(pkg['exports'])) continue;
  for (const [sub, target] of Object.entries(pkg['exports'])) {
    const source = isRecord(target) ? target['@bijective/source'] : undefined;
    if (typeof source !== 'string') continue;
    try {
      const mod: unknown = await import(pathToFileURL(join(root, 'packages', dir, source)).href);
      console.log(
        `${String(pkg['name'])}${sub.slice(1)}\t${isRecord(mod) ? Object.keys(mod).length : 0}`,
      );
    } catch (e) {
      console.log(
        `${String(pkg['name'])}${sub.slice(1)}\tfailed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      );
    }
  }
}
