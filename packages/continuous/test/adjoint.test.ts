import { type Params, disposeParams, tf } from '@bijective/core';
import { flattenParams } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import {
  type OdeFunction,
  type OdeSolver,
  dopri5,
  odeintAdjoint,
  rk4,
} from '../src/solvers/index.js';
import {
  type DynamicsDef,
  type GradientMethod,
  type VectorField,
  concatSquashMlp,
  ffjordTransform,
} from '../src/dynamics/index.js';

/** Gradients of a log-likelihood-like loss w.r.t. every parameter leaf, the input and the context. */
const gradients = <P extends Params>(
  dynamics: DynamicsDef<P>,
  params: P,
  gradient: GradientMethod,
  solver: OdeSolver,
  trace: 'exact' | 'hutchinson',
  x: tf.Tensor2D,
  context?: tf.Tensor2D,
): number[][] => {
  const def = ffjordTransform({ dynamics, solver, trace, gradient, probeSeed: 5 });
  const leaves = flattenParams(params).map((l) => l.tensor);
  const grads = tf.tidy(() =>
    tf.grads((...ts: tf.Tensor[]) => {
      const b = def.apply(params);
      const [xx, cc] = ts.slice(leaves.length) as [tf.Tensor2D, tf.Tensor2D | undefined];
      const { y, logDet } = b.forward(xx, cc);
      return tf.sum(tf.sub(logDet, tf.mul(0.5, tf.sum(tf.square(y), 1))));
    })([...leaves, x, ...(context !== undefined ? [context] : [])]),
  );
  const out = grads.map((g) => Array.from(g.dataSync()));
  tf.dispose(grads);
  return out;
};

const relativeError = (a: number[][], b: number[][]): number => {
  let num = 0;
  let den = 0;
  a.forEach((ga, i) =>
    ga.forEach((v, j) => {
      num += (v - b[i]![j]!) ** 2;
      den += b[i]![j]! ** 2;
    }),
  );
  return Math.sqrt(num / den);
};

describe('adjoint sensitivity method', () => {
  it('odeintAdjoint on a plain linear ODE y′ = yA: gradients w.r.t. A and y0 equal backprop through RK4', () => {
    const before = tf.memory().numTensors;
    const A = tf.tensor2d([
      [-0.5, 0.8],
      [-0.3, 0.2],
    ]);
    const y0 = tf.tensor2d([
      [1, -1],
      [0.5, 2],
    ]);
    const makeF =
      ([a]: readonly tf.Tensor[]): OdeFunction =>
      (_t, [y]) => [tf.matMul(y!, a!)];
    const loss = (y: tf.Tensor) =>
      tf.sum(
        tf.mul(
          y,
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
        ),
      );
    const viaAdjoint = tf.tidy(() =>
      tf.grads((a: tf.Tensor, y: tf.Tensor) =>
        loss(odeintAdjoint(makeF, [y], 0, 1, rk4({ steps: 20 }), [a]).y[0]!),
      )([A, y0]),
    );
    const viaBackprop = tf.tidy(() =>
      tf.grads((a: tf.Tensor, y: tf.Tensor) =>
        loss(rk4({ steps: 20 }).solve(makeF([a]), [y], 0, 1).y[0]!),
      )([A, y0]),
    );
    const adj = viaAdjoint.map((g) => Array.from(g.dataSync()));
    const bp = viaBackprop.map((g) => Array.from(g.dataSync()));
    expect(relativeError(adj, bp)).toBeLessThan(1e-4);
    tf.dispose([A, y0, ...viaAdjoint, ...viaBackprop]);
    expect(tf.memory().numTensors).toBe(before);
  });

  const cases = [
    {
      name: 'rk4, exact trace',
      solver: () => rk4({ steps: 12 }),
      trace: 'exact' as const,
      context: false,
    },
    {
      name: 'rk4, Hutchinson trace, with context',
      solver: () => rk4({ steps: 12 }),
      trace: 'hutchinson' as const,
      context: true,
    },
    {
      name: 'dopri5 (rtol = atol = 1e-6), exact trace',
      solver: () => dopri5({ rtol: 1e-6, atol: 1e-6 }),
      trace: 'exact' as const,
      context: false,
    },
  ];
  for (const c of cases) {
    it(`gradients equal backpropagation's (relative 1e-3): ${c.name}`, () => {
      const before = tf.memory().numTensors;
      const dynamics = concatSquashMlp({ dim: 2, hidden: [8], contextDim: c.context ? 2 : 0 });
      const params = dynamics.init(1);
      const x = tf.randomNormal([5, 2], 0, 1, 'float32', 2) as tf.Tensor2D;
      const ctx = c.context
        ? (tf.randomNormal([5, 2], 0, 1, 'float32', 3) as tf.Tensor2D)
        : undefined;
      const bp = gradients(dynamics, params, 'backprop', c.solver(), c.trace, x, ctx);
      const adj = gradients(dynamics, params, 'adjoint', c.solver(), c.trace, x, ctx);
      // Both converge to the gradient of the exact flow; they differ by the
      // solver's error (the adjoint reconstructs z backwards in time).
      expect(relativeError(adj, bp)).toBeLessThan(1e-3);
      expect(bp.flat().some((v) => Math.abs(v) > 1e-3)).toBe(true);
      tf.dispose([x, ...(ctx ? [ctx] : [])]);
      disposeParams(params);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('peak memory during the gradient stays flat as the step count grows 10x (backprop grows)', () => {
    const inner = concatSquashMlp({ dim: 2, hidden: [8] });
    let peakTensors = 0;
    let peakBytes = 0;
    // Record tf.memory() at every evaluation of the field: during the forward
    // solve and, for the adjoint, during the backward (augmented) solve.
    const probed: DynamicsDef<ReturnType<typeof inner.init>> = {
      init: inner.init,
      apply: (p) => {
        const f = inner.apply(p);
        const g: VectorField = (t, z, c) => {
          const m = tf.memory();
          peakTensors = Math.max(peakTensors, m.numTensors);
          peakBytes = Math.max(peakBytes, m.numBytes);
          return f(t, z, c);
        };
        return g;
      },
    };
    const params = probed.init(0);
    const x = tf.randomNormal([4, 2], 0, 1, 'float32', 1) as tf.Tensor2D;
    const peak = (gradient: GradientMethod, steps: number) => {
      const base = tf.memory();
      peakTensors = 0;
      peakBytes = 0;
      gradients(probed, params, gradient, rk4({ steps }), 'exact', x);
      return { tensors: peakTensors - base.numTensors, bytes: peakBytes - base.numBytes };
    };
    const adjointFew = peak('adjoint', 3);
    const adjointMany = peak('adjoint', 30);
    expect(adjointMany.tensors).toBeLessThanOrEqual(adjointFew.tensors);
    expect(adjointMany.bytes).toBeLessThanOrEqual(adjointFew.bytes);
    const backpropFew = peak('backprop', 3);
    const backpropMany = peak('backprop', 30);
    // The contrast that shows the measurement bites: the tape of backprop grows with the steps.
    expect(backpropMany.tensors).toBeGreaterThan(5 * backpropFew.tensors);
    x.dispose();
    disposeParams(params);
  });
});
