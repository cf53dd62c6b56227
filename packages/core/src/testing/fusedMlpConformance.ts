import { tf } from '../tf.js';
import { leakProblems, leakSnapshot } from './leaks.js';
import { compareToComposite } from './compareToComposite.js';
import { mulberry32 } from '../random.js';
import {
  FUSED_MLP,
  FUSED_MLP_GRAD,
  type FusedMlpActivation,
  hasFusedKernel,
} from '../backend/fusedKernels.js';
import type { Activation } from '../nn/mlp.js';
import { activation as namedActivation } from '../nn/activationName.js';
import { type MlpStackLayer, fusedMlpCall, mlpStack } from '../nn/mlpStack.js';

/** One case of {@link checkFusedMlp}: layer widths, masks, a context, one activation. */
export interface FusedMlpCase {
  readonly name: string;
  /** Widths `d₀ … d_L`. */
  readonly sizes: readonly number[];
  readonly masked: boolean;
  /** Context width (0: none); the context enters every hidden layer, or the only layer. */
  readonly contextDim: number;
  readonly activation: FusedMlpActivation;
}

/** The composite activation each fused one must equal, as {@link mlpStack} takes it. */
const composite: Readonly<Record<FusedMlpActivation, Activation | undefined>> = {
  relu: undefined,
  tanh: namedActivation('tanh'),
  softplus: namedActivation('softplus'),
  sigmoid: (z) => tf.sigmoid(z),
  elu: (z) => tf.elu(z),
};

/** Activations {@link mlpStack} itself sends to the fused kernels (the others are kernel-level only). */
const dispatched: readonly FusedMlpActivation[] = ['relu', 'tanh', 'softplus'];

/**
 * The cases: a two-hidden-layer and a one-layer stack, dense and masked, with
 * and without a context, for every {@link FusedMlpActivation}.
 */
export const fusedMlpCases = (): FusedMlpCase[] =>
  (['relu', 'tanh', 'softplus', 'sigmoid', 'elu'] as const).flatMap((activation) =>
    [
      [3, 7, 5, 4],
      [3, 4],
    ].flatMap((sizes) =>
      [false, true].flatMap((masked) =>
        [0, 2].map((contextDim) => ({
          name: `${activation} [${sizes.join(', ')}]${masked ? ' masked' : ' dense'}${contextDim > 0 ? ' context' : ''}`,
          sizes,
          masked,
          contextDim,
          activation,
        })),
      ),
    ),
  );

type Operands = {
  readonly x: tf.Tensor2D;
  readonly layers: MlpStackLayer[];
  readonly context: tf.Tensor2D | undefined;
  readonly dy: tf.Tensor2D;
};

const BATCH = 6;

/** Seeded operands of a case on the current backend (weights ~U(-1, 1), masks ~Bernoulli(0.6)). */
const operands = (c: FusedMlpCase, seed: number): Operands => {
  const rand = mulberry32(seed);
  const uniform = (shape: [number, number] | [number]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rand() - 1),
      shape,
    );
  const nLayers = c.sizes.length - 1;
  const x = uniform([BATCH, c.sizes[0]!]) as tf.Tensor2D;
  const layers = c.sizes.slice(0, -1).map((din, l): MlpStackLayer => {
    const dout = c.sizes[l + 1]!;
    const withContext = c.contextDim > 0 && (l < nLayers - 1 || nLayers === 1);
    return {
      w: uniform([din, dout]) as tf.Tensor2D,
      b: uniform([dout]) as tf.Tensor1D,
      ...(c.masked
        ? {
            mask: tf.tensor2d(
              Float32Array.from({ length: din * dout }, () => (rand() < 0.6 ? 1 : 0)),
              [din, dout],
            ),
          }
        : {}),
      ...(withContext ? { contextWeight: uniform([c.contextDim, dout]) as tf.Tensor2D } : {}),
    };
  });
  const context = c.contextDim > 0 ? (uniform([BATCH, c.contextDim]) as tf.Tensor2D) : undefined;
  const dy = uniform([BATCH, c.sizes[nLayers]!]) as tf.Tensor2D;
  return { x, layers, context, dy };
};

const disposeOperands = (o: Operands): void =>
  tf.dispose([
    o.x,
    o.dy,
    ...(o.context === undefined ? [] : [o.context]),
    ...o.layers.flatMap((l) => [
      l.w,
      l.b,
      ...(l.mask === undefined ? [] : [l.mask]),
      ...(l.contextWeight === undefined ? [] : [l.contextWeight]),
    ]),
  ]);

/** Differentiable operands in the order of {@link FUSED_MLP_GRAD}'s outputs. */
const differentiable = (o: Operands): tf.Tensor[] => [
  o.x,
  ...o.layers.flatMap((l) => [l.w, l.b]),
  ...(o.context === undefined
    ? []
    : o.layers.flatMap((l) => (l.contextWeight === undefined ? [] : [l.contextWeight]))),
  ...(o.context === undefined ? [] : [o.context]),
];

const rebuild = (o: Operands, ts: readonly tf.Tensor[]): Operands => {
  let i = 1;
  const layers = o.layers.map((l) => ({
    ...l,
    w: ts[i++] as tf.Tensor2D,
    b: ts[i++] as tf.Tensor1D,
  }));
  const withV = layers.map((l) =>
    o.context === undefined || l.contextWeight === undefined
      ? l
      : { ...l, contextWeight: ts[i++] as tf.Tensor2D },
  );
  const context = o.context === undefined ? undefined : (ts[i] as tf.Tensor2D);
  return { ...o, x: ts[0] as tf.Tensor2D, layers: withV, context };
};

/** `[out, ∂⟨out, dy⟩/∂(x, w, b, …, v…, c)]` through {@link mlpStack} with `act`, read back. */
const throughStack = (o: Operands, act: Activation | undefined): number[][] =>
  tf.tidy(() => {
    const run = (p: Operands) =>
      mlpStack(p.x, p.layers, {
        ...(act === undefined ? {} : { activation: act }),
        ...(p.context === undefined ? {} : { context: p.context }),
      });
    const out = run(o);
    const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(run(rebuild(o, ts)), o.dy)))(
      differentiable(o),
    );
    return [out, ...grads].map((t) => Array.from(t.dataSync()));
  });

/** The same, by calling the two fused kernels directly. */
const throughKernels = (o: Operands, activation: FusedMlpActivation): number[][] =>
  tf.tidy(() => {
    const { attrs, inputs } = fusedMlpCall(o.x, o.layers, activation, o.context);
    const forward = tf.engine().runKernel(FUSED_MLP, inputs, { ...attrs });
    const [out, workspace] = Array.isArray(forward) ? forward : [forward];
    const grads = tf
      .engine()
      .runKernel(FUSED_MLP_GRAD, { dy: o.dy, workspace: workspace! }, { ...attrs });
    return [out!, ...(Array.isArray(grads) ? grads : [grads])].map((t) => Array.from(t.dataSync()));
  });

/** Names of `[out, gradients…]` for messages. */
const labels = (o: Operands): string[] => [
  'out',
  'dx',
  ...o.layers.flatMap((_, l) => [`dw${l}`, `db${l}`]),
  ...(o.context === undefined
    ? []
    : o.layers.flatMap((l, i) => (l.contextWeight === undefined ? [] : [`dv${i}`]))),
  ...(o.context === undefined ? [] : ['dc']),
];

/**
 * Conformance of the fused MLP kernels ({@link FUSED_MLP}, {@link FUSED_MLP_GRAD})
 * on `backend` against the composite ops on `reference` (default `cpu`): for
 * every {@link fusedMlpCases} case, the output and every gradient (`x`,
 * weights with their masked entries, biases, context weights, context) from
 * the kernels called directly, and, for the activations {@link mlpStack}
 * dispatches, through `mlpStack` and `tf.grads` too; then a leak check
 * (`tf.memory().numTensors` and the backend's `numDataIds()` back to where
 * they were). Values must agree to `rtol` of each tensor's largest entry (at
 * least 1), default `1e-5` (float32 rounding). Returns the problems (empty
 * when conformant, and when `backend` registers neither kernel: there is
 * nothing fused to check) and restores the active backend.
 *
 * @example
 * ```ts
 * expect(await checkFusedMlp('native')).toEqual([]);
 * ```
 */
export const checkFusedMlp = async (
  backend: string,
  options: { reference?: string; rtol?: number; cases?: readonly FusedMlpCase[] } = {},
): Promise<string[]> => {
  const previous = tf.getBackend();
  const rtol = options.rtol ?? 1e-5;
  const problems: string[] = [];
  try {
    if (!(await tf.setBackend(backend))) return [`backend '${backend}' could not be selected`];
    if (!hasFusedKernel(FUSED_MLP) && !hasFusedKernel(FUSED_MLP_GRAD)) return [];
    if (!hasFusedKernel(FUSED_MLP) || !hasFusedKernel(FUSED_MLP_GRAD))
      return [`'${backend}' registers only one of ${FUSED_MLP} and ${FUSED_MLP_GRAD}`];
    const cases = options.cases ?? fusedMlpCases();
    for (const [k, c] of cases.entries()) {
      const seed = 1000 + k;
      await tf.setBackend(options.reference ?? 'cpu');
      const refOps = operands(c, seed);
      const ref = throughStack(refOps, composite[c.activation]);
      const names = labels(refOps);
      disposeOperands(refOps);
      await tf.setBackend(backend);
      // Tensors the engine tracks, and the backend's own buffers (temporaries a kernel forgot).
      const before = leakSnapshot();
      const ops = operands(c, seed);
      problems.push(
        ...compareToComposite(
          `${c.name} (kernels)`,
          names,
          ref,
          throughKernels(ops, c.activation),
          rtol,
        ),
      );
      if (dispatched.includes(c.activation))
        problems.push(
          ...compareToComposite(
            `${c.name} (mlpStack)`,
            names,
            ref,
            throughStack(ops, composite[c.activation]),
            rtol,
          ),
        );
      disposeOperands(ops);
      problems.push(...leakProblems(c.name, before));
    }
  } finally {
    await tf.setBackend(previous);
  }
  return problems;
};
