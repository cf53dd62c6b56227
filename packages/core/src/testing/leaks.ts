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

/** The engine's tensor count and the active backend's buffer count, for {@link leakProblems}. */
export type LeakSnapshot = { readonly tensors: number; readonly buffers: number };

/** Take a {@link LeakSnapshot} of the active backend now. */
export const leakSnapshot = (): LeakSnapshot => ({
  tensors: tf.memory().numTensors,
  buffers: tf.backend().numDataIds(),
});

/**
 * What leaked since `before` on the active backend: tensors the engine still tracks and buffers the
 * backend still holds (a kernel that allocates outside the engine leaks the second kind only).
 *
 * @example
 * ```ts
 * const before = leakSnapshot();
 * runKernelUnderTest();
 * problems.push(...leakProblems('case 1', before));
 * ```
 */
export const leakProblems = (label: string, before: LeakSnapshot): string[] => {
  const now = leakSnapshot();
  return [
    ...(now.tensors === before.tensors
      ? []
      : [`${label}: ${now.tensors - before.tensors} tensors leaked`]),
    ...(now.buffers === before.buffers
      ? []
      : [`${label}: ${now.buffers - before.buffers} backend buffers leaked`]),
  ];
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
