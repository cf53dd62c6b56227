import { presetOrThrow } from '@bijective/core/testing';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { type Batch, decodeFlow, disposeParams, encodeFlow, sample, tf } from '@bijective/core';
import { iaf, maf, mafSpline, presets, withBatchNormStatistics } from '../src/index.js';
import { batchNorm } from '../src/layers.js';
import { perturbed } from './helpers.js';

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('batchNorm', () => {
  it('training mode: output columns have mean β and std exp(log γ); log-det Σ(log γ - ½ log(σ² + ε)); no inverse', () => {
    const def = batchNorm({ dim: 3 });
    const params = perturbed(def.init(0), 1);
    const x = tf.add(
      tf.mul(tf.randomNormal([200, 3], 0, 1, 'float32', 2), [1, 3, 0.2]),
      [5, -1, 0],
    ) as Batch;
    const b = def.apply(params);
    const [dm, ds, dld] = tf.tidy(() => {
      const { y, logDet } = b.forward(x);
      const m = tf.moments(y, 0);
      const v = tf.moments(x, 0).variance;
      const expected = tf.sum(tf.sub(params.logGamma, tf.mul(0.5, tf.log(tf.add(v, 1e-5)))));
      return [
        maxAbsDiff(m.mean, params.beta),
        maxAbsDiff(
          tf.sqrt(m.variance),
          tf.mul(tf.exp(params.logGamma), tf.sqrt(tf.div(v, tf.add(v, 1e-5)))),
        ),
        maxAbsDiff(logDet, tf.fill([200], expected.dataSync()[0]!)),
      ];
    });
    // float32 column sums over 200 rows of values up to ~10: ~1e-5 absolute.
    expect(dm).toBeLessThan(1e-4);
    expect(ds).toBeLessThan(1e-4);
    expect(dld).toBeLessThan(1e-5);
    expect(() => tf.tidy(() => b.inverse(x).x)).toThrow(/training mode has no inverse/);
    disposeParams(params);
    x.dispose();
  });

  it('rejects statistics of the wrong length or a negative variance', () => {
    expect(() => batchNorm({ dim: 2, statistics: { mean: [0], variance: [1, 1] } })).toThrow(
      /length 2/,
    );
    expect(() => batchNorm({ dim: 2, statistics: { mean: [0, 0], variance: [1, -1] } })).toThrow(
      /non-negative/,
    );
  });

  for (const [name, build] of [
    ['maf', maf],
    ['mafSpline', mafSpline],
  ] as const)
    it(`${name} with batchNorm: evaluation mode with statistics from the data reproduces training-mode log-densities on that data, samples, and saves`, () => {
      const trainDef = build({
        dim: 3,
        contextDim: 2,
        transforms: 3,
        hidden: [8, 8],
        batchNorm: true,
      });
      const params = perturbed(trainDef.init(0), 1, 0.2);
      const x = tf.add(tf.mul(tf.randomNormal([300, 3], 0, 1, 'float32', 2), 2), 1) as Batch;
      const c = tf.randomNormal([300, 2], 0, 1, 'float32', 3) as Batch;
      const r = withBatchNormStatistics(trainDef, params, x, c);
      if (E.isLeft(r)) throw r.left;
      const evalDef = r.right;
      expect((evalDef.config['batchNormStatistics'] as unknown[]).length).toBe(2);
      const d = tf.tidy(() =>
        maxAbsDiff(trainDef.apply(params).logProb(x, c), evalDef.apply(params).logProb(x, c)),
      );
      expect(d).toBeLessThan(1e-3); // float32 moments computed in two slightly different graphs
      const s = sample(evalDef, params, 10, { seed: 0, context: tf.zeros([10, 2]) });
      expect(E.isRight(s) && s.right.shape).toEqual([10, 3]);
      if (E.isRight(s)) s.right.dispose();
      // The statistics travel in the config: rebuilding from it gives the same evaluation flow.
      const { manifest, weightData } = encodeFlow(evalDef, params);
      const rebuilt = presetOrThrow(presets, name, manifest.config);
      const loaded = decodeFlow(rebuilt, manifest, weightData);
      if (E.isLeft(loaded)) throw loaded.left;
      const d2 = tf.tidy(() =>
        maxAbsDiff(evalDef.apply(params).logProb(x, c), rebuilt.apply(loaded.right).logProb(x, c)),
      );
      expect(d2).toBe(0);
      disposeParams(loaded.right);
      disposeParams(params);
      tf.dispose([x, c]);
    });

  it('withBatchNormStatistics returns Left for a flow without batch norm', () => {
    const def = iaf({ dim: 2, transforms: 1, hidden: [4] });
    const params = def.init(0);
    const r = withBatchNormStatistics(def, params, [[0, 1]]);
    expect(E.isLeft(r) && r.left.kind).toBe('ValueError');
    disposeParams(params);
  });
});
