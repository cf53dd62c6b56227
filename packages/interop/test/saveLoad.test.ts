import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { type Batch, tf } from '@bijective/core';
import { loadFlow, saveFlow } from '@bijective/core/node';
import { presets as autoregressive } from '@bijective/autoregressive';
import { presets as coupling } from '@bijective/coupling';
import { fromZuko } from '../src/index.js';
import { loadCase, rows, values } from './fixtures.js';

// Convert once, then keep the model in bijective's own format: the definitions fromZuko builds
// are plain presets whose JSON config (explicit orders, masks, contextEntry, parametrization)
// rebuilds them, so saveFlow/loadFlow keep zuko's log-densities.
describe('a converted model survives saveFlow / loadFlow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'interop-save-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['maf-5-randperm', 'realnvp-5-randmask', 'nsf-2', 'maf-30-ctx3'])('%s', async (name) => {
    const c = loadCase(name);
    const model = fromZuko(c.stateDict, { flow: c.flow });
    if (E.isLeft(model)) throw model.left;
    const saved = await saveFlow(join(dir, name), model.right.def, model.right.params)();
    if (E.isLeft(saved)) throw saved.left;
    tf.dispose(model.right.params as unknown as tf.TensorContainer);
    const loaded = await loadFlow(join(dir, name), { ...autoregressive, ...coupling })();
    if (E.isLeft(loaded)) throw loaded.left;
    const ctx = c.data.tensors.has('context') ? rows(c.data, 'context') : undefined;
    const lp = tf.tidy(() =>
      loaded.right.def
        .apply(loaded.right.params)
        .logProb(
          tf.tensor2d(rows(c.data, 'x')) as Batch,
          ctx === undefined ? undefined : (tf.tensor2d(ctx) as Batch),
        ),
    );
    const got = lp.dataSync();
    const want = values(c.data, 'log_prob');
    tf.dispose([lp, loaded.right.params as unknown as tf.TensorContainer]);
    expect(Math.max(...Array.from(want, (w, i) => Math.abs(w - got[i]!)))).toBeLessThan(1e-4);
  });
});
