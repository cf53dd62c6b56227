import { type Params, disposeParams, tf } from '@bijective/core';
import { fieldTrace } from '@bijective/core/nn';
import { flattenParams, unflattenParams } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import { type ActivationName } from '../src/activations.js';
import {
  type DynamicsDef,
  type Time,
  concatMlp,
  concatSquashMlp,
  ffjordTransform,
  timeEmbeddingMlp,
} from '../src/dynamics/index.js';
import { exactDivergence, rk4 } from '../src/solvers/index.js';

const ACTIVATIONS: readonly ActivationName[] = ['tanh', 'softplus', 'sigmoid', 'swish', 'elu'];
const NETS = {
  concatSquash: concatSquashMlp,
  concat: concatMlp,
  timeEmbedding: timeEmbeddingMlp,
} as const;

const maxRelError = (a: tf.Tensor, b: tf.Tensor): number => {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) return Infinity;
  const scale = Math.max(1, ...Array.from(y, Math.abs));
  return Math.max(0, ...Array.from(x, (v, i) => Math.abs(v - y[i]!) / scale));
};

/**
 * Value, divergence, Frobenius norm and the gradients of a random linear
 * functional of all three with respect to every parameter leaf and `z`:
 * once by the forward-mode `fieldTrace` (the layer form), once by today's
 * `dim` vector-Jacobian products (`exactDivergence`, second-order autodiff
 * through the safe activations).
 */
const bothWays = <P extends Params>(
  net: DynamicsDef<P>,
  params: P,
  t: Time,
  z: tf.Tensor2D,
  context: tf.Tensor2D | undefined,
): { forward: tf.Tensor[]; reference: tf.Tensor[] } => {
  const leaves = flattenParams(params).map((l) => l.tensor);
  const [batch, dim] = z.shape;
  const rv = tf.randomNormal([batch, dim], 0, 1, 'float32', 11);
  const rd = tf.randomNormal([batch], 0, 1, 'float32', 12);
  const rf = tf.randomNormal([batch], 0, 1, 'float32', 13);
  const run = (way: 'forward' | 'reference') => {
    const outputs: tf.Tensor[] = [];
    const g = tf.grads((...xs: tf.Tensor[]) => {
      const p = unflattenParams(params, xs.slice(0, leaves.length));
      const zz = xs[leaves.length] as tf.Tensor2D;
      const r =
        way === 'forward'
          ? (() => {
              const { activation, ...layers } = net.layerForm!(p)(t, batch, context);
              return fieldTrace(zz, layers, activation, true);
            })()
          : exactDivergence((a, c) => net.apply(p)(t, a, c), zz, context, true);
      outputs.push(tf.keep(r.value), tf.keep(r.divergence), tf.keep(r.frobenius!));
      return tf.addN([
        tf.sum(tf.mul(r.value, rv)),
        tf.sum(tf.mul(r.divergence, rd)),
        tf.sum(tf.mul(r.frobenius!, rf)),
      ]) as tf.Scalar;
    })([...leaves, z]);
    return [...outputs, ...g];
  };
  return { forward: run('forward'), reference: run('reference') };
};

describe("fieldTrace (forward-mode exact trace) equals today's exactDivergence", () => {
  for (const [name, make] of Object.entries(NETS))
    for (const activation of ACTIVATIONS)
      for (const contextDim of [0, 2])
        it(`${name} ${activation}${contextDim > 0 ? ' with context' : ''}: value, divergence, Frobenius norm and every gradient`, async () => {
          await tf.setBackend('cpu');
          const dim = 3;
          const net = make({ dim, hidden: [7, 5], contextDim, activation }) as DynamicsDef<Params>;
          const params = net.init(4);
          // Nonzero biases and gate biases, so every term of the layer form matters.
          const shifted = unflattenParams(
            params,
            flattenParams(params).map((l, i) =>
              tf.add(l.tensor, tf.randomNormal(l.tensor.shape, 0, 0.3, 'float32', 50 + i)),
            ),
          );
          disposeParams(params);
          const before = tf.memory().numTensors;
          const z = tf.randomNormal([5, dim], 0, 1, 'float32', 7) as tf.Tensor2D;
          const context =
            contextDim > 0
              ? (tf.randomNormal([5, contextDim], 0, 1, 'float32', 8) as tf.Tensor2D)
              : undefined;
          for (const t of [0.3, 0.8] as Time[]) {
            const { forward, reference } = tf.tidy(() => {
              const r = bothWays(net, shifted, t, z, context);
              return { forward: r.forward.map(tf.keep), reference: r.reference.map(tf.keep) };
            });
            expect(forward.length).toBe(reference.length);
            forward.forEach((f, i) => {
              expect(f.shape).toEqual(reference[i]!.shape);
              expect(maxRelError(f, reference[i]!), `output ${i}`).toBeLessThan(2e-5);
            });
            tf.dispose([...forward, ...reference]);
            if (typeof t !== 'number') t.dispose();
          }
          tf.dispose([z, ...(context ? [context] : [])]);
          expect(tf.memory().numTensors).toBe(before);
          disposeParams(shifted);
        });
});

describe('ffjord uses the forward-mode trace when the dynamics give their layer form', () => {
  it('same log-det and parameter gradients as the vector-Jacobian products (exact trace, rk4)', async () => {
    await tf.setBackend('cpu');
    const net = concatSquashMlp({ dim: 2, hidden: [16, 16] });
    // The same network without its layer form: ffjord falls back to exactDivergence.
    const plain: DynamicsDef<Params> = { init: net.init, apply: net.apply as never };
    const params = net.init(1);
    const x = tf.randomNormal([6, 2], 0, 1, 'float32', 3) as tf.Tensor2D;
    const leaves = flattenParams(params).map((l) => l.tensor);
    const logDetAndGrads = (dynamics: DynamicsDef<Params>) =>
      tf.tidy(() => {
        const transform = ffjordTransform({ dynamics, solver: rk4({ steps: 4 }) });
        const forward = (p: Params) => transform.apply(p).forward(x);
        const logDet = tf.keep(forward(params).logDet);
        const g = tf.grads((...ls: tf.Tensor[]) => {
          const r = forward(unflattenParams(params, ls));
          return tf.add(tf.sum(r.logDet), tf.sum(tf.square(r.y))) as tf.Scalar;
        })(leaves);
        return [logDet, ...g.map((t) => tf.keep(t))];
      });
    // The layer form is what runs: half the kernels of the vector-Jacobian products per solve.
    const kernels = async (dynamics: DynamicsDef<Params>) => {
      const transform = ffjordTransform({ dynamics, solver: rk4({ steps: 2 }) });
      const run = () => {
        const { y, logDet } = transform.apply(params).forward(x);
        tf.dispose([y, logDet]);
      };
      return (await tf.profile(run)).kernels.length;
    };
    expect(await kernels(net)).toBeLessThan(0.5 * (await kernels(plain)));
    const a = logDetAndGrads(net);
    const b = logDetAndGrads(plain);
    a.forEach((t, i) => expect(maxRelError(t, b[i]!), `output ${i}`).toBeLessThan(2e-5));
    tf.dispose([...a, ...b, x]);
    disposeParams(params);
  });
});
