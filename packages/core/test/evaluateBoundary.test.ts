import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  MAX_SAMPLE_VALUES,
  chain,
  diagNormal,
  disposeParams,
  fixed,
  flow,
  logProb,
  sample,
  sampleAndLogProb,
  tf,
} from '../src/index.js';
import { affineTransform, elementwise } from '../src/entries/transforms.js';
import { splineTransform } from '../src/entries/spline.js';
import { checkParamsMatch } from '../src/entries/params.js';
import { gaussianFlow } from './fixtures.js';

const other = flow({ name: 'spline', dim: 2, transform: splineTransform(2), base: diagNormal(2) });

describe('evaluation returns a Left for every failure it can have', () => {
  it("another definition's parameters are a ShapeError naming the first leaf that differs", () => {
    const before = tf.memory().numTensors;
    const wrong = other.init(0);
    const r = logProb(gaussianFlow, wrong as unknown as ReturnType<typeof gaussianFlow.init>, [
      [0, 0],
    ]);
    expect(E.isLeft(r) && r.left.kind).toBe('ShapeError');
    expect(E.isLeft(r) && r.left.argument).toMatch(/^params/);
    const s = sample(gaussianFlow, wrong as unknown as ReturnType<typeof gaussianFlow.init>, 3);
    expect(E.isLeft(s) && s.left.argument).toMatch(/^params/);
    disposeParams(wrong);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('disposed parameters are a ShapeError, not a tfjs throw', () => {
    const p = gaussianFlow.init(0);
    disposeParams(p);
    const r = logProb(gaussianFlow, p, [[0, 0]]);
    expect(E.isLeft(r) && r.left.message).toMatch(/a disposed tensor/);
  });

  it("checkParamsMatch accepts the definition's own tree", () => {
    const p = gaussianFlow.init(3);
    expect(E.isRight(checkParamsMatch(gaussianFlow, p))).toBe(true);
    disposeParams(p);
  });

  it('sample refuses counts beyond MAX_SAMPLE_VALUES and non-integers', () => {
    const p = gaussianFlow.init(0);
    const huge = sample(gaussianFlow, p, 1e10);
    expect(E.isLeft(huge) && huge.left.argument).toBe('n');
    expect(E.isLeft(sample(gaussianFlow, p, MAX_SAMPLE_VALUES / 2 + 1))).toBe(true);
    expect(E.isLeft(sampleAndLogProb(gaussianFlow, p, 2.5))).toBe(true);
    disposeParams(p);
  });

  it('NaN log-densities are a Left; -Infinity (zero density) is an answer', () => {
    const before = tf.memory().numTensors;
    // log x is NaN for negative x and -Infinity at 0: a transform that cannot evaluate part of the plane.
    const log = elementwise(
      (x) => ({ out: tf.log(x), logAbsDeriv: tf.neg(tf.log(x)) }),
      (y) => ({ out: tf.exp(y), logAbsDeriv: y }),
    );
    const def = flow({
      name: 'log',
      dim: 1,
      transform: chain(fixed(log), affineTransform(1)),
      base: diagNormal(1),
    });
    const p = def.init(0);
    const nan = logProb(def, p, [[1], [-1]]);
    expect(E.isLeft(nan) && nan.left.message).toMatch(
      /NaN or \+Infinity in 1 row\(s\), first row 1/,
    );
    const ok = logProb(def, p, [[1], [2]]);
    expect(E.isRight(ok)).toBe(true);
    if (E.isRight(ok)) ok.right.dispose();
    disposeParams(p);
    expect(tf.memory().numTensors).toBe(before);
  });
});
