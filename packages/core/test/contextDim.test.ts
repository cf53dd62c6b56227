import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import {
  BijectiveError,
  type TransformDef,
  chain,
  fixed,
  flow,
  logProb,
  sample,
  tf,
} from '../src/index.js';
import {
  affineTransform,
  contextProblem,
  reversePermutation,
  withContextDim,
} from '../src/entries/transforms.js';

/** A conditional shift `y = x + c` (`dim = contextDim = 2`), declaring its contextDim. */
const contextShift: TransformDef<readonly []> = {
  contextDim: 2,
  init: () => [],
  apply: () => ({
    forward: (x, c) => ({ y: tf.add(x, c!), logDet: tf.zeros([x.shape[0]]) }),
    inverse: (y, c) => ({ x: tf.sub(y, c!), logDet: tf.zeros([y.shape[0]]) }),
  }),
};

const thrown = (f: () => unknown): BijectiveError => {
  try {
    f();
  } catch (e) {
    if (e instanceof BijectiveError) return e;
    throw e;
  }
  throw new Error('expected a throw');
};

describe('TransformDef.contextDim', () => {
  it('chain derives it from its parts and refuses parts that disagree', () => {
    expect(chain(fixed(reversePermutation(2)), contextShift).contextDim).toBe(2);
    expect(chain(fixed(reversePermutation(2)), affineTransform(2)).contextDim).toBeUndefined();
    const e = thrown(() => chain(contextShift, withContextDim(affineTransform(2), 0)));
    expect(e.kind).toBe('ShapeError');
    expect(e.argument).toBe('chain');
    expect(e.message).toMatch(/contextDim 2 and 0/);
  });

  it('flow() refuses a contextDim that disagrees with its transform, and defaults to it', () => {
    const e = thrown(() => flow({ name: 'bad', dim: 2, contextDim: 3, transform: contextShift }));
    expect(e.kind).toBe('ShapeError');
    expect(e.argument).toBe('options.contextDim');
    expect(
      thrown(() => flow({ name: 'bad', dim: 2, contextDim: 0, transform: contextShift })).message,
    ).toBe('options.contextDim: expected 2 (the contextDim its transform declares), got 0');
    // Without options.contextDim the flow takes its transform's.
    const t = chain(contextShift, fixed(reversePermutation(2)));
    expect(flow({ name: 'ok', dim: 2, transform: t }).contextDim).toBe(2);
    expect(flow({ name: 'plain', dim: 2, transform: affineTransform(2) }).contextDim).toBe(0);
    expect(() => withContextDim(contextShift, 1)).toThrow(/contextDim/);
  });
});

describe('one context check, one error', () => {
  const def = flow({ name: 'shift', dim: 2, transform: contextShift });
  const params = def.init(0);
  const x = [[1, 2]];

  it('validated and raw calls give the same ShapeError for a missing or mis-shaped context', () => {
    const left = logProb(def, params, x);
    if (E.isRight(left)) throw new Error('expected a Left');
    const xt = tf.tensor2d(x);
    const raw = thrown(() => tf.tidy(() => def.apply(params).logProb(xt)));
    expect(raw.message).toBe(left.left.message);
    expect(raw.message).toBe('context: expected [1, 2] (one row per data row), got no context');
    const ct = tf.tensor2d([[1, 2, 3]]);
    const wide = logProb(def, params, x, ct);
    if (E.isRight(wide)) throw new Error('expected a Left');
    const rawWide = thrown(() => tf.tidy(() => def.apply(params).logProb(xt, ct)));
    expect(rawWide.message).toBe(wide.left.message);
    expect(rawWide.message).toBe(contextProblem(ct, 2, 1)!.message);
    const s = sample(def, params, 3);
    if (E.isRight(s)) throw new Error('expected a Left');
    expect(s.left.message).toBe('context: expected [3, 2] (one row per data row), got no context');
    tf.dispose([xt, ct]);
  });
});
