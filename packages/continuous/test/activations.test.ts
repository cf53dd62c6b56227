import { disposeParams, tf } from '@bijective/core';
import { type Activation } from '@bijective/core/nn';
import { flattenParams, unflattenParams } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import { drawProbe, hutchinsonDivergence } from '../src/solvers/index.js';
import {
  type ActivationName,
  activations,
  concatSquashMlp,
  safeTanh,
} from '../src/dynamics/index.js';

/**
 * The Hutchinson divergence estimate of a small dynamics network, summed
 * over a batch, as a function of the network's parameter leaves: exactly the
 * quantity whose weight gradient FFJORD training needs (a second-order
 * derivative: ∂/∂θ of εᵀ ∂f/∂z ε).
 */
const setup = (name: ActivationName) => {
  const net = concatSquashMlp({ dim: 3, hidden: [6, 6], activation: name });
  const params = net.init(7);
  const leaves = flattenParams(params).map((l) => l.tensor);
  const z = tf.randomNormal([6, 3], 0, 1, 'float32', 3) as tf.Tensor2D;
  const eps = drawProbe('gaussian', [6, 3], 4);
  const loss = (ts: readonly tf.Tensor[]) => {
    const f = net.apply(unflattenParams(params, [...ts]));
    return tf.sum(hutchinsonDivergence((zz) => f(0.3, zz), z, eps).divergence) as tf.Scalar;
  };
  const dispose = () => {
    disposeParams(params);
    tf.dispose([z, eps]);
  };
  return { leaves, loss, dispose };
};

/**
 * Directional derivative of `loss` along a random unit direction `d` over
 * all parameters: autodiff `Σ ∇L·d` against central differences
 * `(L(θ + hd) - L(θ - hd)) / 2h` with h = 1e-2. Float32 forces the step:
 * L is ~1e-1, so its rounding noise (~1e-8) over 2h is ~1e-6, and the
 * truncation error h²·L'''/6 is of the same order. Measured agreement is
 * 1e-6 to 4e-6 absolute; the tolerance 1e-5 + 2e-3·|fd| leaves a margin of
 * ~3 while the built-in tanh's missing second-order term is off by ~7e-3.
 */
const TOL_ABS = 1e-5;
const TOL_REL = 2e-3;

const compare = (
  leaves: readonly tf.Tensor[],
  loss: (ts: readonly tf.Tensor[]) => tf.Scalar,
  seed: number,
): { ad: number; fd: number } => {
  const h = 1e-2;
  return tf.tidy(() => {
    const raw = leaves.map((l, i) => tf.randomNormal(l.shape, 0, 1, 'float32', seed * 100 + i));
    const norm = Math.sqrt(tf.addN(raw.map((r) => tf.sum(tf.square(r)))).dataSync()[0]!);
    const d = raw.map((r) => tf.div(r, norm));
    // The divergence does not depend on the output bias: a zero-weighted term keeps every leaf connected.
    const connected = (ts: tf.Tensor[]) =>
      tf.add(loss(ts), tf.mul(0, tf.addN(ts.map((t) => tf.sum(t))))) as tf.Scalar;
    const grads = tf.grads((...ts: tf.Tensor[]) => connected(ts))([...leaves]);
    const ad = tf.addN(grads.map((g, i) => tf.sum(tf.mul(g, d[i]!)))).dataSync()[0]!;
    const plus = loss(leaves.map((l, i) => tf.add(l, tf.mul(h, d[i]!)))).dataSync()[0]!;
    const minus = loss(leaves.map((l, i) => tf.sub(l, tf.mul(h, d[i]!)))).dataSync()[0]!;
    return { ad, fd: (plus - minus) / (2 * h) };
  });
};

describe('second-order-safe activations', () => {
  for (const name of Object.keys(activations) as ActivationName[]) {
    it(`${name}: weight gradient of a Hutchinson divergence matches central finite differences`, () => {
      const before = tf.memory().numTensors;
      const { leaves, loss, dispose } = setup(name);
      for (const seed of [1, 2, 3]) {
        const { ad, fd } = compare(leaves, (ts) => loss(ts), seed);
        expect(Math.abs(ad - fd)).toBeLessThan(TOL_ABS + TOL_REL * Math.abs(fd));
      }
      dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('each derivative, up to the third, matches the closed form', () => {
    const x = tf.tensor1d([-1.3, 0.2, 0.9]);
    const xs = [-1.3, 0.2, 0.9];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const closed: Record<ActivationName, (v: number) => [number, number, number]> = {
      tanh: (v) => {
        const t = Math.tanh(v);
        return [1 - t * t, -2 * t * (1 - t * t), -2 * (1 - t * t) * (1 - 3 * t * t)];
      },
      sigmoid: (v) => {
        const s = sig(v);
        return [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)];
      },
      softplus: (v) => {
        const s = sig(v);
        return [s, s * (1 - s), s * (1 - s) * (1 - 2 * s)];
      },
      swish: (v) => {
        const s = sig(v);
        const d1 = s * (1 - s);
        const d2 = d1 * (1 - 2 * s);
        return [s + v * d1, 2 * d1 + v * d2, 3 * d2 + v * d1 * (1 - 6 * s + 6 * s * s)];
      },
      elu: (v) => (v < 0 ? [Math.exp(v), Math.exp(v), Math.exp(v)] : [1, 0, 0]),
    };
    for (const name of Object.keys(activations) as ActivationName[]) {
      const act = activations[name];
      const g = (f: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) =>
        tf.grad((u: tf.Tensor) => tf.sum(f(u)))(t);
      const d1 = g((u) => act(u as tf.Tensor2D));
      const d2 = g(d1);
      const d3 = g(d2);
      const got = [d1, d2, d3].map((d) => Array.from(tf.tidy(() => d(x)).dataSync()));
      xs.forEach((v, i) =>
        closed[name](v).forEach((c, k) => expect(got[k]![i]!).toBeCloseTo(c, 4)),
      );
    }
    x.dispose();
  });

  it('the check bites: tfjs 4.22 built-in tanh gives a wrong second-order gradient (or throws)', () => {
    // Same network and loss with tf.tanh in place of safeTanh.
    const net = concatSquashMlp({ dim: 3, hidden: [6, 6], activation: 'tanh' });
    const params = net.init(7);
    const leaves = flattenParams(params).map((l) => l.tensor);
    const z = tf.randomNormal([6, 3], 0, 1, 'float32', 3) as tf.Tensor2D;
    const eps = drawProbe('gaussian', [6, 3], 4);
    const naive = (x: tf.Tensor2D) => tf.tanh(x);
    const lossWith = (act: Activation) => (ts: readonly tf.Tensor[]) => {
      const p = unflattenParams(params, [...ts]);
      // Rebuild the forward pass by hand so the activation can be swapped.
      const f = (zz: tf.Tensor2D) => {
        let h = zz;
        const s = tf.fill([1, 1], 0.3) as tf.Tensor2D;
        p.forEach((layer, i) => {
          const gate = tf.sigmoid(tf.add(tf.matMul(s, layer.gw), layer.gb));
          const out = tf.add(
            tf.mul(tf.add(tf.matMul(h, layer.w), layer.b), gate),
            tf.matMul(s, layer.hw),
          ) as tf.Tensor2D;
          h = i === p.length - 1 ? out : act(out);
        });
        return h;
      };
      return tf.sum(hutchinsonDivergence(f, z, eps).divergence) as tf.Scalar;
    };
    const safe = compare(leaves, lossWith(safeTanh), 1);
    expect(Math.abs(safe.ad - safe.fd)).toBeLessThan(TOL_ABS + TOL_REL * Math.abs(safe.fd));
    let wrong: boolean;
    try {
      const bad = compare(leaves, lossWith(naive), 1);
      wrong = Math.abs(bad.ad - bad.fd) > TOL_ABS + TOL_REL * Math.abs(bad.fd);
    } catch {
      wrong = true;
    }
    expect(wrong).toBe(true);
    disposeParams(params);
    tf.dispose([z, eps]);
  });
});
