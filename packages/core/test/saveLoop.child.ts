/**
 * Child process of saveCrash.test.ts: overwrites the model in folder
 * argv[2] with models B and A (encoded by the parent into folder argv[3])
 * alternately, forever, until it is killed. It runs `commitFlowFiles`, the
 * whole file-system part of `saveFlow` (what follows the in-memory checks
 * and encoding), and imports nothing of tfjs, so that it starts in a
 * fraction of a second and many kills fit in one test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFlowFiles } from '../src/serialization/commit.js';
import type { UnsignedManifest } from '../src/serialization/manifest.js';

const [dir, modelsDir] = process.argv.slice(2) as [string, string];
const read = (name: string): { unsigned: UnsignedManifest; bytes: Uint8Array } => {
  const { checksum: _, ...unsigned } = JSON.parse(
    readFileSync(join(modelsDir, `${name}.json`), 'utf8'),
  );
  return { unsigned, bytes: readFileSync(join(modelsDir, `${name}.bin`)) };
};
const models = [read('b'), read('a')];
process.send?.('ready');
for (let i = 0; ; i++) {
  const m = models[i % 2]!;
  await commitFlowFiles(dir, m.unsigned, m.bytes);
}
