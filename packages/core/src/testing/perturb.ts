import { tfSeed } from '../random.js';
import { tf } from '../tf.js';
import { type Params, mapParams, splitSeed } from '../params.js';

/**
 * New parameters `θ + σ·ε`, `ε ~ N(0, I)` drawn leaf by leaf from the seeds
 * `splitSeed(seed, first + k)` (`k` the leaf's index in tree order). The
 * checkers test perturbed parameters because many transforms start at the
 * identity, where a wrong log-det (0 for any sign) can hide. The input tree
 * is left alone; the caller disposes both.
 *
 * @example
 * ```ts
 * const initial = def.init(0);
 * const params = perturbParams(initial, 0.3, 0);
 * disposeParams(initial);
 * ```
 */
export const perturbParams = <P extends Params>(
  params: P,
  sigma: number,
  seed: number,
  first = 0,
): P => {
  let k = 0;
  return mapParams(params, (t) =>
    tf.tidy(() =>
      tf.add(
        t,
        tf.randomNormal(t.shape, 0, sigma, 'float32', tfSeed(splitSeed(seed, first + k++))),
      ),
    ),
  );
};
