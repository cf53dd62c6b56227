import * as E from 'fp-ts/lib/Either.js';
import { disposeParams, logProb, tf } from '@bijective/core';
import { mapParams, tfSeed } from '@bijective/core/params';
import { describe, expect, it } from 'vitest';
import { realNVP } from '../src/index.js';

describe('realNVP at the edge of float32', () => {
  it('logProb at ±3e38 with trained-like parameters is a Left, not NaN inside a Right', () => {
    const before = tf.memory().numTensors;
    const def = realNVP({ dim: 2 });
    const init = def.init(0);
    // Away from initialisation the networks' products overflow to Infinity - Infinity = NaN there.
    const p = mapParams(init, (t, path) =>
      tf.tidy(() => tf.add(t, tf.randomNormal(t.shape, 0, 0.3, 'float32', tfSeed(path.length)))),
    );
    disposeParams(init);
    const r = logProb(def, p, [
      [0, 0],
      [3e38, 0],
      [-3e38, 0],
    ]);
    expect(E.isLeft(r) && r.left.message).toMatch(/NaN or \+Infinity in 2 row\(s\), first row 1/);
    const ok = logProb(def, p, [[0.5, -0.5]]);
    expect(E.isRight(ok)).toBe(true);
    if (E.isRight(ok)) ok.right.dispose();
    disposeParams(p);
    expect(tf.memory().numTensors).toBe(before);
  });
});
