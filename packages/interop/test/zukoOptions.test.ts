import { describe, expect, it } from 'vitest';
import { type Batch, tf } from '@bijective/core';
import { checkBijection } from '@bijective/core/testing';
import { affineAutoregressive, made, splineAutoregressive } from '@bijective/autoregressive/layers';

// The options fromZuko relies on (core's spline `parametrization: 'zuko'`, made's
// `contextEntry: 'input'`, explicit orders) pass core's shared checker: round trip, log-det
// against a brute-force Jacobian in both directions, finite gradients, context matters, no leaks.
describe('zuko-style transforms pass the shared checker', () => {
  it("spline, parametrization 'zuko', 5 bins, context at the input", () =>
    checkBijection(
      splineAutoregressive({
        dim: 3,
        contextDim: 2,
        hidden: [12, 12],
        bins: 5,
        parametrization: 'zuko',
        contextEntry: 'input',
        ordering: [2, 0, 1],
      }),
      { dim: 3, contextDim: 2 },
    ));
  it('affine, context at the input, no hidden layer', () =>
    checkBijection(
      affineAutoregressive({ dim: 4, contextDim: 1, hidden: [], contextEntry: 'input' }),
      { dim: 4, contextDim: 1 },
    ));
});

describe("made's contextEntry", () => {
  const outputsForFirst = (entry: 'hidden' | 'input'): number => {
    const net = made({
      dim: 3,
      contextDim: 2,
      paramsPerDim: 2,
      hidden: [8, 8],
      contextEntry: entry,
      init: 'fanIn',
    });
    const p = net.init(1);
    const diff = tf.tidy(() => {
      const x = tf.zeros([1, 3]) as Batch;
      const a = net.apply(p)(x, tf.tensor2d([[0, 0]]) as Batch);
      const b = net.apply(p)(x, tf.tensor2d([[1, -2]]) as Batch);
      // parameters of input 0, the first generated one (natural order)
      return tf
        .max(tf.abs(tf.sub(tf.slice(a, [0, 0, 0], [1, 1, 2]), tf.slice(b, [0, 0, 0], [1, 1, 2]))))
        .dataSync()[0]!;
    });
    tf.dispose(p as unknown as tf.TensorContainer);
    return diff;
  };
  it("'input' (zuko's): the first generated variable depends on the context; 'hidden' (the default): it does not", () => {
    expect(outputsForFirst('input')).toBeGreaterThan(1e-3);
    expect(outputsForFirst('hidden')).toBe(0);
  });
  it("'input' has one context weight [contextDim, hidden₁]; 'hidden' one per hidden layer", () => {
    for (const [entry, n] of [
      ['input', 1],
      ['hidden', 2],
    ] as const) {
      const p = made({
        dim: 3,
        contextDim: 2,
        paramsPerDim: 2,
        hidden: [8, 8],
        contextEntry: entry,
      }).init(0);
      expect(p.context.map((t) => t.shape)).toEqual(
        entry === 'input'
          ? [[2, 8]]
          : [
              [2, 8],
              [2, 8],
            ],
      );
      expect(p.context.length).toBe(n);
      tf.dispose(p as unknown as tf.TensorContainer);
    }
  });
});
