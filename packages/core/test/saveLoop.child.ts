/**
 * Child process of saveCrash.test.ts: saves models B and A alternately to the
 * folder given as argument, forever, until it is killed. Sends 'ready' once
 * both models are drawn.
 */
import { saveFlow } from '../src/node.js';
import { bigDef, modelA, modelB } from './saveCrashModels.js';

const dir = process.argv[2]!;
const def = bigDef();
const models = [modelB(def), modelA(def)];
process.send?.('ready');
for (let i = 0; ; i++) {
  const r = await saveFlow(dir, def, models[i % 2]!)();
  if (r._tag === 'Left') {
    process.send?.(`save failed: ${r.left.message}`);
    process.exit(1);
  }
}
