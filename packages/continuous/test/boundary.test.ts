import * as E from 'fp-ts/lib/Either.js';
import { BijectiveError, disposeParams, logProb, sample, tf } from '@bijective/core';
import { describe, expect, it } from 'vitest';
import { ffjord } from '../src/index.js';
import { dopri5 } from '../src/solvers/index.js';
import { concatSquashMlp, continuousFlow, ffjordTransform } from '../src/dynamics/index.js';

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
};

describe("FFJORD's boundary", () => {
  it("a missing or mis-shaped context is core's one context ShapeError, raw or validated", () => {
    const def = ffjord({ dim: 2, contextDim: 1, hidden: [8], solver: { kind: 'rk4', steps: 2 } });
    const p = def.init(0);
    const x = tf.tensor2d([[0.1, 0.2]]);
    const want = 'context: expected [1, 1] (one row per data row), got no context';
    const left = logProb(def, p, x);
    expect(E.isLeft(left) && left.left.message).toBe(want);
    // The raw flow and the raw transform check it too, instead of a tfjs matMul error.
    const raw = thrown(() => tf.tidy(() => def.apply(p).logProb(x)));
    expect(raw instanceof BijectiveError && raw.message).toBe(want);
    const t = ffjordTransform({
      dynamics: concatSquashMlp({ dim: 2, contextDim: 1, hidden: [8] }),
      contextDim: 1,
    });
    const tp = t.init(0);
    const bare = thrown(() => tf.tidy(() => t.apply(tp).forward(x).y));
    expect(bare instanceof BijectiveError && bare.message).toBe(want);
    const wide = tf.tensor2d([[1, 2]]);
    const wrong = thrown(() => tf.tidy(() => t.apply(tp).inverse(x, wide).x));
    expect(wrong instanceof BijectiveError && wrong.kind).toBe('ShapeError');
    expect(wrong instanceof BijectiveError && wrong.argument).toBe('context');
    tf.dispose([x, wide]);
    disposeParams(p);
    disposeParams(tp);
  });

  it('a flow whose contextDim disagrees with its ODE transform is refused when built', () => {
    const transform = ffjordTransform({
      dynamics: concatSquashMlp({ dim: 2, contextDim: 1, hidden: [8] }),
      contextDim: 1,
    });
    const e = thrown(() => continuousFlow({ name: 'bad', dim: 2, contextDim: 0, transform }));
    expect(e instanceof BijectiveError && e.kind).toBe('ShapeError');
    expect(e instanceof BijectiveError && e.argument).toBe('options.contextDim');
    expect(continuousFlow({ name: 'ok', dim: 2, transform }).contextDim).toBe(1);
  });

  it('dopri5 running out of maxSteps is a Left(DivergedError) naming the solver and maxSteps, not a throw', () => {
    const base = tf.memory().numTensors;
    const transform = ffjordTransform({
      dynamics: concatSquashMlp({ dim: 2, hidden: [8] }),
      solver: dopri5({ rtol: 1e-7, atol: 1e-7, maxSteps: 2 }),
    });
    const def = continuousFlow({ name: 'stiff', dim: 2, transform });
    const p = def.init(0);
    const base2 = tf.memory().numTensors;
    const lefts = [logProb(def, p, [[3, -2]]), sample(def, p, 2, { seed: 1 })].map((r) =>
      E.isLeft(r) ? r.left : undefined,
    );
    for (const e of lefts) {
      expect(e?.kind).toBe('DivergedError');
      expect(e?.argument).toBe('options.maxSteps');
      expect(e?.message).toMatch(/^dopri5: no convergence after 2 steps/);
    }
    expect(tf.memory().numTensors).toBe(base2);
    disposeParams(p);
    expect(tf.memory().numTensors).toBe(base);
  });
});
