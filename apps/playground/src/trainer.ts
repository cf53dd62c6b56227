/**
 * The playground's training loop, one Adam step at a time, built from
 * core's exported training-step functions (`lossAndGrads`,
 * `isFiniteStep`, `optimizerUpdate`) so the caller (the worker) owns the
 * loop: it can pause, resume, change the learning rate or batch size
 * between any two steps, and interleave views. DOM-free, so the Node speed
 * script times exactly the same step.
 *
 * Objectives: maximum likelihood, `−mean log p(x)`, for the discrete flows
 * (Papamakarios et al., "Normalizing Flows for Probabilistic Modeling and
 * Inference", 2021); conditional flow matching for the ODE flow (Lipman et
 * al., "Flow Matching for Generative Modeling", 2023).
 */
import {
  type Batch,
  type FlowDef,
  type JsonObject,
  type Params,
  cloneParams,
  countParams,
  decodeFlow,
  disposeParams,
  encodeFlow,
  meanNll,
  tf,
} from '@bijective/core';
import {
  type AdamState,
  adamInit,
  disposeAdam,
  isFiniteStep,
  lossAndGrads,
  optimizerUpdate,
} from '@bijective/core/training';
import { flattenParams, mulberry32, tfSeed } from '@bijective/core/params';
import { parseManifest } from '@bijective/core/serialization';
import { type ContinuousFlowDef, flowMatchingLoss } from '@bijective/continuous';
import type { ContinuousFlowParams } from '@bijective/continuous/dynamics';
import { dataDependentInit } from '@bijective/coupling';
import * as E from 'fp-ts/lib/Either.js';
import type { Points } from './datasets.js';
import { type BuiltFlow, type FlowSettings, buildFlow } from './flows.js';
import type { SavedModel } from './protocol.js';

/** What one call of {@link Trainer.steps} reports. */
export interface StepReport {
  readonly steps: number;
  /** Mean training objective of the steps run (nats for likelihood; squared velocity error for flow matching). */
  readonly loss: number;
  /** `undefined` unless it diverged: then the parameters are the last finite ones. */
  readonly diverged?: string;
}

/** Layers view: the data after each step of the flow, toward the base. */
export interface LayerSnapshot {
  readonly label: string;
  readonly points: Points;
}

/** A training session: a flow, its parameters and optimiser state, and the data. */
export interface Trainer {
  readonly flow: BuiltFlow;
  /** Adam steps taken so far. */
  readonly stepCount: () => number;
  /** Number of trainable scalars. */
  readonly parameterCount: () => number;
  /** Run `n` Adam steps with the given learning rate and batch size. */
  readonly steps: (n: number, lr: number, batch: number) => StepReport;
  /** Mean validation log-likelihood (nats per point; higher is better). */
  readonly validate: () => number;
  /** Mean training-set log-likelihood on (at most) `max` rows. */
  readonly trainLogLik: (max: number) => number;
  /** `log p` at each row of `points` (row-major `n × 2`). */
  readonly logProb: (points: Points) => Float32Array;
  /** `n` samples from the flow (inverse direction). */
  readonly sample: (n: number, seed: number) => Points;
  /** The validation points pushed through every step of the flow (forward direction, data → base). */
  readonly layers: (max: number) => LayerSnapshot[];
  /** Keep the current parameters as the best so far. */
  readonly keepBest: () => void;
  /** Replace the parameters by the best kept ones (if any) and restart the optimiser. */
  readonly restoreBest: () => boolean;
  /** The model in the library's format (manifest + weight bytes). */
  readonly save: () => SavedModel;
  /** Frees every tensor of the session. */
  readonly dispose: () => void;
}

const tensor = (points: Points): Batch => tf.tensor2d(points, [points.length / 2, 2]);

/** Shuffled indices, reshuffled once all have been used (epochs, as in `fit`). */
const epochSampler = (n: number, seed: number) => {
  const rand = mulberry32(seed);
  let order = new Int32Array(0);
  let at = 0;
  const reshuffle = () => {
    order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    at = 0;
  };
  return (size: number): Int32Array => {
    const out = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      if (at >= order.length) reshuffle();
      out[k] = order[at++]!;
    }
    return out;
  };
};

/** Split off `fraction` of the rows (seeded) for validation; at least one row each side. */
export const splitRows = (
  points: Points,
  fraction: number,
  seed: number,
): { train: Points; val: Points } => {
  const n = points.length / 2;
  const nVal = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const rand = mulberry32(seed ^ 0x5bd1e995);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const pick = (from: number, to: number) => {
    const out = new Float32Array(2 * (to - from));
    for (let k = from; k < to; k++) {
      out[2 * (k - from)] = points[2 * idx[k]!]!;
      out[2 * (k - from) + 1] = points[2 * idx[k]! + 1]!;
    }
    return out;
  };
  return { val: pick(0, nVal), train: pick(nVal, n) };
};

/** The `{ transform, base }` tree every flow's parameters are. */
const flowParams = (p: Params): ContinuousFlowParams<Params> => {
  if (typeof p === 'object' && p !== null && !Array.isArray(p) && 'transform' in p && 'base' in p) {
    const { transform, base } = p;
    if (transform !== undefined && Array.isArray(base) && base.length === 0)
      return { transform, base: [] };
  }
  throw new Error('unexpected parameter tree for a continuous flow');
};

const isContinuous = (def: FlowDef<Params>): def is ContinuousFlowDef<Params> =>
  'vectorField' in def && typeof (def as { vectorField?: unknown }).vectorField === 'function';

/**
 * Start a session: build the flow, initialise its parameters from `seed`
 * (Glow's ActNorm from the training data), or take `initial` (a loaded model).
 *
 * @example
 * ```ts
 * const t = createTrainer(settings, train, val, 0);
 * t.steps(100, 1e-3, 256);
 * console.log(t.validate());
 * t.dispose();
 * ```
 */
export const createTrainer = (
  settings: FlowSettings,
  train: Points,
  val: Points,
  seed: number,
  initial?: Params,
): Trainer => {
  const flow = buildFlow(settings);
  const def = flow.def;
  const xTrain = tensor(train);
  const xVal = tensor(val);
  let params: Params;
  if (initial !== undefined) params = initial;
  else {
    const p0 = def.init(seed);
    const p1 = dataDependentInit(def, p0, xTrain);
    if (E.isRight(p1)) {
      disposeParams(p0);
      params = p1.right;
    } else params = p0;
  }
  let adam: AdamState = adamInit(flattenParams(params).map((l) => l.tensor));
  let best: Params | undefined;
  let count = 0;
  const next = epochSampler(train.length / 2, seed);
  const noise = mulberry32(seed ^ 0x9e3779b9);

  const objective: (p: Params, xb: Batch) => tf.Scalar = isContinuous(def)
    ? (p, xb) => {
        const n = xb.shape[0];
        const z = tf.randomNormal([n, 2], 0, 1, 'float32', tfSeed(Math.floor(noise() * 2 ** 31)));
        const t = tf.mul(
          def.T,
          tf.randomUniform([n], 0, 1, 'float32', tfSeed(Math.floor(noise() * 2 ** 31))),
        ) as tf.Tensor1D;
        return flowMatchingLoss(def.vectorField(flowParams(p)), xb, z as Batch, t, { T: def.T });
      }
    : (p, xb) => tf.neg(tf.mean(def.apply(p).logProb(xb))) as tf.Scalar;

  const steps = (n: number, lr: number, batch: number): StepReport => {
    let sum = 0;
    let done = 0;
    const size = Math.min(batch, train.length / 2);
    for (let s = 0; s < n; s++) {
      const idx = next(size);
      const xb = tf.tidy(() => tf.gather(xTrain, tf.tensor1d(idx, 'int32')) as Batch);
      let r;
      try {
        r = lossAndGrads(params, (p) => objective(p, xb));
      } finally {
        xb.dispose();
      }
      if (!isFiniteStep(r)) {
        tf.dispose(r.grads);
        return {
          steps: done,
          loss: done > 0 ? sum / done : NaN,
          diverged: `non-finite loss or gradient at step ${count + 1} (try a smaller learning rate)`,
        };
      }
      sum += r.loss;
      ({ params, adam } = optimizerUpdate(params, r, adam, { learningRate: lr }));
      done++;
      count++;
    }
    return { steps: done, loss: sum / Math.max(done, 1) };
  };

  const logProb = (points: Points): Float32Array => {
    const out = new Float32Array(points.length / 2);
    const chunk = 4096;
    for (let start = 0; start < out.length; start += chunk) {
      const size = Math.min(chunk, out.length - start);
      const lp = tf.tidy(() =>
        def.apply(params).logProb(tensor(points.subarray(2 * start, 2 * (start + size)))),
      );
      out.set(lp.dataSync(), start);
      lp.dispose();
    }
    return out;
  };

  const layers = (max: number): LayerSnapshot[] => {
    const n = Math.min(max, val.length / 2);
    const x = val.subarray(0, 2 * n);
    const out: LayerSnapshot[] = [{ label: 'data x', points: x.slice() }];
    if (isContinuous(def)) {
      // Forward (data → base) along the ODE with RK4, one snapshot per solver step.
      const field = (t: number, z: tf.Tensor2D) =>
        def.vectorField(flowParams(params))(tf.fill([z.shape[0]], t) as tf.Tensor1D, z);
      let z = tensor(x);
      const h = def.T / flow.steps;
      for (let k = 0; k < flow.steps; k++) {
        const t = k * h;
        const zNext = tf.tidy(() => {
          const k1 = field(t, z);
          const k2 = field(t + h / 2, tf.add(z, tf.mul(h / 2, k1)) as tf.Tensor2D);
          const k3 = field(t + h / 2, tf.add(z, tf.mul(h / 2, k2)) as tf.Tensor2D);
          const k4 = field(t + h, tf.add(z, tf.mul(h, k3)) as tf.Tensor2D);
          return tf.add(z, tf.mul(h / 6, tf.addN([k1, tf.mul(2, k2), tf.mul(2, k3), k4]))) as Batch;
        });
        z.dispose();
        z = zNext;
        out.push({
          label: k === flow.steps - 1 ? 'base z' : `t = ${((k + 1) * h).toFixed(2)}`,
          points: z.dataSync() as Float32Array,
        });
      }
      z.dispose();
      return out;
    }
    const xt = tensor(x);
    for (let k = 1; k <= flow.steps; k++) {
      const pre = flow.prefix?.(k, params);
      if (pre === undefined) break;
      const y = tf.tidy(() => pre.def.apply(pre.params).bijection.forward(xt).y);
      out.push({
        label: k === flow.steps ? 'base z' : `after step ${k}`,
        points: y.dataSync() as Float32Array,
      });
      y.dispose();
    }
    xt.dispose();
    return out;
  };

  const sample = (n: number, s: number): Points => {
    const x = tf.tidy(() => def.apply(params).sample(n, tfSeed(s)));
    const out = x.dataSync() as Float32Array;
    x.dispose();
    return out;
  };

  return {
    flow,
    stepCount: () => count,
    parameterCount: () => countParams(params),
    steps,
    validate: () => -meanNll(def, params, xVal),
    trainLogLik: (max) => {
      const n = Math.min(max, train.length / 2);
      const x = tf.slice(xTrain, [0, 0], [n, 2]) as Batch;
      const v = -meanNll(def, params, x);
      x.dispose();
      return v;
    },
    logProb,
    sample,
    layers,
    keepBest: () => {
      if (best !== undefined) disposeParams(best);
      best = cloneParams(params);
    },
    restoreBest: () => {
      if (best === undefined) return false;
      disposeParams(params);
      params = cloneParams(best);
      disposeAdam(adam);
      adam = adamInit(flattenParams(params).map((l) => l.tensor));
      return true;
    },
    save: () => {
      const { manifest, weightData } = encodeFlow(def, params);
      return { manifest, weights: weightData };
    },
    dispose: () => {
      disposeParams(params);
      if (best !== undefined) disposeParams(best);
      disposeAdam(adam);
      xTrain.dispose();
      xVal.dispose();
    },
  };
};

/**
 * Read a saved model back: check the manifest, rebuild the definition from
 * its name and config, and decode the weights (checksums, shapes, finite
 * values). A `Left` carries a message for the page.
 */
export const loadModel = (
  saved: { manifest: unknown; weights: ArrayBuffer },
  fromConfig: (name: string, config: JsonObject) => FlowSettings | undefined,
): E.Either<string, { settings: FlowSettings; params: Params }> => {
  const m = parseManifest(saved.manifest);
  if (E.isLeft(m)) return E.left(m.left.message);
  const settings = fromConfig(m.right.name, m.right.config);
  if (settings === undefined)
    return E.left(`the playground cannot show a '${m.right.name}' flow with this configuration`);
  const def = buildFlow(settings).def;
  const p = decodeFlow(def, m.right, saved.weights);
  return E.isLeft(p) ? E.left(p.left.message) : E.right({ settings, params: p.right });
};
