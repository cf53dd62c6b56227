import { tf } from '../tf.js';

/**
 * Run `fn` `n` times (awaiting it if async) and throw unless
 * `tf.memory().numTensors` is back to where it started. Whatever `fn`
 * returns is disposed if it is a tensor container, so `fn` may return results.
 *
 * @example
 * ```ts
 * await expectNoLeaks(() => sample(def, params, 10), 100);
 * ```
 */
export const expectNoLeaks = async (fn: () => unknown, n = 1): Promise<void> => {
  const before = tf.memory().numTensors;
  for (let i = 0; i < n; i++) {
    const out = await fn();
    disposeDeep(out);
  }
  const after = tf.memory().numTensors;
  if (after !== before)
    throw new Error(
      `tensor leak: ${after - before} tensors left after ${n} run(s) (${before} → ${after})`,
    );
};

/** Dispose every tensor found in a value (objects, arrays, Either-like `{ right }`). */
export const disposeDeep = (value: unknown, seen = new Set<unknown>()): void => {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (!value.isDisposed) value.dispose();
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  for (const v of Object.values(value)) disposeDeep(v, seen);
};
