import { tf } from './tf.js';

/** Rows of a `[batch]` tensor whose value is NaN or +Infinity (−Infinity, a zero density, is fine). */
export const invalidDensityRows = (logProb: tf.Tensor1D): number[] => {
  const bad = tf.tidy(() =>
    tf.logicalOr(tf.isNaN(logProb), tf.equal(logProb, Number.POSITIVE_INFINITY)),
  );
  const flags = bad.dataSync();
  bad.dispose();
  const rows: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i] !== 0) rows.push(i);
  return rows;
};
