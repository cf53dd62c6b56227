import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, logProb, meanNll, tf } from '@bijective/core';
import { twoMoons } from '@bijective/core/datasets';
import { mapParams } from '@bijective/core/params';
import { afterAll, describe, expect, it } from 'vitest';
import { FFJORD_DEFAULTS, type SolverConfig, ffjord, fitFfjord, solveTally } from '../src/index.js';

// The README's FFJORD row trained with Dopri5 at rtol = atol = 1e-4 and scored with the preset's
// own Dopri5 at 1e-5 and the exact trace: fitFfjord's defaults must do both. A small field scaled
// up from its initialisation makes the tolerance visible: at 1e-4 and at 1e-5 a solve takes a
// different number of function evaluations and gives log-likelihoods 1e-4 apart.
const def = ffjord({ dim: 2, hidden: [16, 16] }); // Dopri5 at 1e-5, exact trace in 2-D
const init = def.init(0);
const start = mapParams(init, (t) => tf.mul(t, 3));
const x = tf.tensor2d(twoMoons(64, { seed: 0 }).map((r) => [...r]));
const val = tf.tensor2d(twoMoons(32, { seed: 1 }).map((r) => [...r]));
const dopri5 = (tol: number): SolverConfig => ({ kind: 'dopri5', rtol: tol, atol: tol });
afterAll(() => {
  disposeParams(init);
  disposeParams(start);
  tf.dispose([x, val]);
});

/** NFE of one forward solve of `x` at `start` with Dopri5 at `tol`. */
const nfeAt = (tol: number): number => {
  const tally = solveTally();
  const lp = logProb(def.withSolver!(dopri5(tol)).observe(tally.onSolve), start, x);
  if (E.isLeft(lp)) throw lp.left;
  lp.right.dispose();
  return tally.cost().nfe;
};
/** One full-batch Adam step without regularisers: the epoch's training NLL is that of `start`. */
const oneStep = { params: start, epochs: 1, batchSize: 64, validation: val, seed: 0 } as const;
const unregularized = { kineticEnergy: 0, jacobianNorm: 0 } as const;

describe('fitFfjord trains at the README protocol tolerance and scores at the preset’s own', () => {
  it('documents the training tolerance', () => {
    expect(FFJORD_DEFAULTS.trainingTolerance).toBe(1e-4);
  });

  it('by default, training solves run Dopri5 at 1e-4 and validation and result.def the preset’s 1e-5', async () => {
    const loose = nfeAt(1e-4);
    const tight = nfeAt(1e-5);
    expect(loose).not.toBe(tight); // the test can tell the two apart
    const before = tf.memory().numTensors;
    const r = await fitFfjord(def, x, { ...oneStep, ...unregularized });
    if (E.isLeft(r)) throw r.left;
    const epoch = r.right.history[0]!;
    // Training: the one step's solve took the NFE of a 1e-4 solve, and its NLL is the 1e-4 one.
    expect(epoch.nfe).toBe(loose);
    const trainAt = (tol: number) => meanNll(def.withSolver!(dopri5(tol)), start, x);
    expect(epoch.trainNll).toBeCloseTo(trainAt(1e-4), 5);
    expect(Math.abs(epoch.trainNll - trainAt(1e-5))).toBeGreaterThan(5e-5);
    // Scoring: validation and the returned definition use the preset's Dopri5 at 1e-5, exact trace.
    expect(r.right.def.config['solver']).toMatchObject({ kind: 'dopri5', rtol: 1e-5, atol: 1e-5 });
    expect(r.right.def.config['trace']).toBe('exact');
    const scoreAt = (tol: number) =>
      meanNll(def.withSolver!(dopri5(tol)).exact!(), r.right.params, val);
    expect(epoch.valLoss).toBeCloseTo(scoreAt(1e-5), 5);
    expect(Math.abs(epoch.valLoss! - scoreAt(1e-4))).toBeGreaterThan(5e-5);
    expect(meanNll(r.right.def, r.right.params, val)).toBeCloseTo(scoreAt(1e-5), 5);
    disposeParams(r.right.params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with the RNODE regularisers (the defaults) the training definition is the 1e-4 one too', async () => {
    const requested: SolverConfig[] = [];
    const spy = {
      ...def,
      withSolver: (s: SolverConfig) => (requested.push(s), def.withSolver!(s)),
    };
    const r = await fitFfjord(spy, x, oneStep);
    if (E.isLeft(r)) throw r.left;
    // The preset's Dopri5 (maxSteps 1000) at the protocol's tolerance.
    expect(requested).toEqual([{ kind: 'dopri5', rtol: 1e-4, atol: 1e-4, maxSteps: 1000 }]);
    expect(r.right.def.config['solver']).toMatchObject({ rtol: 1e-5, atol: 1e-5 });
    disposeParams(r.right.params);
  });

  it('trainingSolver overrides it (here: train at the scoring tolerance)', async () => {
    const r = await fitFfjord(def, x, {
      ...oneStep,
      ...unregularized,
      trainingSolver: dopri5(1e-5),
    });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.history[0]!.nfe).toBe(nfeAt(1e-5));
    disposeParams(r.right.params);
  });

  it('a malformed trainingSolver is a Left(ValueError) naming the field', async () => {
    const r = await fitFfjord(def, x, { ...oneStep, trainingSolver: dopri5(-1) });
    expect(E.isLeft(r) && r.left.kind).toBe('ValueError');
    expect(E.isLeft(r) && r.left.message).toContain('options.trainingSolver.rtol');
  });

  it('a preset with a fixed-step solver trains with it as configured', async () => {
    const rk4 = ffjord({ dim: 2, hidden: [16, 16], solver: { kind: 'rk4', steps: 3 } });
    const r = await fitFfjord(rk4, x, { ...oneStep, ...unregularized });
    if (E.isLeft(r)) throw r.left;
    expect(r.right.history[0]!.nfe).toBe(12); // 3 RK4 steps of 4 evaluations
    disposeParams(r.right.params);
  });
});
