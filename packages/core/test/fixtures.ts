import { diagNormal, flow, tf } from '../src/index.js';
import { affineTransform } from '../src/entries/transforms.js';
import { tfSeed } from '../src/entries/params.js';

/** `n` rows of N((1, −2), diag(0.5², 3²)), fixed by `seed`: data whose maximum-likelihood fit is known. */
export const gaussianData = (n: number, seed: number): tf.Tensor2D =>
  tf.tidy(() =>
    tf.add(tf.mul(tf.randomNormal([n, 2], 0, 1, 'float32', tfSeed(seed)), [0.5, 3]), [1, -2]),
  ) as tf.Tensor2D;

/** A learnable affine map over a learnable diagonal normal: the flow the training tests fit. */
export const gaussianFlow = flow({
  name: 'gaussian',
  dim: 2,
  transform: affineTransform(2),
  base: diagNormal(2),
});
