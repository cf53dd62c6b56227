import type { Batch, PerRow } from './bijection.js';
import type { Params, Parametrized } from './params.js';

/**
 * A base density on `R^dim`. `logProb` takes `[batch, dim]` and returns
 * `[batch]`; `sample(n, seed)` returns `[n, dim]` and is reparameterized
 * (differentiable in the parameters) wherever the family allows it.
 * Pure tensor functions: call them inside `tf.tidy`.
 */
export interface Distribution {
  readonly dim: number;
  readonly logProb: (z: Batch, context?: Batch) => PerRow;
  readonly sample: (n: number, seed: number, context?: Batch) => Batch;
  /**
   * Optional `log p(z) + sign · logDet` in one step (a flow's log-density is
   * this with `sign = 1`, `sampleAndLogProb`'s with `-1`); a flow uses it when
   * present, else `logProb` and an add. The standard normal has one that runs a
   * fused kernel on backends that register it.
   */
  readonly logProbWithLogDet?: (z: Batch, logDet: PerRow, sign: 1 | -1, context?: Batch) => PerRow;
}

/** A parametrized base distribution (possibly with no parameters). */
export type DistributionDef<P extends Params = Params> = Parametrized<P, Distribution>;
