import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '@bijective/core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import {
  MAX_RETAINED_BYTES,
  MIN_RECYCLED_LENGTH,
  float32Output,
  outputRecyclingStats,
  withOutputRecycling,
} from '../src/kernels/outputStorage.js';
import { SKIP_REASON, addonBuilt, setupNative, uniform } from './helpers.js';

const N = MIN_RECYCLED_LENGTH;
const nativeStorage = (): MathBackendCPU => tf.engine().findBackend('native') as MathBackendCPU;
const reused = (): number => outputRecyclingStats(nativeStorage()).reused;
/** A native Add whose output has `n` elements (recyclable when n >= MIN_RECYCLED_LENGTH). */
const nativeAdd = (n: number, seed: number): tf.Tensor =>
  tf.tidy(() => tf.add(tf.tensor1d(uniform(n, seed)), tf.tensor1d(uniform(n, seed + 1))));
const expectedAdd = (n: number, seed: number): Float32Array => {
  const a = uniform(n, seed);
  const b = uniform(n, seed + 1);
  return a.map((v, i) => Math.fround(v + b[i]!));
};

describe.skipIf(!addonBuilt)(
  `native output arrays are recycled on dispose only when no one else can see them${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    beforeAll(async () => {
      await setupNative();
      await tf.setBackend('native');
    });

    it('a disposed output is reused for the next output of the same length, with correct values', () => {
      const before = tf.memory().numTensors;
      nativeAdd(N, 1).dispose();
      const r0 = reused();
      const t = nativeAdd(N, 3);
      expect(reused()).toBe(r0 + 1);
      expect(t.dataSync()).toEqual(expectedAdd(N, 3));
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('outputs below the threshold are plain allocations', () => {
      nativeAdd(N - 1, 5).dispose();
      const r0 = reused();
      nativeAdd(N - 1, 7).dispose();
      expect(reused()).toBe(r0);
    });

    it('an output read with dataSync() keeps its array after dispose', () => {
      const t = nativeAdd(N, 11);
      const seen = t.dataSync();
      t.dispose();
      const other = nativeAdd(N, 13);
      expect(seen).toEqual(expectedAdd(N, 11));
      other.dispose();
    });

    it('an output read with await data() keeps its array after dispose', async () => {
      const t = nativeAdd(N, 17);
      const seen = await t.data();
      t.dispose();
      const other = nativeAdd(N, 19);
      expect(seen).toEqual(expectedAdd(N, 17));
      other.dispose();
    });

    it('an output that a cpu kernel views in place (Unpack → simple slice) is never reused', () => {
      const x = tf.tidy(() => tf.reshape(nativeAdd(N, 23), [2, N / 2]));
      const [row0, row1] = tf.unstack(x);
      x.dispose();
      const other = nativeAdd(N, 29);
      expect(row0!.dataSync()).toEqual(expectedAdd(N, 23).slice(0, N / 2));
      expect(row1!.dataSync()).toEqual(expectedAdd(N, 23).slice(N / 2));
      tf.dispose([row0!, row1!, other]);
    });

    it('an output kept by a second handle (clone) is reused only after the last one is disposed', () => {
      const t = nativeAdd(N, 31);
      const c = t.clone();
      t.dispose();
      const other = nativeAdd(N, 37);
      expect(c.dataSync()).toEqual(expectedAdd(N, 31));
      tf.dispose([c, other]);
    });

    it('a reused array comes back zero-filled, like new Float32Array', () => {
      const backend = nativeStorage();
      const a = float32Output(backend, N);
      a.fill(7);
      const info = backend.makeTensorInfo([N], 'float32', a);
      backend.disposeData(info.dataId);
      const r0 = reused();
      const b = float32Output(backend, N);
      expect(reused()).toBe(r0 + 1);
      expect(b).toBe(a);
      expect(b.every((v) => v === 0)).toBe(true);
    });

    it('a full budget gives way to newer lengths, oldest first; an array over the budget is not kept', () => {
      const backend = withOutputRecycling(new MathBackendCPU());
      const n = MAX_RETAINED_BYTES / 4 / 4; // four arrays fill the budget
      const output = (length: number) => {
        const values = float32Output(backend, length);
        return { values, info: backend.makeTensorInfo([length], 'float32', values) };
      };
      // A first model's four outputs fill the budget.
      const old = Array.from({ length: 4 }, () => output(n));
      for (const o of old) backend.disposeData(o.info.dataId);
      expect(outputRecyclingStats(backend).retainedBytes).toBe(MAX_RETAINED_BYTES);
      // The next model's output (another length) evicts the oldest, and is the one reused next.
      const next = output(n - 1);
      backend.disposeData(next.info.dataId);
      expect(outputRecyclingStats(backend).retainedBytes).toBe(MAX_RETAINED_BYTES - 4);
      const r0 = outputRecyclingStats(backend).reused;
      // (identities compared as booleans: a matcher would print or walk 16 MB of contents)
      expect(float32Output(backend, n - 1) === next.values).toBe(true);
      // Of the first model's, the three newest are still there, the oldest is gone for good.
      const again = [1, 2, 3].map(() => float32Output(backend, n));
      const newest = old.slice(1).map((o) => o.values);
      expect(new Set(again).size).toBe(3);
      expect(again.every((a) => newest.includes(a))).toBe(true);
      expect(outputRecyclingStats(backend).reused).toBe(r0 + 4);
      expect(float32Output(backend, n) === old[0]!.values).toBe(false);
      // One array larger than the whole budget is not kept, and evicts nothing.
      const kept = output(n);
      backend.disposeData(kept.info.dataId);
      const huge = output(MAX_RETAINED_BYTES / 4 + 1);
      backend.disposeData(huge.info.dataId);
      expect(outputRecyclingStats(backend).retainedBytes).toBe(n * 4);
      backend.dispose();
    });

    it('free arrays are bounded (MAX_RETAINED_BYTES) and dropped when the backend is disposed', () => {
      const backend = withOutputRecycling(new MathBackendCPU());
      const n = MAX_RETAINED_BYTES / 4 / 4; // four arrays fill the budget
      const infos = Array.from({ length: 6 }, () =>
        backend.makeTensorInfo([n], 'float32', float32Output(backend, n)),
      );
      for (const info of infos) backend.disposeData(info.dataId);
      expect(outputRecyclingStats(backend).retainedBytes).toBe(MAX_RETAINED_BYTES);
      backend.dispose();
      expect(outputRecyclingStats(backend).retainedBytes).toBe(0);
      const r0 = outputRecyclingStats(backend).reused;
      float32Output(backend, n);
      expect(outputRecyclingStats(backend).reused).toBe(r0);
    });
  },
);
