import { type Batch, type TransformDef, tf, valueError } from '@bijective/core';
import { type ElementMap, type ElementwiseResult, rowLogDet } from '@bijective/core/transforms';
import { type Made, type MadeOptions, type MadeParams, made } from './made.js';

/**
 * The monotone map applied to each coordinate with its own parameters (zuko's
 * "univariate transform"): core's {@link ElementMap} (this name is kept for
 * existing code).
 */
export type Univariate = ElementMap;

/** Options shared by the autoregressive transforms: the MADE conditioner's, minus what the element map fixes. */
export type AutoregressiveOptions = Omit<MadeOptions, 'paramsPerDim' | 'outputBias'>;

/**
 * A masked autoregressive transform (Papamakarios, Pavlakou & Murray, "Masked
 * Autoregressive Flow for Density Estimation", 2017): each coordinate is
 * transformed by an element map `τ` (core's {@link ElementMap}) whose
 * parameters a {@link made} network computes from the coordinates earlier in
 * the ordering,
 *
 *   `yᵢ = τ(xᵢ; θᵢ(x_{<i}, c))`, `log|det ∂y/∂x| = Σᵢ log τ'(xᵢ; θᵢ)`,
 *
 * so the Jacobian is triangular in the ordering.
 *
 * **Directions.** `forward` (data → base, density evaluation) is ONE parallel
 * MADE pass. `inverse` (base → data, sampling) is sequential: it runs `d`
 * MADE passes, each fixing the next coordinate in the ordering (after pass `t`
 * the first `t` coordinates in the ordering are exact); the log-det is taken
 * from the last pass, whose parameters see only exact coordinates. For the
 * opposite trade-off (IAF) wrap it in {@link inverseTransform}. Most code wants
 * {@link autoregressive}, which builds the MADE for the map.
 *
 * Shapes: `[batch, d]` in and out, log-dets `[batch]`, context `[batch, contextDim]`.
 *
 * @throws `BijectiveError` (ValueError) if `net.paramsPerDim` is not the map's.
 * @example
 * ```ts
 * const t = maskedAutoregressive(made({ dim: 2, paramsPerDim: 2 }), affineMap);
 * const b = t.apply(t.init(0));
 * const { y, logDet } = tf.tidy(() => b.forward(tf.randomNormal([8, 2])));
 * ```
 */
export const maskedAutoregressive = (
  net: Made,
  univariate: ElementMap,
): TransformDef<MadeParams> => {
  if (net.paramsPerDim !== univariate.paramsPerDim)
    throw valueError(
      'net.paramsPerDim',
      `${univariate.paramsPerDim} (what the univariate map needs)`,
      String(net.paramsPerDim),
    );
  return {
    contextDim: net.contextDim,
    init: (seed) => net.init(seed),
    apply: (params) => {
      const network = net.apply(params);
      return {
        forward: (x, context) => {
          const r = univariate.forward(x, network(x, context));
          return { y: r.out, logDet: rowLogDet(r) };
        },
        inverse: (y, context) => {
          let x: Batch = tf.zerosLike(y);
          let last: ElementwiseResult = { out: x, logAbsDeriv: x };
          for (let pass = 0; pass < net.dim; pass++) {
            last = univariate.inverse(y, network(x, context));
            x = last.out;
          }
          return { x, logDet: rowLogDet(last) };
        },
      };
    },
  };
};

/**
 * The autoregressive layer of an element map: {@link maskedAutoregressive}
 * with a {@link made} conditioner of `map.paramsPerDim` outputs per coordinate
 * whose output bias starts at `map.initialOutput` (so with the small output
 * layer the layer starts near the identity). The autoregressive counterpart of
 * `@bijective/coupling`'s `coupling(options, map)`: any core element map
 * (`additiveMap`, `affineMap`, `splineMap`, or your own) gives both.
 *
 * **Fast direction:** `forward` (data → base, density) is one parallel pass;
 * `inverse` (base → data, sampling) is `dim` sequential passes (swap with
 * {@link inverseTransform} for IAF).
 *
 * @throws `BijectiveError` (ValueError) for invalid MADE options.
 * @example
 * ```ts
 * const t = autoregressive({ dim: 3, hidden: [32, 32] }, splineMap({ bins: 8 }));
 * const iafLayer = inverseTransform(autoregressive({ dim: 3 }, affineMap));
 * ```
 */
export const autoregressive = (
  options: AutoregressiveOptions,
  map: ElementMap,
): TransformDef<MadeParams> =>
  maskedAutoregressive(
    made({
      ...options,
      paramsPerDim: map.paramsPerDim,
      ...(map.initialOutput === undefined ? {} : { outputBias: map.initialOutput }),
    }),
    map,
  );
