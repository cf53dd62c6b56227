import { describe, expect, it } from 'vitest';
import { type Batch, tf } from '../src/index.js';
import {
  type ElementMap,
  additiveMap,
  affineMap,
  rawComponent,
  splineMap,
} from '../src/entries/transforms.js';

// Every element map of core: a bijection per coordinate whose log-derivatives are
// the true ones (against autodiff), whose inverse undoes forward, and whose
// `initialOutput` is exactly the identity. Raw parameters are random and large
// enough that the affine soft clamp and the spline's interior bins are exercised.
const maps: ReadonlyArray<readonly [string, ElementMap]> = [
  ['additive', additiveMap],
  ['affine', affineMap],
  ['spline (floor)', splineMap({ bins: 6, bound: 3 })],
  ['spline (zuko)', splineMap({ bins: 5, bound: 3, parametrization: 'zuko', minDerivative: 1e-2 })],
];

const batch = 7;
const d = 3;
const x = (): Batch => tf.randomUniform([batch, d], -4, 4, 'float32', 11) as Batch;
const raw = (k: number): tf.Tensor3D =>
  tf.randomNormal([batch, d, k], 0, 2, 'float32', 5) as tf.Tensor3D;

describe('core element maps', () => {
  for (const [name, map] of maps) {
    describe(name, () => {
      it('inverse undoes forward, and the log-derivatives are opposite', () => {
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const p = raw(map.paramsPerDim);
          const f = map.forward(x(), p);
          const i = map.inverse(f.out, p);
          expect(tf.max(tf.abs(tf.sub(i.out, x()))).dataSync()[0]).toBeLessThan(1e-3);
          const sum = tf.add(f.logAbsDeriv, i.logAbsDeriv);
          expect(tf.max(tf.abs(sum)).dataSync()[0]).toBeLessThan(1e-3);
        });
        expect(tf.memory().numTensors).toBe(before);
      });

      it('forward log-derivative is log |dy/dx| (autodiff)', () =>
        tf.tidy(() => {
          const p = raw(map.paramsPerDim);
          const dydx = tf.grad((v: tf.Tensor) => tf.sum(map.forward(v as Batch, p).out))(x());
          const logAbs = map.forward(x(), p).logAbsDeriv;
          const err = tf.max(tf.abs(tf.sub(logAbs, tf.log(tf.abs(dydx)))));
          expect(err.dataSync()[0]).toBeLessThan(1e-3);
          expect(Array.from(tf.sign(dydx).dataSync()).every((s) => s > 0)).toBe(true);
        }));

      it('initialOutput is the identity', () =>
        tf.tidy(() => {
          const init = map.initialOutput ?? new Array<number>(map.paramsPerDim).fill(0);
          expect(init).toHaveLength(map.paramsPerDim);
          const p = tf.broadcastTo(tf.tensor1d([...init]), [batch, d, map.paramsPerDim]);
          const f = map.forward(x(), p as tf.Tensor3D);
          expect(tf.max(tf.abs(tf.sub(f.out, x()))).dataSync()[0]).toBeLessThan(1e-5);
          expect(tf.max(tf.abs(f.logAbsDeriv)).dataSync()[0]).toBeLessThan(1e-5);
        }));
    });
  }

  it('rawComponent picks one slot as a [batch, d] batch', () =>
    tf.tidy(() => {
      const p = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
      expect(rawComponent(p, 1).shape).toEqual([2, 2]);
      expect(Array.from(rawComponent(p, 1).dataSync())).toEqual([2, 4, 6, 8]);
    }));

  it('splineMap refuses bad bins and bounds with a ValueError', () => {
    expect(() => splineMap({ bins: 1 })).toThrow(/bins/);
    expect(() => splineMap({ bound: -1 })).toThrow(/bound/);
  });
});
