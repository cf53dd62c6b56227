import { describe, it } from 'vitest';
import { tf } from '@bijective/core';
import { type ElementMap, rawComponent } from '@bijective/core/transforms';
import { checkBijection } from '@bijective/core/testing';
import { coupling } from '../src/layers.js';

// An element map written once, outside core and this package (y = x · exp(a), one raw
// parameter per coordinate), becomes a layer of this family with no other code: the shared
// checker verifies round trip, log-det against a brute-force Jacobian, gradients, context, leaks.
const scaleMap: ElementMap = {
  paramsPerDim: 1,
  forward: (x, raw) => {
    const a = rawComponent(raw, 0);
    return { out: tf.mul(x, tf.exp(a)), logAbsDeriv: a };
  },
  inverse: (y, raw) => {
    const a = rawComponent(raw, 0);
    return { out: tf.mul(y, tf.exp(tf.neg(a))), logAbsDeriv: tf.neg(a) };
  },
};

describe('a new element map gives a coupling layer', () => {
  it('passes the shared checker', () =>
    checkBijection(
      coupling({ dim: 3, contextDim: 2, hidden: [8], lastLayerScale: 0.5 }, scaleMap),
      {
        dim: 3,
        contextDim: 2,
      },
    ));
});
