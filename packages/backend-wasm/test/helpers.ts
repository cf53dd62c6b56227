import * as E from 'fp-ts/lib/Either.js';
import { type BackendPlugin, tf, useBackend } from '@bijective/core';
import { mulberry32 } from '@bijective/core/params';

/** `n` deterministic values uniform in [-1, 1). */
export const uniform = (seed: number, n: number): Float32Array => {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * rand() - 1);
};

/**
 * Norm-wise relative error ‖x − y‖∞ / ‖y‖∞. Element-wise relative error is
 * meaningless for entries that cancel to ~0 (float32 summation order differs
 * between backends), so we scale by the largest reference entry instead.
 */
export const relErr = (x: Float32Array, y: Float32Array): number => {
  if (x.length !== y.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / Math.max(scale, 1e-30);
};

/** Select `plugin`, run `fn` inside tidy, copy its outputs out and free them. */
export const onBackend = async (
  plugin: BackendPlugin,
  fn: () => tf.Tensor[],
): Promise<Float32Array[]> => {
  const r = await useBackend(plugin)();
  if (E.isLeft(r)) throw r.left;
  const outs = tf.tidy(fn);
  const values = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return values;
};
