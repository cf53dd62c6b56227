import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatAll } from 'fp-ts/lib/Monoid.js';
import { compose, disposeParams, identity, invert, tf, type Bijection } from '../src/index.js';
import {
  affineTransform,
  bijectionMonoid,
  exp,
  randomPermutation,
  sigmoid,
} from '../src/entries/transforms.js';
import { splineTransform } from '../src/entries/spline.js';
import { mapParams, tfSeed } from '../src/entries/params.js';

// Three non-trivial bijections on R^3 with random parameters.
const bijections = (seed: number): { parts: Bijection[]; dispose: () => void } => {
  const a = affineTransform(3);
  const s = splineTransform(3, { bound: 2 });
  const pa = mapParams(a.init(seed), (t) => tf.randomNormal(t.shape, 0, 0.5, 'float32', seed + 1));
  const ps = mapParams(s.init(seed), (t) => tf.randomNormal(t.shape, 0, 1, 'float32', seed + 2));
  return {
    parts: [a.apply(pa), s.apply(ps), compose(randomPermutation(3, seed), sigmoid())],
    dispose: () => {
      disposeParams(pa);
      disposeParams(ps);
    },
  };
};

const run = (b: Bijection, x: tf.Tensor2D, dir: 'forward' | 'inverse') =>
  tf.tidy(() => {
    const r = dir === 'forward' ? b.forward(x) : b.inverse(x);
    const out = 'y' in r ? r.y : r.x;
    return [out.arraySync(), r.logDet.arraySync()] as const;
  });

const expectSame = (
  a: Bijection,
  b: Bijection,
  x: tf.Tensor2D,
  dir: 'forward' | 'inverse' = 'forward',
) => {
  const [ya, la] = run(a, x, dir);
  const [yb, lb] = run(b, x, dir);
  ya.flat().forEach((v, i) => expect(v).toBeCloseTo(yb.flat()[i]!, 5));
  la.forEach((v, i) => expect(v).toBeCloseTo(lb[i]!, 4));
};

const seeds = fc.integer({ min: 0, max: 1e6 });
const opts = { numRuns: 8, seed: 7 };

describe('log-det algebra laws (property-based)', () => {
  it('compose is associative: (a∘b)∘c = a∘(b∘c), log-dets add either way', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const {
          parts: [a, b, c],
          dispose,
        } = bijections(seed);
        const x = tf.randomNormal([5, 3], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D;
        expectSame(compose(compose(a!, b!), c!), compose(a!, compose(b!, c!)), x);
        x.dispose();
        dispose();
      }),
      opts,
    );
  });

  it('identity is the unit on both sides, with zero log-det', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const {
          parts: [a],
          dispose,
        } = bijections(seed);
        const x = tf.randomNormal([4, 3], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D;
        expectSame(compose(identity, a!), a!, x);
        expectSame(compose(a!, identity), a!, x);
        expectSame(bijectionMonoid.concat(bijectionMonoid.empty, a!), a!, x);
        const [, ld] = run(identity, x, 'forward');
        expect(ld.every((v) => v === 0)).toBe(true);
        x.dispose();
        dispose();
      }),
      opts,
    );
  });

  it('invert(invert(b)) behaves as b in both directions', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const { parts, dispose } = bijections(seed);
        const x = tf.randomNormal([4, 3], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D;
        for (const b of parts.slice(0, 2)) {
          expectSame(invert(invert(b)), b, x, 'forward');
          expectSame(invert(invert(b)), b, x, 'inverse');
        }
        x.dispose();
        dispose();
      }),
      opts,
    );
  });

  it('compose(b, invert(b)) is the identity with zero log-det', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const { parts, dispose } = bijections(seed);
        const x = tf.randomNormal([6, 3], 0, 1, 'float32', tfSeed(seed)) as tf.Tensor2D;
        const b = compose(parts[0]!, parts[1]!);
        const [y, ld] = run(compose(b, invert(b)), x, 'forward');
        const xs = x.arraySync();
        // float32: a spline with random parameters round-trips to ~1e-4 (steep bins amplify rounding).
        y.flat().forEach((v, i) => expect(Math.abs(v - xs.flat()[i]!)).toBeLessThan(5e-4));
        ld.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-3));
        x.dispose();
        dispose();
      }),
      opts,
    );
  });

  it('the monoid folds a list like compose', () => {
    const { parts, dispose } = bijections(3);
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    expectSame(concatAll(bijectionMonoid)(parts), compose(...parts), x);
    expectSame(concatAll(bijectionMonoid)([]), identity, x);
    x.dispose();
    dispose();
  });

  it('invert negates log-dets: invert(exp).forward(y) = -exp.forward(x) at y = exp(x)', () => {
    const x = tf.tensor2d([[0.3, -1.2]]);
    const [y, ld] = run(exp(), x, 'forward');
    const yt = tf.tensor2d(y);
    const [, ldInv] = run(invert(exp()), yt, 'forward');
    expect(ldInv[0]).toBeCloseTo(-ld[0]!, 5);
    x.dispose();
    yt.dispose();
  });
});
