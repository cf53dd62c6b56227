import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { flow, logProb, sample, sampleAndLogProb, tf, type Params } from '../src/index.js';
import { affine, affineTransform, permutation } from '../src/entries/transforms.js';
import { expectNoLeaks } from '../src/testing/index.js';

const def = flow({ name: 'g', dim: 2, transform: affineTransform(2) });
const cond = flow({ name: 'c', dim: 2, contextDim: 3, transform: affineTransform(2) });
const params = def.init(0);
const cparams = cond.init(0);

const leftOf = <T>(r: E.Either<{ kind: string; argument?: string; message: string }, T>) => {
  if (E.isRight(r)) throw new Error('expected a Left');
  return r.left;
};

describe('bad input gives typed errors naming the argument, expected and actual', () => {
  it('wrong rank', () => {
    const x = tf.zeros([2, 2, 2]);
    const e = leftOf(logProb(def, params, x));
    expect(e.kind).toBe('ShapeError');
    expect(e.argument).toBe('x');
    expect(e.message).toMatch(/rank 2.*got rank 3 \[2, 2, 2\]/);
    x.dispose();
  });
  it('wrong dim', () => {
    const e = leftOf(logProb(def, params, [[1, 2, 3]]));
    expect(e.message).toBe('x: expected [batch, 2], got [1, 3]');
  });
  it('ragged rows', () =>
    expect(leftOf(logProb(def, params, [[1, 2], [3]])).message).toMatch(/ragged/));
  it('empty batch', () =>
    expect(leftOf(logProb(def, params, [])).message).toMatch(/non-empty batch/));
  it('NaN and Infinity in data', () => {
    expect(
      leftOf(
        logProb(def, params, [
          [1, 2],
          [NaN, 0],
        ]),
      ).message,
    ).toBe('x: expected finite values, got NaN at row 1, column 0');
    const e = leftOf(logProb(def, params, [[1, Infinity]]));
    expect(e.kind).toBe('ValueError');
    expect(e.message).toMatch(/Infinity at row 0, column 1/);
  });
  it('missing, unexpected and mismatched context', () => {
    expect(leftOf(logProb(cond, cparams, [[1, 2]])).message).toMatch(
      /^context: expected \[1, 3\] \(one row per data row\), got no context$/,
    );
    expect(leftOf(logProb(def, params, [[1, 2]], [[1, 2, 3]])).message).toMatch(/unconditional/);
    expect(
      leftOf(
        logProb(
          cond,
          cparams,
          [
            [1, 2],
            [3, 4],
          ],
          [[1, 2, 3]],
        ),
      ).message,
    ).toMatch(/context: expected \[2, 3\]/);
    expect(leftOf(logProb(cond, cparams, [[1, 2]], [[1, 2]])).message).toMatch(
      /^context: expected \[1, 3\] \(one row per data row\), got \[1, 2\]$/,
    );
    expect(leftOf(sample(cond, cparams, 2, { context: [[1, 2, 3]] })).message).toMatch(/context/);
  });
  it('non-positive scale, bad permutation, bad sample count', () => {
    expect(leftOf(affine({ shift: [0, 0], scale: [1, 0] })).message).toBe(
      'options.scale[1]: expected a positive finite scale, got 0',
    );
    expect(leftOf(affine({ shift: [0], scale: [-2] })).kind).toBe('ValueError');
    expect(leftOf(permutation([0, 0, 1])).message).toMatch(/permutation of 0..2/);
    expect(leftOf(sample(def, params, 0)).message).toBe('n: expected a positive integer, got 0');
    expect(leftOf(sample(def, params, 2.5)).kind).toBe('ValueError');
  });
  it('int32 tensors are rejected rather than silently cast', () => {
    const x = tf.tensor2d([[1, 2]], [1, 2], 'int32');
    expect(leftOf(logProb(def, params, x)).message).toMatch(/float32/);
    x.dispose();
  });
});

describe('valid input', () => {
  it('logProb, sample and sampleAndLogProb agree and leak nothing', async () => {
    const r = sampleAndLogProb(cond, cparams, 4, {
      seed: 3,
      context: [
        [0, 1, 2],
        [1, 1, 1],
        [0, 0, 0],
        [2, 2, 2],
      ],
    });
    if (E.isLeft(r)) throw r.left;
    const again = logProb(cond, cparams, r.right.x, [
      [0, 1, 2],
      [1, 1, 1],
      [0, 0, 0],
      [2, 2, 2],
    ]);
    if (E.isLeft(again)) throw again.left;
    const a = Array.from(r.right.logProb.dataSync());
    Array.from(again.right.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(a[i]!, 4));
    tf.dispose([r.right.x, r.right.logProb, again.right]);
    await expectNoLeaks(() => logProb(def, params as Params, [[0.5, 1]]), 20);
    await expectNoLeaks(() => sample(def, params as Params, 3, { seed: 1 }), 20);
    await expectNoLeaks(() => logProb(def, params as Params, [[NaN, 1]]), 5);
  });
});
