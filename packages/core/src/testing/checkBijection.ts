import fc from 'fast-check';
import { tfSeed } from '../random.js';
import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import type { FlowDef } from '../flow.js';
import {
  type Params,
  disposeParams,
  flattenParams,
  splitSeed,
  unflattenParams,
} from '../params.js';
import type { TransformDef } from '../transform.js';
import { jacobianRows, logAbsDet } from './jacobian.js';
import { perturbParams } from './perturb.js';

/** Draws the inputs a bijection is checked on: `[batch, dim]` from a seed. */
export type InputSampler = (seed: number, batch: number, dim: number) => Batch;

/** Tolerances, each `|actual - expected| ≤ atol + rtol·|expected|`. */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** Options of {@link checkBijection}. */
export interface CheckOptions {
  readonly dim: number;
  /** 0 (default) for an unconditional bijection. */
  readonly contextDim?: number;
  /** Property-based runs (default 4). Each run draws a seed, a batch size and perturbed parameters. */
  readonly numRuns?: number;
  /** Largest batch drawn (default 5). */
  readonly maxBatch?: number;
  /**
   * Standard deviation of the Gaussian noise added to every parameter
   * (default 0.3). Many transforms start at the identity, where a wrong
   * log-det can hide; perturbing makes every check bite.
   */
  readonly perturb?: number;
  /** Default: `N(0, 1)` draws. Use it for transforms with a restricted domain. */
  readonly input?: InputSampler;
  /**
   * Float32 tolerances. Round trip default `{ atol: 1e-4, rtol: 1e-3 }`: each
   * of forward and inverse rounds at ~6e-8 relative per op, and deep stacks
   * with exp-scaled steps amplify it.
   *
   * Log-det default {@link DEFAULT_LOG_DET_TOLERANCE}, `{ atol: 3e-4, rtol: 3e-5 }`,
   * used for both the brute-force comparison and `logDet_inverse = −logDet_forward`.
   * Why this much: the brute-force Jacobian entries are float32 autodiff
   * values, each off by a few ulp of the chain's intermediates (relative
   * ~1e-6), and `log|det J|` moves by `tr(J⁻¹ δJ)`, i.e. that relative error
   * times the condition number of `J`; the returned log-det is a float32 sum
   * of `dim` log-terms. Measured over every registry entry of core, coupling,
   * autoregressive and continuous on cpu (fast-check seeds 42 and 1-6, ~4,000
   * rows), the largest `|returned − brute force|` is 9.3e-5 (core's
   * `splineTransform`, dim 3, `|logDet| = 10.2`), then 6.7e-5 (coupling's
   * `splineCoupling`, dim 5, inputs up to ±12, `|logDet| = 0.12`); no affine,
   * autoregressive or permutation entry exceeds 1.2e-5, the continuous ones
   * (RK4 trace vs Jacobian of the discretised map) 1.6e-5. The default keeps a
   * ≥ 3× margin over those, and rejects a log-det biased by 1e-3 per
   * coordinate (≥ 1e-3 in all) whenever `|logDet| < 23`. (It was
   * `{ atol: 2e-3, rtol: 1e-3 }`, which let a 1e-3-per-coordinate bias pass in 1-D and 2-D.)
   */
  readonly roundTrip?: Tolerance;
  readonly logDet?: Tolerance;
  /** With a context, require that changing it changes the output (default true). */
  readonly contextMatters?: boolean;
  /** fast-check seed (default 42, or `BIJECTIVE_FC_SEED`), so CI runs are reproducible. */
  readonly seed?: number;
}

/** The default log-det tolerance of {@link checkBijection}; see {@link CheckOptions.logDet}. */
export const DEFAULT_LOG_DET_TOLERANCE: Tolerance = { atol: 3e-4, rtol: 3e-5 };

const close = (actual: number, expected: number, tol: Tolerance): boolean =>
  Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);

const fail = (what: string, detail: string): never => {
  throw new Error(`checkBijection: ${what}: ${detail}`);
};

const allFinite = (values: ArrayLike<number>): boolean => {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
};

const defaultInput: InputSampler = (seed, batch, dim) =>
  tf.randomNormal([batch, dim], 0, 1, 'float32', tfSeed(seed)) as Batch;

/**
 * Adapt a flow definition to the checker: its bijection as a transform.
 */
export const flowAsTransform = <P extends Params>(def: FlowDef<P>): TransformDef<P> => ({
  init: (seed) => def.init(seed),
  apply: (params) => def.apply(params).bijection,
});

/** One property-based case, exposed for tests that want a single fixed run. */
export const checkBijectionOnce = (
  def: TransformDef<Params>,
  options: CheckOptions,
  seed: number,
  batch: number,
): void => {
  const dim = options.dim;
  const contextDim = options.contextDim ?? 0;
  const rt = options.roundTrip ?? { atol: 1e-4, rtol: 1e-3 };
  const ld = options.logDet ?? DEFAULT_LOG_DET_TOLERANCE;
  const sampler = options.input ?? defaultInput;
  const before = tf.memory().numTensors;

  const initial = def.init(splitSeed(seed, 0));
  const params = perturbParams(initial, options.perturb ?? 0.3, seed, 100);
  disposeParams(initial);
  const x = sampler(splitSeed(seed, 1), batch, dim);
  const context =
    contextDim > 0
      ? (tf.randomNormal([batch, contextDim], 0, 1, 'float32', tfSeed(splitSeed(seed, 2))) as Batch)
      : undefined;

  try {
    const b = def.apply(params);
    // 1. forward, inverse, round trip, finite outputs, log-det antisymmetry.
    const outs = tf.tidy(() => {
      const f = b.forward(x, context);
      const inv = b.inverse(f.y, context);
      return [f.y, f.logDet, inv.x, inv.logDet];
    });
    const [yArr, fwdLd, xBack, invLd] = outs.map((t) => t.arraySync()) as [
      number[][],
      number[],
      number[][],
      number[],
    ];
    tf.dispose(outs);
    const xArr = x.arraySync();
    if (yArr.length !== batch || yArr[0]!.length !== dim)
      fail('forward shape', `expected [${batch}, ${dim}]`);
    if (fwdLd.length !== batch) fail('logDet shape', `expected [${batch}], got [${fwdLd.length}]`);
    if (!allFinite(yArr.flat()) || !allFinite(fwdLd))
      fail('forward', 'non-finite output or log-det');
    if (!allFinite(xBack.flat()) || !allFinite(invLd))
      fail('inverse', 'non-finite output or log-det');
    for (let r = 0; r < batch; r++) {
      for (let j = 0; j < dim; j++)
        if (!close(xBack[r]![j]!, xArr[r]![j]!, rt))
          fail(
            'round trip',
            `row ${r} col ${j}: inverse(forward(x)) = ${xBack[r]![j]} but x = ${xArr[r]![j]}`,
          );
      if (!close(invLd[r]!, -fwdLd[r]!, ld))
        fail('inverse log-det', `row ${r}: ${invLd[r]} but minus the forward one is ${-fwdLd[r]!}`);
    }
    // 2. log-det against a brute-force Jacobian, both directions.
    const jf = jacobianRows((xx) => b.forward(xx, context).y, x);
    jf.forEach((J, r) => {
      const exact = logAbsDet(J);
      if (!close(fwdLd[r]!, exact, ld))
        fail('forward log-det', `row ${r}: returned ${fwdLd[r]}, brute force ${exact}`);
    });
    const y = tf.tensor2d(yArr);
    try {
      const ji = jacobianRows((yy) => b.inverse(yy, context).x, y);
      ji.forEach((J, r) => {
        const exact = logAbsDet(J);
        if (!close(invLd[r]!, exact, ld))
          fail('inverse log-det', `row ${r}: returned ${invLd[r]}, brute force ${exact}`);
      });
      // 3. parameter gradients are finite in both directions (inverse taken at y = forward(x), inside its domain).
      const leaves = flattenParams(params);
      if (leaves.length > 0) {
        const grads = tf.tidy(() => {
          const loss = (...ts: tf.Tensor[]) => {
            const bb = def.apply(unflattenParams(params, ts));
            const f = bb.forward(x, context);
            const i = bb.inverse(y, context);
            // Parameters the bijection does not use (a flow's base) get a zero gradient
            // rather than tfjs's "not connected" error.
            const unused = tf.mul(0, tf.addN(ts.map((t) => tf.sum(t))));
            return tf.addN([
              tf.sum(f.logDet),
              tf.mean(tf.square(f.y)),
              tf.sum(i.logDet),
              tf.mean(tf.square(i.x)),
              unused,
            ]);
          };
          return tf.grads(loss)(leaves.map((l) => l.tensor));
        });
        const values = grads.map((g) => g.dataSync());
        tf.dispose(grads);
        values.forEach((g, i) => {
          if (!allFinite(g))
            fail('parameter gradient', `non-finite gradient for '${leaves[i]!.path}'`);
        });
      }
    } finally {
      y.dispose();
    }
    // 4. the context is used.
    if (context !== undefined && (options.contextMatters ?? true)) {
      const d = tf.tidy(() => {
        const other = tf.add(context, 1) as Batch;
        return tf.max(tf.abs(tf.sub(b.forward(x, context).y, b.forward(x, other).y)));
      });
      const diff = d.dataSync()[0]!;
      d.dispose();
      if (!(diff > 1e-6)) fail('context', 'changing the context does not change the output');
    }
  } finally {
    disposeParams(params);
    x.dispose();
    context?.dispose();
  }
  const after = tf.memory().numTensors;
  if (after !== before) fail('tensor leak', `${after - before} tensors left behind`);
};

/**
 * Node's `process`, declared here rather than through `@types/node` so that
 * this module type-checks (and runs) in browsers, where the global is absent.
 */
declare const process: { readonly env: Readonly<Record<string, string | undefined>> } | undefined;

/** An environment variable in Node; `undefined` in runtimes without `process`. */
const environmentVariable = (name: string): string | undefined =>
  typeof process === 'undefined' ? undefined : process.env[name];

/**
 * The shared correctness check every bijection, preset and backend goes
 * through. Property-based (fast-check) over seeds, batch sizes and randomly
 * perturbed parameters; each case asserts:
 *
 * 1. `inverse(forward(x)) ≈ x` and finite outputs in both directions;
 * 2. the returned log-dets equal `log|det J|` of the Jacobian assembled from
 *    `dim` reverse-mode passes, with the determinant in float64 (both directions);
 * 3. `logDet_inverse(y) = -logDet_forward(x)` at `y = forward(x)`;
 * 4. gradients with respect to every parameter are finite;
 * 5. with a context, the output depends on it;
 * 6. no tensor is leaked.
 *
 * Throws an `Error` naming the failed property (so it works in any test runner).
 *
 * @example
 * ```ts
 * it('affine coupling', () => checkBijection(affineCoupling({ dim: 4 }), { dim: 4 }));
 * ```
 */
export const checkBijection = (def: TransformDef<Params>, options: CheckOptions): void => {
  const envSeed = Number(environmentVariable('BIJECTIVE_FC_SEED'));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 30 }),
      fc.integer({ min: 1, max: options.maxBatch ?? 5 }),
      (seed, batch) => checkBijectionOnce(def, options, seed, batch),
    ),
    {
      numRuns: options.numRuns ?? 4,
      // The property's own error ('checkBijection: round trip: …') in the message, not only as its cause.
      includeErrorInReport: true,
      seed: options.seed ?? (Number.isFinite(envSeed) ? envSeed : 42),
    },
  );
};
