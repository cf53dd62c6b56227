import { presetOrThrow } from '@bijective/core/testing';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import {
  type Batch,
  type Params,
  chain,
  countParams,
  decodeFlow,
  disposeParams,
  encodeFlow,
  flow,
  logProb,
  sampleAndLogProb,
  tf,
} from '@bijective/core';
import { loadFlow, saveFlow } from '@bijective/core/node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iaf, maf, mafSpline, presets } from '../src/index.js';
import { affineAutoregressive } from '../src/layers.js';
import { perturbed } from './helpers.js';

const right = <A>(e: E.Either<Error, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};

describe('presets', () => {
  it("match the reference protocol's parameter counts (RESULTS.md)", () => {
    const count = (def: { init(seed: number): Params }) => {
      const p = def.init(0);
      const n = countParams(p);
      disposeParams(p);
      return n;
    };
    expect(count(maf({ dim: 2 }))).toBe(23_060);
    expect(count(iaf({ dim: 2 }))).toBe(23_060);
    expect(count(mafSpline({ dim: 2 }))).toBe(36_710);
    expect(count(maf({ dim: 64, hidden: [128, 128] }))).toBe(206_720);
  });

  it('maf alternates ascending and descending orderings, starting ascending', () => {
    const def = maf({ dim: 3, transforms: 2, hidden: [8, 8] });
    const manual = flow({
      name: 'manual',
      dim: 3,
      transform: chain(
        affineAutoregressive({ dim: 3, hidden: [8, 8], ordering: 'natural' }),
        affineAutoregressive({ dim: 3, hidden: [8, 8], ordering: 'reversed' }),
      ),
    });
    const params = perturbed(def.init(0), 1);
    const x = tf.randomNormal([5, 3], 0, 1, 'float32', 2) as Batch;
    const d = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(def.apply(params).logProb(x), manual.apply(params).logProb(x))))
          .dataSync()[0],
    );
    expect(d).toBe(0);
    disposeParams(params);
    x.dispose();
  });

  for (const name of Object.keys(presets))
    it(`${name}: config rebuilds the flow through \`presets\`, and encode/decode gives identical log-probs`, () => {
      const def = presetOrThrow(presets, name, {
        dim: 3,
        contextDim: 2,
        transforms: 2,
        hidden: [8, 8],
        bins: 4,
      });
      expect(def.name).toBe(name);
      const again = presetOrThrow(presets, name, JSON.parse(JSON.stringify(def.config)));
      expect(again.config).toEqual(def.config);
      const params = perturbed(def.init(3), 4, 0.1);
      const { manifest, weightData } = encodeFlow(def, params);
      const loaded = right(decodeFlow(again, manifest, weightData));
      const x = tf.randomNormal([4, 3], 0, 1, 'float32', 5) as Batch;
      const c = tf.randomNormal([4, 2], 0, 1, 'float32', 6) as Batch;
      const a = right(logProb(def, params, x, c));
      const b = right(logProb(again, loaded, x, c));
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b, x, c]);
      disposeParams(params);
      disposeParams(loaded);
    });

  it('saveFlow / loadFlow with `presets` as the builders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bijective-ar-'));
    try {
      const def = mafSpline({ dim: 2, transforms: 2, hidden: [8], bins: 4 });
      const params = perturbed(def.init(0), 1, 0.1);
      const saved = await saveFlow(dir, def, params)();
      expect(E.isRight(saved)).toBe(true);
      const loaded = await loadFlow(dir, presets)();
      if (E.isLeft(loaded)) throw loaded.left;
      expect(loaded.right.def.config).toEqual(def.config);
      const x = tf.randomNormal([4, 2], 0, 1, 'float32', 3) as Batch;
      const a = right(logProb(def, params, x));
      const b = right(logProb(loaded.right.def, loaded.right.params, x));
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b, x]);
      disposeParams(params);
      disposeParams(loaded.right.params);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // sampleAndLogProb takes the density from the inverse pass; logProb from the forward pass.
  // They must agree at the drawn points (float32, a few sequential passes: 1e-3 absolute on
  // log-densities of size ~5).
  for (const name of Object.keys(presets))
    it(`${name}: the density of a draw from sampleAndLogProb equals logProb at the draw`, () => {
      const def = presetOrThrow(presets, name, {
        dim: 3,
        transforms: 3,
        hidden: [16, 16],
        bins: 6,
      });
      const params = perturbed(def.init(0), 2, 0.1);
      const { x, logProb: lq } = right(sampleAndLogProb(def, params, 64, { seed: 3 }));
      expect(x.shape).toEqual([64, 3]);
      const lp = right(logProb(def, params, x));
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(lp, lq))).dataSync()[0]!);
      expect(d).toBeLessThan(1e-3);
      tf.dispose([x, lq, lp]);
      disposeParams(params);
    });
});
