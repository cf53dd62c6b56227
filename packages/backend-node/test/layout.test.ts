import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@bijective/core';
import { SKIP_REASON, addonBuilt, agree, expectClose, runOn, setupNative } from './helpers.js';
import { uniformTensor as t, usesNative } from './setup.js';

/** `fn` agrees on native and cpu, and the addon's `name` ran. */
const nativeAgrees = (name: string, fn: () => tf.Tensor): Promise<void> =>
  usesNative(name, () => agree(fn));

describe.skipIf(!addonBuilt)(
  `native layout, comparison and gather kernels agree with tfjs-backend-cpu${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(setupNative);

    it('Slice: columns, rows, middle windows, rank 1-4', async () => {
      await nativeAgrees('copy', () => tf.slice(t([257, 3], 1), [0, 1], [-1, 1]));
      await nativeAgrees('copy', () => tf.slice(t([257, 3], 2), [5, 0], [17, -1]));
      await nativeAgrees('copy', () => tf.slice(t([17], 3), [4], [9]));
      await nativeAgrees('copy', () => tf.slice(t([3, 17, 33], 4), [1, 2, 5], [2, 13, 27]));
      await nativeAgrees('copy', () => tf.slice(t([2, 3, 5, 7], 5), [1, 0, 2, 3], [1, 3, 2, 4]));
      await agree(() => tf.slice(t([4, 5], 6), [1, 2], [0, 2])); // empty
      await agree(() => tf.slice(tf.tensor([1, 2, 3, 4], [2, 2], 'int32'), [0, 1], [2, 1]));
    });

    it('SplitV: equal and uneven pieces along every axis', async () => {
      const pieces = (fn: () => tf.Tensor[]) => async () => {
        for (let i = 0; ; i++) {
          const cpu = await runOn('cpu', () => fn()[i] ?? tf.scalar(0));
          const native = await runOn('native', () => fn()[i] ?? tf.scalar(0));
          expectClose(native, cpu);
          if (i >= 3) break;
        }
      };
      await usesNative(
        'copy',
        pieces(() => tf.split(t([33, 6], 7), 3, 1)),
      );
      await usesNative(
        'copy',
        pieces(() => tf.split(t([33, 17], 8), [1, 7, 9], 1)),
      );
      await usesNative(
        'copy',
        pieces(() => tf.split(t([6, 17, 3], 9), [2, 4], 0)),
      );
      await usesNative(
        'copy',
        pieces(() => tf.split(t([3, 17, 5], 10), [3, 13, 1], 1)),
      );
    });

    it('Transpose: 2-d and permuted 3-d/4-d', async () => {
      await nativeAgrees('copy', () => tf.transpose(t([17, 33], 11)));
      await nativeAgrees('copy', () => tf.transpose(t([3, 17, 33], 12), [2, 0, 1]));
      await nativeAgrees('copy', () => tf.transpose(t([3, 17, 33], 13), [0, 2, 1]));
      await nativeAgrees('copy', () => tf.transpose(t([2, 3, 5, 7], 14), [3, 1, 0, 2]));
      await agree(() => tf.transpose(tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32')));
    });

    it('Concat along every axis, with uneven and empty inputs', async () => {
      await nativeAgrees('copy', () => tf.concat([t([17, 1], 15), t([17, 3], 16)], 1));
      await nativeAgrees('copy', () => tf.concat([t([3, 5], 17), t([7, 5], 18), t([1, 5], 19)], 0));
      await nativeAgrees('copy', () => tf.concat([t([2, 3, 5], 20), t([2, 4, 5], 21)], 1));
      await nativeAgrees('copy', () => tf.concat([t([2, 3, 5], 22), t([2, 3, 0], 23)], 2));
      await nativeAgrees('copy', () => tf.concat([t([257], 24), t([33], 25)]));
      await agree(() =>
        tf.concat([tf.tensor([1, 2], [1, 2], 'int32'), tf.tensor([3, 4], [1, 2], 'int32')], 0),
      );
    });

    it('PadV2 (the gradient of Slice) with constants', async () => {
      await nativeAgrees('copy', () =>
        tf.pad(t([17, 3], 26), [
          [2, 5],
          [0, 1],
        ]),
      );
      await nativeAgrees('copy', () =>
        tf.pad(
          t([3, 4, 5], 27),
          [
            [1, 0],
            [0, 2],
            [3, 1],
          ],
          1.5,
        ),
      );
      await nativeAgrees('copy', () => tf.pad(t([7], 28), [[0, 0]]));
    });

    it('Tile: every rank-2/3 repetition pattern', async () => {
      await nativeAgrees('copy', () => tf.tile(t([1, 17], 29), [33, 1]));
      await nativeAgrees('copy', () => tf.tile(t([3, 5], 30), [2, 3]));
      await nativeAgrees('copy', () => tf.tile(t([3, 1, 5], 31), [1, 4, 2]));
      await nativeAgrees('copy', () => tf.tile(t([17], 32), [3]));
    });

    it('Softmax over the last axis, with large logits and odd sizes', async () => {
      await nativeAgrees('softmax', () => tf.softmax(t([257, 9], 33, -5, 5)));
      await nativeAgrees('softmax', () => tf.softmax(t([1, 1], 34)));
      await nativeAgrees('softmax', () => tf.softmax(t([3, 17, 33], 35, -80, 80)));
      await nativeAgrees('softmax', () => tf.softmax(t([300, 257], 36, -3, 3))); // thread pool
    });

    const comparisons: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['Greater', tf.greater],
      ['GreaterEqual', tf.greaterEqual],
      ['Less', tf.less],
      ['LessEqual', tf.lessEqual],
      ['Equal', tf.equal],
      ['NotEqual', tf.notEqual],
    ];
    for (const [name, op] of comparisons) {
      it(`${name} with broadcasting, ties and NaN`, async () => {
        // Values on a coarse grid so ties (Equal, GreaterEqual) actually happen.
        const g = (shape: number[], seed: number): tf.Tensor => tf.round(t(shape, seed, -3, 3));
        await nativeAgrees('compare', () => op(g([33, 17], 37), g([17], 38)));
        await nativeAgrees('compare', () => op(g([33, 1], 39), g([1, 17], 40)));
        await nativeAgrees('compare', () => op(g([257], 41), g([257], 42)));
        await nativeAgrees('compare', () =>
          op(tf.tensor([1, Number.NaN, 3]), tf.tensor([1, 1, Number.NaN])),
        );
        await agree(() => op(tf.tensor([1, 2, 3], [3], 'int32'), tf.tensor([2], [1], 'int32')));
      });
    }

    it('Select (tf.where) with a bool condition', async () => {
      await nativeAgrees('select', () =>
        tf.where(tf.greaterEqual(t([33, 17], 43), 0), t([33, 17], 44), t([33, 17], 45)),
      );
      // tf.where broadcasts the condition before the kernel runs.
      await nativeAgrees('select', () =>
        tf.where(tf.greater(t([33, 1], 46), 0), t([33, 17], 47), t([17], 48)),
      );
    });

    it('GatherV2 along every axis; out-of-range indices still throw', async () => {
      const idx = (v: number[]): tf.Tensor => tf.tensor(v, [v.length], 'int32');
      await nativeAgrees('gather', () => tf.gather(t([17, 5], 49), idx([3, 0, 16, 3]), 0));
      await nativeAgrees('gather', () => tf.gather(t([17, 5], 50), idx([4, 1]), 1));
      await nativeAgrees('gather', () => tf.gather(t([3, 17, 5], 51), idx([2, 2, 0, 16]), 1));
      await nativeAgrees('gather', () =>
        tf.gather(
          t([17, 5], 52),
          tf.tensor(
            [
              [1, 2],
              [3, 4],
            ],
            [2, 2],
            'int32',
          ),
          0,
        ),
      );
      await tf.setBackend('native');
      expect(() => tf.tidy(() => tf.gather(t([4, 2], 53), idx([4]), 0))).toThrow();
    });

    it('Cumsum along the last axis (exclusive, reverse) and other axes (cpu)', async () => {
      for (const exclusive of [false, true]) {
        for (const reverse of [false, true]) {
          await nativeAgrees('cumsum', () => tf.cumsum(t([33, 17], 54), 1, exclusive, reverse));
          await nativeAgrees('cumsum', () => tf.cumsum(t([257], 55), 0, exclusive, reverse));
        }
      }
      await agree(() => tf.cumsum(t([33, 17], 56), 0));
    });

    it('Step (Relu gradient mask, leaky alpha) and ClipByValue, NaN kept', async () => {
      const edge = tf.tensor([0, -0, 1e-30, -1e-30, Number.NaN, 3, -3, 0.5]);
      await nativeAgrees('unaryParam', () => tf.step(t([257, 33], 60)));
      await nativeAgrees('unaryParam', () => tf.step(t([17], 61), 0.25));
      await nativeAgrees('unaryParam', () => tf.step(edge.clone()));
      await nativeAgrees('unaryParam', () => tf.clipByValue(t([257, 33], 62, -3, 3), -1, 0.7));
      await nativeAgrees('unaryParam', () => tf.clipByValue(edge.clone(), -1e-30, 0.1));
      edge.dispose();
    });

    it('gradients through slice, concat, gather, softmax, where and cumsum agree with cpu', async () => {
      const loss = (x: tf.Tensor): tf.Scalar => {
        const a = tf.slice(x, [0, 1], [-1, 3]);
        const b = tf.concat([a, tf.transpose(tf.slice(x, [0, 0], [3, -1]))], 0);
        const s = tf.softmax(tf.tile(b, [1, 2]));
        const c = tf.cumsum(tf.gather(s, tf.tensor([0, 2, 2], [3], 'int32'), 1), 1);
        const w = tf.where(tf.greaterEqual(c, 0.5), tf.square(c), tf.mul(tf.relu(c), 3));
        const [p, q] = tf.split(w, [1, 2], 1);
        return tf.add(
          tf.sum(tf.mul(p ?? w, 2)),
          tf.sum(
            tf.pad(
              q ?? w,
              [
                [1, 0],
                [0, 2],
              ],
              1,
            ),
          ),
        );
      };
      const g = (): tf.Tensor => tf.grad(loss)(t([17, 5], 57));
      await agree(g);
    });

    it('no tensors leak on native (numTensors returns to baseline)', async () => {
      await tf.setBackend('native');
      const x = t([33, 6], 58);
      const baseline = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        tf.tidy(() => {
          const parts = tf.split(x, 3, 1);
          const c = tf.concat([tf.slice(x, [0, 1], [-1, 2]), tf.transpose(tf.transpose(x))], 1);
          const s = tf.softmax(tf.tile(c, [2, 1]));
          return tf.add(
            tf.where(
              tf.less(s, 0.1),
              tf.cumsum(s, 1),
              tf.pad(tf.gather(s, tf.tensor([1, 0], [2], 'int32'), 0), [
                [32, 32],
                [0, 0],
              ]),
            ),
            tf.sum(parts[0] ?? x),
          );
        }).dispose();
      }
      expect(tf.memory().numTensors).toBe(baseline);
      x.dispose();
    });
  },
);
