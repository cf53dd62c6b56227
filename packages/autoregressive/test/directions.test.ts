import { describe, expect, it } from 'vitest';
import { type Batch, disposeParams, tf } from '@bijective/core';
import { softClamp } from '@bijective/core/nn';
import {
  affineAutoregressive,
  inverseAffineAutoregressive,
  inverseSplineAutoregressive,
  splineAutoregressive,
} from '../src/layers.js';
import { perturbed } from './helpers.js';

// MAF's sequential inverse (dim passes) must undo its parallel forward, and IAF's sequential
// forward must undo its parallel inverse. Float32 tolerance: each MADE pass rounds at ~1e-7
// relative, and the recovered coordinates feed later passes, so errors compound over dim = 6
// passes and are scaled by exp(|log s|) ≤ e^2 here: atol 1e-4 on values of size ~1–10.
const dim = 6;
const tol = 1e-4;

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('sequential and parallel directions agree', () => {
  for (const c of [0, 2]) {
    it(`MAF: inverse (sequential) ∘ forward (parallel) = id, log-dets opposite (context ${c})`, () => {
      const def = affineAutoregressive({
        dim,
        contextDim: c,
        hidden: [16, 16],
        ordering: { random: 1 },
      });
      const params = perturbed(def.init(0), 1, 0.3);
      const [x, ctx] = [
        tf.randomNormal([32, dim], 0, 1, 'float32', 2) as Batch,
        tf.randomNormal([32, 2], 0, 1, 'float32', 3) as Batch,
      ];
      const context = c > 0 ? ctx : undefined;
      const [dx, dld, moved] = tf.tidy(() => {
        const b = def.apply(params);
        const f = b.forward(x, context);
        const i = b.inverse(f.y, context);
        return [maxAbsDiff(i.x, x), maxAbsDiff(i.logDet, tf.neg(f.logDet)), maxAbsDiff(f.y, x)];
      });
      expect(moved).toBeGreaterThan(0.1); // the layer is far from the identity
      expect(dx).toBeLessThan(tol);
      expect(dld).toBeLessThan(tol);
      disposeParams(params);
      tf.dispose([x, ctx]);
    });

    it(`IAF: forward (sequential) ∘ inverse (parallel) = id, and IAF is MAF with directions swapped (context ${c})`, () => {
      const options = { dim, contextDim: c, hidden: [16, 16], ordering: 'reversed' as const };
      const iafLayer = inverseAffineAutoregressive(options);
      const mafLayer = affineAutoregressive(options);
      const params = perturbed(iafLayer.init(0), 4, 0.3);
      const [z, ctx] = [
        tf.randomNormal([32, dim], 0, 1, 'float32', 5) as Batch,
        tf.randomNormal([32, 2], 0, 1, 'float32', 6) as Batch,
      ];
      const context = c > 0 ? ctx : undefined;
      const [dz, dld, swapX, swapLd] = tf.tidy(() => {
        const b = iafLayer.apply(params);
        const s = b.inverse(z, context); // one pass
        const f = b.forward(s.x, context); // dim passes
        const m = mafLayer.apply(params).forward(z, context);
        return [
          maxAbsDiff(f.y, z),
          maxAbsDiff(f.logDet, tf.neg(s.logDet)),
          maxAbsDiff(m.y, s.x),
          maxAbsDiff(m.logDet, s.logDet),
        ];
      });
      expect(dz).toBeLessThan(tol);
      expect(dld).toBeLessThan(tol);
      expect(swapX).toBe(0); // same parameters, same computation
      expect(swapLd).toBe(0);
      disposeParams(params);
      tf.dispose([z, ctx]);
    });
  }

  it('spline layers: sequential and parallel directions agree in both the MAF and IAF forms', () => {
    const options = { dim, hidden: [16, 16], bins: 8, bound: 4, ordering: { random: 9 } };
    for (const def of [splineAutoregressive(options), inverseSplineAutoregressive(options)]) {
      const params = perturbed(def.init(0), 7, 0.1);
      const x = tf.randomNormal([32, dim], 0, 1.5, 'float32', 8) as Batch;
      const [dx, dld] = tf.tidy(() => {
        const b = def.apply(params);
        const f = b.forward(x);
        const i = b.inverse(f.y);
        return [maxAbsDiff(i.x, x), maxAbsDiff(i.logDet, tf.neg(f.logDet))];
      });
      expect(dx).toBeLessThan(tol);
      expect(dld).toBeLessThan(tol);
      disposeParams(params);
      x.dispose();
    }
  });

  it("zuko's soft clamp: ≈ a near 0, bounded by |log 1e-3| ≈ 6.91", () => {
    const v = tf.tidy(() => softClamp(tf.tensor1d([0, 1e-3, -1e-3, 50, -1e6])).arraySync());
    expect(v[0]).toBe(0);
    expect(v[1]).toBeCloseTo(1e-3, 6);
    expect(v[2]).toBeCloseTo(-1e-3, 6);
    expect(v[3]!).toBeCloseTo(50 / (1 + 50 / Math.log(1e3)), 4);
    expect(Math.abs(v[4]!)).toBeLessThan(Math.log(1e3));
    expect(v[4]!).toBeLessThan(-6.9);
  });
});
