import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import type { Bijection, PerRow } from '../bijection.js';
import { type BijectiveError, valueError } from '../errors.js';
import type { TransformDef } from '../transform.js';

/** Options of {@link affine}: one shift and one positive scale per dimension. */
export interface AffineOptions {
  readonly shift: readonly number[];
  readonly scale: readonly number[];
}

/**
 * A fixed elementwise affine map `y = (x - shift) / scale` — the forward
 * (data → base) direction standardizes — with
 * `log|det J| = -Σ log scaleᵢ`. Returns `Left(ValueError)` for a
 * non-positive or non-finite scale, or a shift/scale length mismatch.
 *
 * @example
 * ```ts
 * const standardize = affine({ shift: mean, scale: std }); // Either<BijectiveError, Bijection>
 * ```
 */
export const affine = (options: AffineOptions): E.Either<BijectiveError, Bijection> => {
  const { shift, scale } = options;
  if (shift.length !== scale.length)
    return E.left(
      valueError(
        'options.scale',
        `${shift.length} values (one per shift)`,
        `${scale.length} values`,
      ),
    );
  const bad = scale.findIndex((s) => !(Number.isFinite(s) && s > 0));
  if (bad >= 0)
    return E.left(
      valueError(`options.scale[${bad}]`, 'a positive finite scale', String(scale[bad])),
    );
  const logDetValue = -scale.reduce((a, s) => a + Math.log(s), 0);
  return E.right({
    forward: (x) => ({
      y: tf.div(tf.sub(x, tf.tensor1d(shift as number[])), tf.tensor1d(scale as number[])),
      logDet: tf.fill([x.shape[0]], logDetValue) as PerRow,
    }),
    inverse: (y) => ({
      x: tf.add(tf.mul(y, tf.tensor1d(scale as number[])), tf.tensor1d(shift as number[])),
      logDet: tf.fill([y.shape[0]], -logDetValue) as PerRow,
    }),
  });
};

/** Parameters of {@link affineTransform}. */
export type AffineParams = {
  readonly shift: tf.Tensor1D;
  readonly logScale: tf.Tensor1D;
};

/**
 * A learnable elementwise affine map `y = (x - shift) ⊙ exp(-logScale)`
 * (forward standardizes; initialised to the identity), `log|det J| = -Σ logScale`.
 * With a standard normal base it is exactly a diagonal Gaussian model.
 *
 * @example
 * ```ts
 * const def = flow({ name: 'gaussian', dim: 2, transform: affineTransform(2) });
 * ```
 */
export const affineTransform = (dim: number): TransformDef<AffineParams> => ({
  init: () => ({ shift: tf.zeros([dim]), logScale: tf.zeros([dim]) }),
  apply: ({ shift, logScale }) => ({
    forward: (x) => ({
      y: tf.mul(tf.sub(x, shift), tf.exp(tf.neg(logScale))),
      logDet: tf.mul(tf.neg(tf.sum(logScale)), tf.ones([x.shape[0]])) as PerRow,
    }),
    inverse: (y) => ({
      x: tf.add(tf.mul(y, tf.exp(logScale)), shift),
      logDet: tf.mul(tf.sum(logScale), tf.ones([y.shape[0]])) as PerRow,
    }),
  }),
});
