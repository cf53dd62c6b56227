import * as E from 'fp-ts/lib/Either.js';
import { AbortedError, type Params, disposeParams, logProb, meanNll, tf } from '@bijective/core';
import { twoMoons } from '@bijective/core/datasets';
import { flattenParams } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import {
  FFJORD_DEFAULTS,
  FLOW_MATCHING_DEFAULTS,
  ffjord,
  fitFfjord,
  fitFlowMatching,
  flowMatching,
} from '../src/index.js';

// The defaults are the protocol of the README's figures: these tests fail if one is switched off.
const rows = twoMoons(160, { seed: 0 });
const heldOut = twoMoons(48, { seed: 1 });
const leaves = (p: Params) => flattenParams(p).map((l) => Array.from(l.tensor.dataSync()));
const fast = { kind: 'rk4', steps: 4 } as const;
/** A small FFJORD that trains with Hutchinson's estimate (seeded probes), so exact ≠ estimate. */
const hutchinson = () =>
  ffjord({ dim: 2, hidden: [8], solver: fast, trace: 'hutchinson', probeSeed: 3 });

describe('fitFlowMatching defaults: EMA, held-out exact-trace log-likelihood, patience', () => {
  it('documents the protocol', () => {
    expect(FLOW_MATCHING_DEFAULTS).toEqual({
      steps: 100_000,
      batchSize: 256,
      learningRate: 1e-3,
      ema: 0.999,
      validationFraction: 0.1,
      validateEvery: 500,
      patience: 10,
    });
  });

  it('averages the parameters by default (EMA 0.999): defaults = ema 0.999 ≠ ema 0', async () => {
    const def = flowMatching({ dim: 2, hidden: [8], solver: fast });
    const base = { steps: 12, batchSize: 32, learningRate: 0.05, seed: 4, validationFraction: 0 };
    const runs = [
      await fitFlowMatching(def, rows, base),
      await fitFlowMatching(def, rows, { ...base, ema: 0.999 }),
      await fitFlowMatching(def, rows, { ...base, ema: 0 }),
    ];
    const [byDefault, explicit, plain] = runs.map((r) => {
      if (E.isLeft(r)) throw r.left;
      const l = leaves(r.right.params);
      disposeParams(r.right.params);
      return l;
    });
    expect(byDefault).toEqual(explicit);
    expect(byDefault).not.toEqual(plain);
  });

  it('holds out a seeded 10% by default and scores it with the exact trace; result.def is exact', async () => {
    const def = hutchinson();
    const before = tf.memory().numTensors;
    const r = await fitFlowMatching(def, rows, { steps: 5, batchSize: 32, validateEvery: 5 });
    if (E.isLeft(r)) throw r.left;
    const { params, validation } = r.right;
    expect(validation.map((v) => v.step)).toEqual([5]); // scored without being given a set
    expect(r.right.def.config['trace']).toBe('exact');
    // The score is the exact mean NLL of the held-out 16 rows (10% of 160), not an estimate:
    // the same parameters on all 160 rows, exact vs Hutchinson, show the two differ.
    const exactDef = def.exact!();
    const heldNll = validation[0]!.loss;
    const all = tf.tensor2d(rows.map((row) => [...row]));
    const exactAll = meanNll(exactDef, params, all);
    const estimateAll = meanNll(def, params, all);
    expect(Math.abs(exactAll - estimateAll)).toBeGreaterThan(1e-3);
    // Reproduce the held-out score: it is one of the exact per-row means of a 16-row subset.
    const lp = logProb(r.right.def, params, all);
    if (E.isLeft(lp)) throw lp.left;
    const perRow = Array.from(lp.right.dataSync(), (v) => -v);
    lp.right.dispose();
    all.dispose();
    const sorted = [...perRow].sort((a, b) => a - b);
    expect(heldNll).toBeGreaterThanOrEqual(sorted.slice(0, 16).reduce((a, b) => a + b) / 16 - 1e-4);
    expect(heldNll).toBeLessThanOrEqual(sorted.slice(-16).reduce((a, b) => a + b) / 16 + 1e-4);
    disposeParams(params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates with def.exact() when given a set: the score equals the exact mean NLL', async () => {
    const def = hutchinson();
    const val = tf.tensor2d(heldOut.map((row) => [...row]));
    const before = tf.memory().numTensors;
    const r = await fitFlowMatching(def, rows, {
      steps: 5,
      batchSize: 32,
      validation: val,
      validateEvery: 5,
    });
    if (E.isLeft(r)) throw r.left;
    const score = r.right.validation[0]!.loss;
    expect(meanNll(def.exact!(), r.right.params, val)).toBeCloseTo(score, 5);
    expect(Math.abs(meanNll(def, r.right.params, val) - score)).toBeGreaterThan(1e-3);
    disposeParams(r.right.params);
    expect(tf.memory().numTensors).toBe(before);
    val.dispose();
  });

  it('stops on the default patience (10 scores without improvement)', async () => {
    // A vanishing learning rate (no averaging) leaves the parameters fixed in float32, so no
    // score after the first improves: 1 + 10 scores, then stop.
    const def = flowMatching({ dim: 2, hidden: [4], solver: fast });
    const r = await fitFlowMatching(def, rows, {
      steps: 100,
      batchSize: 32,
      learningRate: 1e-30,
      ema: 0,
      validateEvery: 1,
    });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.stoppedBy).toBe('patience');
    expect(r.right.steps).toBe(11);
    expect(r.right.bestStep).toBe(1);
    disposeParams(r.right.params);
  });

  it('rejects a bad validationFraction and too few rows to hold out, as Left', async () => {
    const def = flowMatching({ dim: 2, hidden: [4] });
    const bad = await fitFlowMatching(def, rows, { steps: 1, validationFraction: 1 });
    expect(E.isLeft(bad) && bad.left.argument).toBe('options.validationFraction');
    const few = await fitFlowMatching(def, rows.slice(0, 5), { steps: 1 });
    expect(E.isLeft(few) && few.left.kind).toBe('ValueError');
  });

  it('abort still works with the defaults, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const r = await fitFlowMatching(flowMatching({ dim: 2, hidden: [8], solver: fast }), rows, {
      batchSize: 32,
      progressEvery: 5,
      signal: controller.signal,
      onProgress: ({ step }) => {
        if (step === 10) controller.abort();
      },
    });
    expect(E.isLeft(r) && r.left instanceof AbortedError && r.left.steps).toBe(10);
    if (E.isLeft(r) && r.left instanceof AbortedError) disposeParams(r.left.params);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fitFfjord defaults: RNODE weights, exact-trace validation, a held-out split', () => {
  it('documents the RNODE weights and the training tolerance', () => {
    expect(FFJORD_DEFAULTS).toEqual({
      kineticEnergy: 0.01,
      jacobianNorm: 0.01,
      trainingTolerance: 1e-4,
    });
  });

  it('regularises by default: defaults = explicit 0.01 weights ≠ none', async () => {
    const base = { maxSteps: 3, batchSize: 32, learningRate: 1e-2, seed: 0 };
    const run = async (extra: { kineticEnergy?: number; jacobianNorm?: number }) => {
      const r = await fitFfjord(hutchinson(), rows, { ...base, ...extra });
      if (E.isLeft(r)) throw r.left;
      const l = leaves(r.right.params);
      disposeParams(r.right.params);
      return { l, ke: r.right.history[0]!.kineticEnergy };
    };
    const byDefault = await run({});
    const explicit = await run({ kineticEnergy: 0.01, jacobianNorm: 0.01 });
    const none = await run({ kineticEnergy: 0, jacobianNorm: 0 });
    expect(byDefault.l).toEqual(explicit.l);
    expect(byDefault.ke).toBeDefined();
    expect(byDefault.l).not.toEqual(none.l);
  });

  it('holds out 10% by default and validates with def.exact(); result.def scores exactly', async () => {
    const def = hutchinson();
    const before = tf.memory().numTensors;
    const r = await fitFfjord(def, rows, { epochs: 1, batchSize: 48, learningRate: 1e-2 });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.steps).toBe(3); // 144 training rows (160 − 16 held out), batch 48
    const score = r.right.history[0]!.valLoss;
    expect(score).toBeDefined();
    expect(r.right.def.config['trace']).toBe('exact');
    const val = tf.tensor2d(heldOut.map((row) => [...row]));
    const exact = meanNll(r.right.def, r.right.params, val);
    expect(Math.abs(meanNll(def, r.right.params, val) - exact)).toBeGreaterThan(1e-3);
    val.dispose();
    disposeParams(r.right.params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the validation score is the exact mean NLL of the given set', async () => {
    const def = hutchinson();
    const val = tf.tensor2d(heldOut.map((row) => [...row]));
    const r = await fitFfjord(def, rows, {
      epochs: 1,
      batchSize: 80,
      learningRate: 1e-2,
      validation: val,
    });
    if (E.isLeft(r)) throw r.left;
    const score = r.right.history[0]!.valLoss!;
    expect(meanNll(def.exact!(), r.right.params, val)).toBeCloseTo(score, 5);
    expect(Math.abs(meanNll(def, r.right.params, val) - score)).toBeGreaterThan(1e-3);
    disposeParams(r.right.params);
    val.dispose();
  });
});
