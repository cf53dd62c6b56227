import * as E from 'fp-ts/lib/Either.js';
import {
  type BijectiveError,
  type Flow,
  type FlowDef,
  type Params,
  cloneParams,
  computationError,
  fit,
  shapeError,
  tf,
  valueError,
} from '@bijective/core';
import {
  type AdamOptions,
  type TrainLoopResult,
  trainLoop,
  validateTrainingOptions,
} from '@bijective/core/training';
import { splitSeed } from '@bijective/core/params';

/** Warm start of {@link distill}: maximum likelihood on a fixed set of teacher draws before the main phase. */
export interface DistillWarmStart {
  /** Teacher draws to fit (default 20,000). */
  readonly samples?: number;
  /** Adam steps of the maximum-likelihood phase. */
  readonly steps: number;
  /** Default 256. */
  readonly batchSize?: number;
}

/** Held-out teacher draws by which {@link distill} keeps its best parameters (see `DistillOptions.validation`). */
export interface DistillValidation {
  /** Teacher draws, taken once. */
  readonly samples: number;
  /** Steps between evaluations (default 250). */
  readonly every?: number;
}

/** What {@link distill}'s `onProgress` sees: the step and the per-step estimates of both divergences. */
export interface DistillProgress {
  /** Steps done (1-based). */
  readonly step: number;
  /** This step's estimate of the reverse KL, `KL(q ‖ p) = E_{x~q}[log q(x) − log p(x)]` (nats). */
  readonly kl: number;
  /** This step's estimate of the forward KL, `KL(p ‖ q) = E_{x~p}[log p(x) − log q(x)]`; `undefined` when `forwardWeight` is 0. */
  readonly forwardKL: number | undefined;
}

/** Options of {@link distill}. */
export interface DistillOptions<P extends Params> extends AdamOptions {
  /** Starting student parameters (not modified or disposed). Default: `student.init(seed)`. */
  readonly params?: P;
  /** Seeds the student's initialisation and every Monte-Carlo draw (default 0). */
  readonly seed?: number;
  /** Adam steps of the main phase (default 1000). */
  readonly steps?: number;
  /** Student draws per step for the reverse-KL term (default 256). */
  readonly batchSize?: number;
  /**
   * Weight `α ∈ [0, 1]` of the forward-KL term (default 0: reverse KL alone,
   * the method as published). The loss of a step is the mixture
   *
   *   `L = (1 − α) · KL(q ‖ p) + α · KL(p ‖ q)`
   *   `  ≈ (1 − α) · mean_{z~N(0,I)}[log q(x(z)) − log p(x(z))] + α · mean_{x~p}[log p(x) − log q(x)]`,
   *
   * the second mean over fresh teacher draws each step (`teacherBatchSize` of
   * them; their gradient flows through `log q` only). α = ½ is half the
   * Jeffreys (symmetrised KL) divergence; α = 1 is maximum likelihood on an
   * endless stream of teacher draws (the reverse estimate is then still
   * computed and recorded, outside the gradient). Reverse KL is mode-seeking:
   * it never penalises the student for leaving out part of the teacher's
   * mass, so a student can drop a mode or give part of the teacher's mass
   * almost no density, and a test log-likelihood `E_data[log q]` is exactly
   * what that costs. The forward term is mass-covering and bounds that loss
   * (on data drawn from the teacher, `E[log q] = E[log p] − KL(p ‖ q)`). It
   * costs the student's density of outside points, its sequential direction
   * (`dim` passes per IAF layer), so it is cheap at small `dim` only.
   */
  readonly forwardWeight?: number;
  /** Teacher draws per step for the forward-KL term (default `batchSize`). */
  readonly teacherBatchSize?: number;
  /**
   * Bound `τ > 0` (nats) past which a student draw's log-ratio
   * `u = log q(x) − log p(x)` enters the reverse term only logarithmically:
   *
   *   `ρ_τ(u) = min(u, τ) + log(1 + max(u − τ, 0))`  (`= u` for `u ≤ τ`; slope 1 at τ, then `1 / (1 + u − τ)`),
   *
   * the reverse term being `mean ρ_τ(u)` over the step's draws. Default: none
   * (the exact estimate). A MAF teacher's density falls off extremely steeply
   * away from its data — ReLU conditioners extrapolate linearly and the
   * soft-clamped scale saturates at `e^{6.9}` per layer, so `log p` is `−10⁶`
   * to `−10¹⁴` a few units out — and the rare student draw that lands there
   * dominates the step's mean and its gradient (the estimate is unbiased but
   * heavy-tailed). With `τ` such a draw still pulls back, with a bounded
   * weight; draws with `u ≤ τ` (nearly all of them once the student is near
   * its teacher, for `τ` of a few nats or more) are unaffected. The forward
   * term is left exact on purpose: its outliers are teacher draws where the
   * student has almost no density — the holes a test log-likelihood pays
   * for, which that term is there to fill. The recorded history holds the
   * exact estimates.
   */
  readonly maxLogRatio?: number;
  /** Rescale gradients whose global norm exceeds this (default: no clipping). */
  readonly clipGradNorm?: number;
  /**
   * Anneal Adam's step size from `learningRate` (η₀, default 1e-3) to this
   * value η₁ over the main phase's `steps` with a cosine (Loshchilov & Hutter,
   * "SGDR", 2017): `η_t = η₁ + (η₀ − η₁)(1 + cos(π t / steps)) / 2`, `t = 0 … steps − 1`.
   * Default: no schedule (η₀ throughout). The Monte-Carlo loss is noisy, so a
   * decaying step size lets the last steps average the noise out.
   */
  readonly finalLearningRate?: number;
  /**
   * Optional maximum-likelihood fit to a fixed set of teacher draws before the
   * main phase (forward KL only, from `params` or the initialisation): puts
   * mass on every mode before a reverse-KL phase sharpens it. Off by default.
   */
  readonly warmStart?: DistillWarmStart;
  /**
   * Return the best parameters by a held-out estimate of the forward KL
   * instead of the last ones — the teacher protocol's best-validation rule,
   * with teacher draws in place of a validation split: `samples` teacher draws
   * are taken once (their own seed), and every `every` steps (default 250) and
   * after the last, `KL(p ‖ q) ≈ mean(log p(x) − log q(x))` over them is
   * computed (`dim` sequential passes per IAF layer). Adam's step noise makes
   * any one iterate a draw from a neighbourhood of the optimum; this keeps
   * the best one seen. Default: off.
   */
  readonly validation?: DistillValidation;
  /** Called every `progressEvery` steps (default 50) and after the last; return `'stop'` to end. */
  readonly onProgress?: (p: DistillProgress) => void | 'stop';
  readonly progressEvery?: number;
  /** Stops training when it fires: the result is then `Left(AbortedError)` with the best student so far. */
  readonly signal?: AbortSignal;
}

/** The outcome of {@link distill}: the student's parameters (owned by the caller) and per-step estimates. */
export interface DistillResult<P extends Params> {
  readonly params: P;
  /** Per step: the reverse-KL estimate `mean(log q − log p)` over that step's student draws. */
  readonly history: readonly number[];
  /** Per step: the forward-KL estimate `mean(log p − log q)` over that step's teacher draws (empty when `forwardWeight` is 0). */
  readonly forwardHistory: readonly number[];
  /** Adam steps of the main phase actually taken. */
  readonly steps: number;
  /** With `options.validation`: the held-out forward-KL estimate after each evaluated step (else empty). */
  readonly validation: readonly { readonly step: number; readonly forwardKL: number }[];
  /** The step whose parameters are returned: the best evaluated one with `options.validation`, else `steps`. */
  readonly bestStep: number;
}

const positiveInt = (name: string, v: number | undefined): BijectiveError | undefined =>
  v === undefined || (Number.isInteger(v) && v > 0)
    ? undefined
    : valueError(name, 'a positive integer', String(v));

const validate = <P extends Params>(o: DistillOptions<P>): BijectiveError | undefined => {
  const lr = o.learningRate;
  const w = o.forwardWeight;
  const clip = o.clipGradNorm;
  const shared = validateTrainingOptions(o);
  if (E.isLeft(shared)) return shared.left;
  return (
    positiveInt('options.steps', o.steps) ??
    positiveInt('options.batchSize', o.batchSize) ??
    positiveInt('options.teacherBatchSize', o.teacherBatchSize) ??
    positiveInt('options.progressEvery', o.progressEvery) ??
    positiveInt('options.warmStart.steps', o.warmStart?.steps) ??
    positiveInt('options.warmStart.samples', o.warmStart?.samples) ??
    positiveInt('options.warmStart.batchSize', o.warmStart?.batchSize) ??
    positiveInt(
      'options.validation.samples',
      o.validation === undefined ? undefined : o.validation.samples,
    ) ??
    positiveInt('options.validation.every', o.validation?.every) ??
    (lr !== undefined && !(lr > 0 && Number.isFinite(lr))
      ? valueError('options.learningRate', 'a positive number', String(lr))
      : undefined) ??
    (w !== undefined && !(w >= 0 && w <= 1)
      ? valueError('options.forwardWeight', 'a number in [0, 1]', String(w))
      : undefined) ??
    (o.finalLearningRate !== undefined &&
    !(o.finalLearningRate > 0 && Number.isFinite(o.finalLearningRate))
      ? valueError('options.finalLearningRate', 'a positive number', String(o.finalLearningRate))
      : undefined) ??
    (o.maxLogRatio !== undefined && !(o.maxLogRatio > 0 && Number.isFinite(o.maxLogRatio))
      ? valueError('options.maxLogRatio', 'a positive number', String(o.maxLogRatio))
      : undefined) ??
    (clip !== undefined && !(clip > 0)
      ? valueError('options.clipGradNorm', 'a positive number', String(clip))
      : undefined)
  );
};

/**
 * `mean ρ_τ(u)` with `ρ_τ(u) = min(u, τ) + log1p(relu(u − τ))` (see `maxLogRatio`), or `mean u` without a bound.
 * Written without a comparison op on the tape (tfjs registers no gradient for `Greater`).
 */
const bounded = (u: tf.Tensor, tau: number | undefined): tf.Scalar =>
  tau === undefined
    ? tf.mean(u)
    : tf.mean(tf.add(tf.minimum(u, tau), tf.log1p(tf.relu(tf.sub(u, tau)))));

/** The maximum-likelihood warm start: `fit` on `samples` teacher draws. */
const warmStarted = async <PT extends Params, PS extends Params>(
  teacher: FlowDef<PT>,
  teacherParams: PT,
  student: FlowDef<PS>,
  warm: DistillWarmStart,
  options: DistillOptions<PS>,
  seed: number,
): Promise<E.Either<BijectiveError, PS>> => {
  const draws = tf.tidy(() =>
    teacher.apply(teacherParams).sample(warm.samples ?? 20_000, splitSeed(seed, 7919)),
  );
  try {
    const ml = await fit(student, draws, {
      ...(options.params !== undefined ? { params: options.params } : {}),
      seed,
      maxSteps: warm.steps,
      batchSize: warm.batchSize ?? 256,
      validationFraction: 0,
      ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
      ...(options.clipGradNorm !== undefined ? { clipGradNorm: options.clipGradNorm } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    return E.isLeft(ml) ? ml : E.right(ml.right.params);
  } finally {
    draws.dispose();
  }
};

/**
 * Probability density distillation (van den Oord et al., "Parallel WaveNet:
 * Fast High-Fidelity Speech Synthesis", 2018): train a student flow — an IAF,
 * whose sampling *and* own density of its draws come from one parallel pass —
 * to match a teacher whose density is cheap (a MAF) by minimising, with Adam,
 *
 *   `L = (1 − α) · KL(q ‖ p) + α · KL(p ‖ q)`,
 *   `KL(q ‖ p) = E_{z~N(0,I)}[log q(x(z)) − log p(x(z))]`, `x(z) = T⁻¹(z)` (the student's reparameterised draws),
 *   `KL(p ‖ q) = E_{x~p}[log p(x) − log q(x)]` (fresh teacher draws, gradient through `log q` only),
 *
 * with `α = options.forwardWeight` (default 0: reverse KL alone, as in the
 * paper). Both expectations are Monte-Carlo means over `batchSize` student
 * and `teacherBatchSize` teacher draws per step. Because the teacher is
 * normalised, both estimates are true KLs (≥ 0 up to Monte-Carlo noise); they
 * are reported through `options.onProgress` and kept per step in the result.
 * Reverse KL is mode-seeking and under-weights the teacher's tails; a
 * positive α adds the mass-covering forward term (see `forwardWeight`),
 * which is what a test log-likelihood of the student measures.
 * `options.maxLogRatio` bounds, softly, how much one student draw in the
 * teacher's far tail can weigh in a step; `options.finalLearningRate`
 * anneals the step size; `options.validation` returns the step with the
 * lowest forward KL on held-out teacher draws. An optional maximum-likelihood
 * warm start on teacher draws (`options.warmStart`) runs first. The student
 * sees only the teacher (its draws and its density), never its training
 * data. Seed-deterministic on a given backend.
 *
 * Returns `Left(ShapeError)` if the dimensions differ, `Left(ValueError)` for a
 * conditional teacher or student (not supported yet) or bad options, and
 * `Left(DivergedError)` (with the last finite parameters) if the loss or its
 * gradient becomes non-finite. The teacher's parameters are read, never
 * modified or disposed; the returned student parameters belong to the caller.
 *
 * @example
 * ```ts
 * const teacher = maf({ dim: 2 }); // trained: teacherParams
 * const r = await distill(teacher, teacherParams, iaf({ dim: 2 }), {
 *   steps: 10_000, forwardWeight: 1, learningRate: 1e-3, finalLearningRate: 1e-5, clipGradNorm: 1,
 *   validation: { samples: 5000 }, seed: 1,
 *   onProgress: ({ step, kl, forwardKL }) => console.log(step, kl, forwardKL),
 * });
 * if (E.isRight(r)) sample(iaf({ dim: 2 }), r.right.params, 10_000); // one pass per layer
 * ```
 */
export const distill = async <PT extends Params, PS extends Params>(
  teacher: FlowDef<PT>,
  teacherParams: PT,
  student: FlowDef<PS>,
  options: DistillOptions<PS> = {},
): Promise<E.Either<BijectiveError, DistillResult<PS>>> => {
  if (teacher.dim !== student.dim)
    return E.left(
      shapeError('student', `a flow of the teacher's dim ${teacher.dim}`, `dim ${student.dim}`),
    );
  if (teacher.contextDim > 0 || student.contextDim > 0)
    return E.left(
      valueError(
        'teacher/student',
        'unconditional flows',
        `context dims ${teacher.contextDim} and ${student.contextDim}`,
      ),
    );
  const bad = validate(options);
  if (bad !== undefined) return E.left(bad);
  const steps = options.steps ?? 1000;
  const batch = options.batchSize ?? 256;
  const weight = options.forwardWeight ?? 0;
  const teacherBatch = options.teacherBatchSize ?? batch;
  const every = options.progressEvery ?? 50;
  const tau = options.maxLogRatio;
  const seed = options.seed ?? 0;
  const lr0 = options.learningRate ?? 1e-3;
  const lr1 = options.finalLearningRate ?? lr0;
  const learningRate = (t: number) =>
    lr1 + ((lr0 - lr1) * (1 + Math.cos((Math.PI * t) / steps))) / 2;

  let params: PS;
  if (options.warmStart !== undefined) {
    const w = await warmStarted(teacher, teacherParams, student, options.warmStart, options, seed);
    if (E.isLeft(w)) return w;
    params = w.right;
  } else params = options.params !== undefined ? cloneParams(options.params) : student.init(seed);

  // `apply` inside each tidy: a flow may allocate tensors when applied.
  const teacherFlow = () => teacher.apply(teacherParams);
  const teacherSeed = splitSeed(seed, 104_729);
  const history: number[] = [];
  const forwardHistory: number[] = [];
  const validation: { step: number; forwardKL: number }[] = [];
  const held =
    options.validation === undefined
      ? undefined
      : tf.tidy(() =>
          teacherFlow().sampleAndLogProb(options.validation!.samples, splitSeed(seed, 15_485_863)),
        );
  const validateEvery = options.validation?.every ?? 250;
  // The exact estimates of the step being taken, read back under the tape: [reverse, forward?].
  let parts: number[] = [];
  try {
    const r = await trainLoop<PS>({
      params,
      steps,
      learningRate,
      beta1: options.beta1,
      beta2: options.beta2,
      epsilon: options.epsilon,
      clipGradNorm: options.clipGradNorm,
      signal: options.signal,
      evaluateAtEnd: true,
      objective: (step, current) => {
        // Teacher draws and their log-densities are constants of the loss: drawn outside the tape.
        const t =
          weight > 0
            ? tf.tidy(() =>
                teacherFlow().sampleAndLogProb(teacherBatch, splitSeed(teacherSeed, step)),
              )
            : undefined;
        const release = () => {
          if (t !== undefined) tf.dispose([t.x, t.logProb]);
        };
        parts = [];
        // The reverse log-ratios of this step's student draws, `log q(x) − log p(x)`.
        const ratios = (q: Flow) => {
          const s = q.sampleAndLogProb(batch, splitSeed(seed, step + 1));
          return tf.sub(s.logProb, teacherFlow().logProb(s.x));
        };
        if (weight === 1) {
          try {
            // Forward KL alone: the reverse estimate is recorded, outside the gradient.
            const m = tf.tidy(() => tf.mean(ratios(student.apply(current))));
            parts.push(m.dataSync()[0]!);
            m.dispose();
          } catch (e) {
            release();
            throw e;
          }
        }
        return {
          loss: (p) =>
            tf.tidy(() => {
              const q = student.apply(p);
              // The student's density of outside points: its sequential direction.
              const v = t === undefined ? undefined : tf.sub(t.logProb, q.logProb(t.x));
              const u = weight === 1 ? undefined : ratios(q);
              // Read the exact estimates back for the history (one or two scalars per step).
              if (u !== undefined) parts.push(tf.mean(u).dataSync()[0]!);
              if (v !== undefined) parts.push(tf.mean(v).dataSync()[0]!);
              if (v === undefined) return bounded(u!, tau);
              if (u === undefined) return tf.mean(v) as tf.Scalar;
              return tf.add(
                tf.mul(1 - weight, bounded(u, tau)),
                tf.mul(weight, tf.mean(v)),
              ) as tf.Scalar;
            }),
          release,
        };
      },
      // The held-out forward KL, `mean(log p(x) − log q(x))` over the teacher's held-out draws.
      evaluate: ({ step, params: current, final }) => {
        if (held === undefined || !(final || step % validateEvery === 0)) return undefined;
        const n = held.x.shape[0];
        let total = 0;
        for (let start = 0; start < n; start += 1024) {
          const size = Math.min(1024, n - start);
          const sum = tf.tidy(() =>
            tf.sum(
              tf.sub(
                tf.slice(held.logProb, [start], [size]),
                student.apply(current).logProb(tf.slice(held.x, [start, 0], [size, -1])),
              ),
            ),
          );
          total += sum.dataSync()[0]!;
          sum.dispose();
        }
        const value = total / n;
        validation.push({ step, forwardKL: value });
        return value;
      },
      afterStep: ({ step }) => {
        const kl = parts[0]!;
        const forwardKL = parts[1];
        history.push(kl);
        if (forwardKL !== undefined) forwardHistory.push(forwardKL);
        if (step % every === 0 || step === steps)
          return options.onProgress?.({ step, kl, forwardKL });
        return undefined;
      },
      messages: {
        diverged: (step, r) =>
          `distillation diverged at step ${step}: loss ${r.loss}; the parameters before the step that broke are attached`,
        aborted: (step) => `distillation aborted after ${step} steps`,
        failed: (e, step) => computationError(`distillation failed at step ${step}`, e),
      },
    });
    return E.map((o: TrainLoopResult<PS>) => ({
      params: o.params,
      history,
      forwardHistory,
      steps: history.length,
      validation,
      bestStep: o.bestStep ?? history.length,
    }))(r);
  } finally {
    if (held !== undefined) tf.dispose([held.x, held.logProb]);
  }
};
