import { tf } from '../tf.js';
import { leakProblems, leakSnapshot } from './leaks.js';
import { compareToComposite } from './compareToComposite.js';
import { mulberry32 } from '../random.js';
import {
  FIELD_TRACE_ACTIVATIONS,
  FUSED_FIELD_TRACE,
  FUSED_FIELD_TRACE_GRAD,
  type FieldTraceActivation,
  hasFusedKernel,
} from '../backend/fusedKernels.js';
import { type FieldTraceLayers, compositeFieldTrace, fieldTrace } from '../nn/fieldTrace.js';

/** One case of {@link checkFusedFieldTrace}: widths `D … D`, scales, per-row or shared terms, one activation. */
export interface FusedFieldTraceCase {
  readonly name: string;
  /** Widths `d₀ … d_L` with `d₀ = d_L`. */
  readonly sizes: readonly number[];
  /** Whether every layer has a scale (FFJORD's concat-squash gates) or none (concat / plain MLP). */
  readonly scaled: boolean;
  /** Scales and shifts with one row per batch row (per-row times) instead of one shared row. */
  readonly perRow: boolean;
  readonly activation: FieldTraceActivation;
}

/**
 * The cases: a two-hidden-layer stack at `D = 2` and `D = 3` and a single
 * linear layer at `D = 1`, with and without scales, shared and per-row
 * terms, for every {@link FieldTraceActivation}.
 */
export const fusedFieldTraceCases = (): FusedFieldTraceCase[] =>
  FIELD_TRACE_ACTIVATIONS.flatMap((activation) =>
    [
      [2, 7, 5, 2],
      [3, 6, 3],
      [1, 1],
    ].flatMap((sizes) =>
      [true, false].flatMap((scaled) =>
        [false, true].map((perRow) => ({
          name: `${activation} [${sizes.join(', ')}]${scaled ? ' scaled' : ''}${perRow ? ' per-row' : ''}`,
          sizes,
          scaled,
          perRow,
          activation,
        })),
      ),
    ),
  );

type Operands = {
  readonly z: tf.Tensor2D;
  readonly layers: FieldTraceLayers;
  /** The cotangent of `[value | divergence | frobenius]`. */
  readonly dy: tf.Tensor2D;
};

const BATCH = 5;

/** Seeded operands on the current backend: weights ~U(-1, 1), scales ~U(0.2, 1.2). */
const operands = (c: FusedFieldTraceCase, seed: number): Operands => {
  const rand = mulberry32(seed);
  const uniform = (shape: [number, number], lo = -1, hi = 1) =>
    tf.tensor2d(
      Float32Array.from({ length: shape[0] * shape[1] }, () => lo + (hi - lo) * rand()),
      shape,
    );
  const rows = c.perRow ? BATCH : 1;
  const dim = c.sizes[0]!;
  const z = uniform([BATCH, dim], -1.5, 1.5);
  const weights = c.sizes.slice(0, -1).map((din, l) => uniform([din, c.sizes[l + 1]!]));
  const width = c.sizes.slice(1).reduce((a, b) => a + b, 0);
  const layers: FieldTraceLayers = {
    weights,
    ...(c.scaled ? { scale: uniform([rows, width], 0.2, 1.2) } : {}),
    shift: uniform([rows, width], -0.5, 0.5),
  };
  return { z, layers, dy: uniform([BATCH, dim + 2]) };
};

const differentiable = (o: Operands): tf.Tensor[] => [
  o.z,
  ...o.layers.weights,
  ...(o.layers.scale === undefined ? [] : [o.layers.scale]),
  o.layers.shift,
];

const names = (o: Operands): string[] => [
  'z',
  ...o.layers.weights.map((_, i) => `w${i}`),
  ...(o.layers.scale === undefined ? [] : ['s']),
  'c',
];

/** `[value | divergence | frobenius]`, then every gradient of `Σ dy ⊙ packed`, as plain arrays. */
const evaluate = (
  o: Operands,
  activation: FieldTraceActivation,
  way: 'composite' | 'dispatch',
): number[][] =>
  tf.tidy(() => {
    const inputs = differentiable(o);
    const rebuild = (xs: tf.Tensor[]) => {
      const n = o.layers.weights.length;
      const weights = xs.slice(1, 1 + n) as tf.Tensor2D[];
      const scale = o.layers.scale === undefined ? undefined : (xs[1 + n] as tf.Tensor2D);
      const layers: FieldTraceLayers = {
        weights,
        ...(scale === undefined ? {} : { scale }),
        shift: xs[xs.length - 1] as tf.Tensor2D,
      };
      const run = way === 'composite' ? compositeFieldTrace : fieldTrace;
      const r = run(xs[0] as tf.Tensor2D, layers, activation, true);
      return tf.concat(
        [r.value, tf.reshape(r.divergence, [-1, 1]), tf.reshape(r.frobenius!, [-1, 1])],
        1,
      );
    };
    const packed = rebuild(inputs);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(rebuild(xs), o.dy)))(inputs);
    return [packed, ...grads].map((t) => Array.from(t.dataSync()));
  });

/**
 * Conformance of the fused field-trace kernels ({@link FUSED_FIELD_TRACE},
 * {@link FUSED_FIELD_TRACE_GRAD}) on `backend` against the composite ops on
 * `reference` (default `cpu`): for every {@link fusedFieldTraceCases} case,
 * the packed value, divergence and Frobenius norm and the gradients of a
 * random linear functional of them with respect to `z` and every weight,
 * scale and shift, through core's `fieldTrace` (which runs the kernels when
 * registered); then a leak check (`tf.memory().numTensors` and the backend's
 * `numDataIds()`). Values agree to `rtol` of each tensor's largest entry (at
 * least 1), default `2e-5`. Returns the problems (empty when conformant, and
 * when `backend` registers neither kernel) and restores the active backend.
 *
 * @example
 * ```ts
 * expect(await checkFusedFieldTrace('native')).toEqual([]);
 * ```
 */
export const checkFusedFieldTrace = async (
  backend: string,
  options: { reference?: string; rtol?: number; cases?: readonly FusedFieldTraceCase[] } = {},
): Promise<string[]> => {
  const previous = tf.getBackend();
  const rtol = options.rtol ?? 2e-5;
  const problems: string[] = [];
  try {
    if (!(await tf.setBackend(backend))) return [`backend '${backend}' could not be selected`];
    const has = [hasFusedKernel(FUSED_FIELD_TRACE), hasFusedKernel(FUSED_FIELD_TRACE_GRAD)];
    if (!has[0] && !has[1]) return [];
    if (!has[0] || !has[1])
      return [
        `'${backend}' registers only one of ${FUSED_FIELD_TRACE} and ${FUSED_FIELD_TRACE_GRAD}`,
      ];
    for (const [k, c] of (options.cases ?? fusedFieldTraceCases()).entries()) {
      const seed = 2000 + k;
      await tf.setBackend(options.reference ?? 'cpu');
      const refOps = operands(c, seed);
      const ref = evaluate(refOps, c.activation, 'composite');
      const labels = names(refOps);
      tf.dispose([...differentiable(refOps), refOps.dy]);
      await tf.setBackend(backend);
      const before = leakSnapshot();
      const ops = operands(c, seed);
      problems.push(
        ...compareToComposite(
          c.name,
          ['value|divergence|frobenius', ...labels.map((l) => `d${l}`)],
          ref,
          evaluate(ops, c.activation, 'dispatch'),
          rtol,
        ),
      );
      tf.dispose([...differentiable(ops), ops.dy]);
      problems.push(...leakProblems(c.name, before));
    }
  } finally {
    await tf.setBackend(previous);
  }
  return problems;
};
