import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, fit, tf } from '@bijective/core';
import { tfSeed } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import { ffjord, fitFfjord, fitFlowMatching, flowMatching } from '../src/index.js';
import { type GradientMethod } from '../src/dynamics/index.js';

// Tiny sizes: the point is the tensor count after 50 optimiser steps, not the fit.
const data = () => tf.randomNormal([32, 2], 0, 1, 'float32', tfSeed(0)) as tf.Tensor2D;

/** A tiny FFJORD (2-d, one hidden layer of 4, two RK4 steps, Hutchinson probes from seed 1). */
const tinyFfjord = (gradient: GradientMethod) =>
  ffjord({
    dim: 2,
    hidden: [4],
    solver: { kind: 'rk4', steps: 2 },
    gradient,
    probeSeed: 1,
  });

/** The options `fit` and `fitFfjord` share here: 50 steps of batch 16 at rate 1e-2, seed 0. */
const fiftySteps = { maxSteps: 50, batchSize: 16, learningRate: 1e-2, seed: 0 } as const;

describe('no tensor leaks across 50 training steps', () => {
  for (const gradient of ['backprop', 'adjoint'] as const) {
    it(`ffjord (${gradient}, Hutchinson trace) trained by core fit`, async () => {
      const x = data();
      const before = tf.memory().numTensors;
      const def = tinyFfjord(gradient);
      const r = await fit(def, x, { ...fiftySteps, validationFraction: 0 });
      if (E.isLeft(r)) throw r.left;
      expect(r.right.steps).toBe(50);
      expect(r.right.history.every((h) => Number.isFinite(h.trainLoss))).toBe(true);
      disposeParams(r.right.params);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });
  }

  for (const gradient of ['backprop', 'adjoint'] as const) {
    it(`fitFfjord (${gradient}, Hutchinson trace, RNODE regularisers, validation)`, async () => {
      const x = data();
      const v = tf.randomNormal([8, 2], 0, 1, 'float32', 5) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const def = tinyFfjord(gradient);
      const r = await fitFfjord(def, x, {
        ...fiftySteps,
        validation: v,
        patience: 1000, // the point is 50 steps; early stopping must not end the run first
        kineticEnergy: 0.1,
        jacobianNorm: 0.1,
      });
      if (E.isLeft(r)) throw r.left;
      expect(r.right.steps).toBe(50);
      expect(r.right.history.every((h) => Number.isFinite(h.trainNll))).toBe(true);
      disposeParams(r.right.params);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, v]);
    });
  }

  for (const coupling of ['independent', 'ot'] as const) {
    it(`fitFlowMatching (${coupling} coupling, with a context when independent)`, async () => {
      const x = data();
      const ctx =
        coupling === 'independent'
          ? (tf.randomNormal([32, 1], 0, 1, 'float32', 1) as tf.Tensor2D)
          : undefined;
      const before = tf.memory().numTensors;
      const def = flowMatching({ dim: 2, hidden: [4], contextDim: ctx ? 1 : 0 });
      const r = await fitFlowMatching(def, x, {
        steps: 50,
        batchSize: 16,
        coupling,
        seed: 0,
        // Validation through the ODE and a moving average of the parameters, too.
        validation: x,
        ...(ctx ? { validationContext: ctx } : {}),
        validateEvery: 20,
        ema: 0.9,
        ...(ctx ? { context: ctx } : {}),
      });
      if (E.isLeft(r)) throw r.left;
      expect(r.right.history).toHaveLength(50);
      disposeParams(r.right.params);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, ...(ctx ? [ctx] : [])]);
    });
  }
});
