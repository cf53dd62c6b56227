import { type Batch, type Parametrized, tf, valueError } from '@bijective/core';
import { requireContext, reshapeNoSave } from '@bijective/core/transforms';
import {
  type Activation,
  type DenseParams,
  type MlpStackLayer,
  glorotUniform,
  mlpStack,
} from '@bijective/core/nn';
import { splitSeed, tfSeed } from '@bijective/core/params';
import {
  type Ordering,
  hiddenDegrees,
  inputDegrees,
  maskMatrix,
  resolveOrdering,
} from './ordering.js';

/**
 * Parameters of a {@link made} network: one dense layer per hidden layer plus
 * the output layer (`w` is `[in, out]`, stored unmasked: the masks are fixed
 * structure kept in the closure), and one unmasked context weight
 * `[contextDim, hidden_l]` per hidden layer (one, for the first layer, with
 * `contextEntry: 'input'`; empty without a context).
 */
export type MadeParams = {
  readonly layers: readonly DenseParams[];
  readonly context: readonly tf.Tensor2D[];
};

/** Options of {@link made}. */
export interface MadeOptions {
  /** Number of autoregressive inputs `d`. */
  readonly dim: number;
  /** Width of the context vector (default 0: unconditional). */
  readonly contextDim?: number;
  /** Hidden layer widths (default `[64, 64]`). Use at least `d - 1` units per layer so every degree occurs. */
  readonly hidden?: readonly number[];
  /** Parameters produced per input dimension (2 for affine, `3K - 1` for a `K`-bin spline). */
  readonly paramsPerDim: number;
  /** Input ordering (default `'natural'`). */
  readonly ordering?: Ordering;
  /**
   * Residual hidden layers: every hidden layer after the first computes
   * `h ← h + act(h (W ⊙ M) + b + c V)`. Needs equal hidden widths (their
   * degrees then coincide, so the skip connection respects the masks).
   */
  readonly residual?: boolean;
  /** Hidden activation (default ReLU). */
  readonly activation?: Activation;
  /**
   * Scale of the output layer's Glorot-uniform initial weights (default 0.01):
   * a small value starts the transform near its output-bias map (the identity
   * for the presets) while keeping every allowed connection non-zero.
   */
  readonly lastLayerScale?: number;
  /** Initial output bias per parameter slot, length `paramsPerDim` (default all 0). */
  readonly outputBias?: readonly number[];
  /** How the initial parameters are drawn (default `'glorot'`); see {@link MadeInit}. */
  readonly init?: MadeInit;
  /**
   * Where the context enters (default `'hidden'`):
   * - `'hidden'`: through unmasked weights `Vₗ` into every hidden layer, hidden
   *   degrees cycling through `1..d-1`;
   * - `'input'`: zuko's `MaskedMLP` — the context is a block of always-visible
   *   inputs of the first layer only (one weight `[contextDim, hidden₁]`), and
   *   hidden degrees cycle through `0..d-1`, so units of degree 0 see only the
   *   context and the first generated variable depends on it too.
   * Without a context both are the same network.
   */
  readonly contextEntry?: 'hidden' | 'input';
}

/**
 * How a {@link made} network draws its initial parameters:
 *
 * - `'glorot'`: Glorot-uniform weights `U(±√(6 / (fanIn + fanOut)))`, zero
 *   hidden biases, the output layer scaled by `lastLayerScale` and biased by
 *   `outputBias`, so the transform starts near its output-bias map;
 * - `'fanIn'`: PyTorch's `nn.Linear` default, which zuko's `MaskedMLP`
 *   inherits: every weight and bias of a layer with `n` inputs (context
 *   included) drawn from `U(-1/√n, 1/√n)`, masked entries counted in `n`;
 *   `lastLayerScale` and `outputBias` do not apply. The random hidden biases
 *   spread the ReLU kinks over the data from the first step (zero biases put
 *   every first-layer kink at the origin).
 *
 * @example
 * ```ts
 * const net = made({ dim: 2, paramsPerDim: 2, init: 'fanIn' }); // zuko's MAF initialisation
 * ```
 */
export type MadeInit = 'glorot' | 'fanIn';

/** An applied MADE: `x [batch, d]`, `context [batch, c]` → parameters `[batch, d, paramsPerDim]`. */
export type MadeNetwork = (x: Batch, context?: Batch) => tf.Tensor3D;

/** A MADE definition: the parametrized network plus its fixed ordering and degrees. */
export interface Made extends Parametrized<MadeParams, MadeNetwork> {
  readonly dim: number;
  readonly contextDim: number;
  readonly paramsPerDim: number;
  /** Generation order: `order[k]` is the input generated `k`-th. */
  readonly order: readonly number[];
  /** MADE degree of each input (`1..d`); output `i` depends only on inputs of lower degree. */
  readonly degrees: readonly number[];
}

/**
 * MADE, the masked autoencoder for distribution estimation (Germain, Gregor,
 * Murray & Larochelle, 2015): an MLP whose weights are multiplied by fixed
 * binary masks so that output block `i` depends only on inputs `j` with
 * `degree[j] < degree[i]`:
 *
 *   `h₁ = act(x (W₁ ⊙ M₁) + b₁ + c V₁)`, `hₗ = act(hₗ₋₁ (Wₗ ⊙ Mₗ) + bₗ + c Vₗ)`,
 *   `out = h_L (W_out ⊙ M_out) + b_out`,
 *
 * with `M[j,k] = [m_k ≥ m_j]` between hidden layers and `[m_k > m_j]` into the
 * output, input degrees from the {@link Ordering} and hidden degrees cycling
 * through `1..d-1`. The context `c` enters every hidden layer through
 * *unmasked* weights `Vₗ`, which cannot break the autoregressive property
 * because `c` is not one of the autoregressive inputs. Masks live in the
 * closure (as `Float32Array`s, turned into tensors inside each call) and are
 * applied as `tf.mul(W, M)` on every call, so gradients of masked entries are
 * exactly zero.
 *
 * Shapes: `x [batch, d]`, `context [batch, contextDim]` → `[batch, d, paramsPerDim]`
 * (output unit `i·P + p` is parameter `p` of dimension `i`, zuko's layout).
 *
 * @example
 * ```ts
 * const net = made({ dim: 3, paramsPerDim: 2, hidden: [16, 16], ordering: 'reversed' });
 * const params = net.init(0);
 * const out = tf.tidy(() => net.apply(params)(tf.randomNormal([4, 3]))); // [4, 3, 2]
 * ```
 */
export const made = (options: MadeOptions): Made => {
  const { dim, paramsPerDim } = options;
  const contextDim = options.contextDim ?? 0;
  const hidden = options.hidden ?? [64, 64];
  const residual = options.residual ?? false;
  const lastScale = options.lastLayerScale ?? 0.01;
  const initKind = options.init ?? 'glorot';
  const contextEntry = options.contextEntry ?? 'hidden';
  if (!(Number.isInteger(dim) && dim > 0))
    throw valueError('options.dim', 'a positive integer', String(dim));
  if (!(Number.isInteger(paramsPerDim) && paramsPerDim > 0))
    throw valueError('options.paramsPerDim', 'a positive integer', String(paramsPerDim));
  if (initKind !== 'glorot' && initKind !== 'fanIn')
    throw valueError('options.init', "'glorot' or 'fanIn'", String(initKind));
  if (contextEntry !== 'hidden' && contextEntry !== 'input')
    throw valueError('options.contextEntry', "'hidden' or 'input'", String(contextEntry));
  if (residual && hidden.some((h) => h !== hidden[0]))
    throw valueError(
      'options.hidden',
      'equal widths for residual blocks',
      `[${hidden.join(', ')}]`,
    );
  if (options.outputBias !== undefined && options.outputBias.length !== paramsPerDim)
    throw valueError(
      'options.outputBias',
      `${paramsPerDim} values`,
      `${options.outputBias.length} values`,
    );

  const order = resolveOrdering(dim, options.ordering);
  const degrees = inputDegrees(order);
  const outDegrees = degrees.flatMap((d) => new Array<number>(paramsPerDim).fill(d));
  // zuko's MaskedMLP with a context: hidden degrees 0..d-1 (degree 0 = the context only).
  const zukoContext = contextEntry === 'input' && contextDim > 0;
  const hiddenDeg = (h: number) =>
    zukoContext ? Array.from({ length: h }, (_, k) => k % dim) : hiddenDegrees(h, dim);
  const layerDegrees = [degrees, ...hidden.map(hiddenDeg), outDegrees];
  const sizes = layerDegrees.map((d) => d.length);
  const nLayers = sizes.length - 1;
  const masks = Array.from({ length: nLayers }, (_, l) =>
    maskMatrix(layerDegrees[l]!, layerDegrees[l + 1]!, l === nLayers - 1),
  );
  // Context weights feed every hidden layer ('input': the first layer only); without hidden layers, the output layer.
  const contextLayers =
    contextDim === 0 ? [] : hidden.length === 0 || zukoContext ? [0] : hidden.map((_, l) => l);
  const outputBias = Float32Array.from(
    Array.from(
      { length: dim * paramsPerDim },
      (_, u) => options.outputBias?.[u % paramsPerDim] ?? 0,
    ),
  );

  return {
    dim,
    contextDim,
    paramsPerDim,
    order,
    degrees,
    init: (seed) => {
      if (initKind === 'fanIn') {
        const bound = (l: number) =>
          1 / Math.sqrt(sizes[l]! + (contextLayers.includes(l) ? contextDim : 0));
        const uniform = (shape: number[], l: number, stream: number) =>
          tf.randomUniform(
            shape,
            -bound(l),
            bound(l),
            'float32',
            tfSeed(splitSeed(seed, stream + l)),
          );
        return {
          layers: masks.map((_, l) => ({
            w: uniform([sizes[l]!, sizes[l + 1]!], l, 0) as tf.Tensor2D,
            b: uniform([sizes[l + 1]!], l, 2000) as tf.Tensor1D,
          })),
          context: contextLayers.map(
            (l) => uniform([contextDim, sizes[l + 1]!], l, 1000) as tf.Tensor2D,
          ),
        };
      }
      return {
        layers: masks.map((_, l) => {
          const isLast = l === nLayers - 1;
          const [fanIn, fanOut] = [sizes[l]!, sizes[l + 1]!];
          return {
            w: glorotUniform(fanIn, fanOut, splitSeed(seed, l), isLast ? lastScale : 1),
            b: isLast ? tf.tensor1d(outputBias) : tf.zeros([fanOut]),
          };
        }),
        context: contextLayers.map((l) =>
          glorotUniform(contextDim, sizes[l + 1]!, splitSeed(seed, 1000 + l)),
        ),
      };
    },
    apply:
      ({ layers, context: contextWeights }) =>
      (x, context) => {
        requireContext(context, contextDim, x.shape[0]);
        const stack: MlpStackLayer[] = layers.map((layer, l) => {
          const ci = contextLayers.indexOf(l);
          return {
            w: layer.w,
            b: layer.b,
            mask: tf.tensor2d(masks[l]!, [sizes[l]!, sizes[l + 1]!]),
            ...(ci >= 0 ? { contextWeight: contextWeights[ci]! } : {}),
          };
        });
        const h = mlpStack(x, stack, {
          ...(options.activation === undefined ? {} : { activation: options.activation }),
          ...(context === undefined ? {} : { context }),
          residual,
        });
        return reshapeNoSave<tf.Rank.R3>(h, [x.shape[0], dim, paramsPerDim]);
      },
  };
};
