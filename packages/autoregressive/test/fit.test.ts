import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import {
  type LogDensity,
  type Params,
  type FlowDef,
  disposeParams,
  fitReverseKL,
  sampleAndLogProb,
  tf,
} from '@bijective/core';
import { iaf } from '../src/index.js';
import { logBanana, logFunnel } from './helpers.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A fresh Monte-Carlo estimate of KL(q ‖ p) from 4096 draws of q (p normalised). */
const klEstimate = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  logTarget: LogDensity,
): number => {
  const r = sampleAndLogProb(def, params, 4096, { seed: 12345 });
  if (E.isLeft(r)) throw r.left;
  const kl = tf.tidy(() => tf.mean(tf.sub(r.right.logProb, logTarget(r.right.x))).dataSync()[0]!);
  tf.dispose([r.right.x, r.right.logProb]);
  return kl;
};

// Short runs (250 Adam steps of 64 draws, a few seconds each on one core). Both targets are normalised,
// so the estimate is the true KL(q ‖ p) ≥ 0. A 3-layer IAF can represent both exactly (x₂ is an
// affine function of z₂ given z₁), so the KL should get close to 0; the thresholds leave room for
// Monte-Carlo noise (the 4096-draw estimate has a standard error of ~0.01 near the optimum).
describe('variational inference with an IAF (core fitReverseKL)', () => {
  const targets: Record<string, { logTarget: LogDensity; threshold: number }> = {
    banana: { logTarget: logBanana, threshold: 0.15 },
    funnel: { logTarget: logFunnel, threshold: 0.1 },
  };
  for (const [name, { logTarget, threshold }] of Object.entries(targets))
    it(`${name}: the KL estimate starts above 0.5 nats and ends below ${threshold}`, async () => {
      const def = iaf({ dim: 2, transforms: 3, hidden: [16, 16] });
      const init = def.init(0);
      const before = klEstimate(def, init, logTarget);
      disposeParams(init);
      const r = await fitReverseKL(def, logTarget, {
        steps: 250,
        batchSize: 64,
        learningRate: 1e-2,
        seed: 0,
      });
      if (E.isLeft(r)) throw r.left;
      expect(before).toBeGreaterThan(0.5);
      expect(mean(r.right.history.slice(-50))).toBeLessThan(threshold);
      expect(klEstimate(def, r.right.params, logTarget)).toBeLessThan(threshold);
      disposeParams(r.right.params);
    });
});
