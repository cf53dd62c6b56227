import { presetOrThrow } from '@bijective/core/testing';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeParams, logProb, tf } from '@bijective/core';
import { loadFlow, saveFlow } from '@bijective/core/node';
import { describe, expect, it } from 'vitest';
import { ffjord, flowMatching, presets } from '../src/index.js';

describe('presets', () => {
  it('config rebuilds the same definition, and saveFlow/loadFlow round-trips log-densities', async () => {
    const defs = [
      ffjord({
        dim: 2,
        hidden: [6],
        trace: 'exact',
        solver: { kind: 'rk4', steps: 4 },
        contextDim: 0,
      }),
      flowMatching({
        dim: 2,
        hidden: [5, 5],
        solver: { kind: 'dopri5', rtol: 1e-5, atol: 1e-5 },
        T: 2,
      }),
    ];
    const dir = await mkdtemp(join(tmpdir(), 'bijective-continuous-'));
    try {
      for (const def of defs) {
        const rebuilt = presetOrThrow(presets, def.name, def.config);
        expect(rebuilt.config).toEqual(def.config);
        const params = def.init(3);
        await saveFlow(dir, def, params)();
        const loaded = await loadFlow(dir, presets)();
        if (E.isLeft(loaded)) throw loaded.left;
        const x = [
          [0.3, -0.2],
          [1, 1],
        ];
        const a = logProb(def, params, x);
        const b = logProb(loaded.right.def, loaded.right.params, x);
        if (E.isLeft(a) || E.isLeft(b)) throw new Error('logProb failed');
        expect(b.right.arraySync()).toEqual(a.right.arraySync());
        tf.dispose([a.right, b.right]);
        disposeParams(params);
        disposeParams(loaded.right.params);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
