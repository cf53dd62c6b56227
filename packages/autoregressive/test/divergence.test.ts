import * as E from 'fp-ts/lib/Either.js';
import { DivergedError, type Params, disposeParams, fit, logProb, tf } from '@bijective/core';
import { twoMoons } from '@bijective/core/datasets';
import { describe, expect, it } from 'vitest';
import { maf } from '../src/index.js';

describe('honest divergence: lastGoodParams are from before the step that broke', () => {
  // (mafSpline does not diverge at this rate: its spline is bounded.)
  it.each([['maf', () => maf({ dim: 2 })]] as const)(
    '%s at learning rate 10: logProb at lastGoodParams is finite on every training row',
    async (_, make) => {
      const def = make();
      const rows = twoMoons(1024, { seed: 0 });
      const before = tf.memory().numTensors;
      const r = await fit(def, rows, {
        seed: 0,
        learningRate: 10,
        epochs: 20,
        validationFraction: 0,
      });
      expect(E.isLeft(r) && r.left).toBeInstanceOf(DivergedError);
      if (E.isRight(r) || !(r.left instanceof DivergedError)) return;
      const good = r.left.lastGoodParams as Params;
      const lp = logProb(def, good as ReturnType<typeof def.init>, rows);
      expect(E.isRight(lp)).toBe(true);
      if (E.isRight(lp)) {
        const finite = tf.tidy(() => tf.sum(tf.cast(tf.isFinite(lp.right), 'int32')).dataSync()[0]);
        lp.right.dispose();
        expect(finite).toBe(1024);
      }
      disposeParams(good);
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
