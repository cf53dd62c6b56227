import type { BenchOptions, Op } from './args.js';
import type { BackendStatus } from './backends.js';
import type { MissingFamily } from './flows.js';
import type { DatasetName, ReferenceModel, ReferenceThroughput } from './reference.js';
import type { Summary } from './stats.js';
import type { ZukoReferenceInfo } from './zukoLive.js';

/** One kernel's calls and total seconds in a kernel-counting call. */
interface KernelTally {
  readonly name: string;
  readonly calls: number;
  readonly seconds: number;
}

/** One cell of the speed matrix (or the GEMM row): what ran, how long it took, and how it compares. */
export interface SpeedRow {
  /** `family/name`, or `gemm` for the matMul row. */
  readonly flow: string;
  readonly backend: string;
  readonly op: Op | 'gemm';
  readonly dim: number;
  readonly batch: number;
  readonly hidden: readonly number[];
  readonly transforms: number;
  /** Number of scalar parameters (0 for GEMM). */
  readonly params: number;
  readonly status: 'ok' | 'skipped' | 'failed';
  /** Why the cell was skipped or failed. */
  readonly reason?: string;
  /** What was timed when it differs from the operation's usual meaning (e.g. a flow-matching loss step). */
  readonly note?: string;
  /** Seconds per call over the timed repetitions. */
  readonly seconds?: Summary;
  /** `batch / median seconds`. */
  readonly samplesPerSecond?: number;
  /** GEMM only: `2·m·k·n / median seconds / 1e9`. */
  readonly gflops?: number;
  /** Tensors left behind by the timed calls (`numTensors` after − before); 0 is the only good value. */
  readonly leakedTensors?: number;
  /** Calls made (warm-up + timed + the kernel-counting calls) over which leaks were counted. */
  readonly calls?: number;
  /**
   * Untimed calls of the operation with every kernel counted and timed (`profileKernels`; three,
   * or one when a call takes over half a second, keeping the call with the median outside share):
   * tfjs kernel calls per operation, the share of its wall time spent outside kernels (engine
   * bookkeeping, autodiff tape, glue), its wall time, the most frequent and the slowest kernels.
   */
  readonly kernels?: {
    readonly calls: number;
    readonly outsideShare: number;
    readonly wallSeconds: number;
    /** The most frequent kernels, with their calls and total seconds. */
    readonly top: readonly KernelTally[];
    /** The kernels that took the longest in total. */
    readonly slowest: readonly KernelTally[];
  };
  /** zuko's figure at the same model and sizes, with `samplesPerSecond / reference`. */
  readonly reference?: ReferenceThroughput & { readonly ratio: number | undefined };
}

/** A picture written to the output folder and embedded in the HTML report. */
export interface Picture {
  readonly title: string;
  /** Path relative to the output folder. */
  readonly file: string;
  /** The SVG text (kept out of report.json). */
  readonly svg: string;
}

/**
 * What one training run of one model ended with: its score on the test split and how the training
 * went. With per-example test log-likelihoods `ℓᵢ = log p(xᵢ)` (nats) over `n` test examples,
 * `testLL = mean ℓᵢ`, `testLLStdErr = sd(ℓ)/√n` and `testMedian = median ℓᵢ`. Shared by a
 * quality seed run ({@link SeedRun}) and a distill teacher or student ({@link DistillModel}).
 */
interface TrainedScore {
  /** Test average log-likelihood (nats). */
  readonly testLL: number;
  /** Its standard error over test examples. */
  readonly testLLStdErr: number;
  /** Median of the per-example test log-likelihoods. */
  readonly testMedian: number;
  /** Training wall time in seconds. */
  readonly wallSeconds: number;
  /** Optimiser steps taken. */
  readonly steps: number;
  /** Epochs run (absent where training is not by epochs). */
  readonly epochs?: number;
  /** What ended training, e.g. `patience`, `maxSteps` or `budget`. */
  readonly stoppedBy: string;
}

/** One seed's training run of a quality row trained on several seeds (`--seeds`). */
export interface SeedRun extends TrainedScore {
  readonly seed: number;
  /** Continuous flows: mean function evaluations per forward ODE solve while training (absent for simulation-free flow matching). */
  readonly trainNfe?: number;
  /** Continuous flows: mean function evaluations per ODE solve while scoring the test split. */
  readonly testNfe?: number;
}

/**
 * One trained model of the quality mode. Trained on one seed, `testLL ±
 * testLLStdErr` is over test examples; on several (`runs`), `testLL` is the
 * mean over seeds with `[testLLMin, testLLMax]`, `testMedian` the mean of the
 * per-seed medians and `wallSeconds` the total (RESULTS.md's format); each
 * seed's steps, epochs and stop reason are in `runs`. The score fields are those of a
 * {@link SeedRun} (NFE: the mean over seeds).
 */
export interface QualityRow extends Partial<Omit<SeedRun, 'seed'>> {
  readonly dataset: DatasetName;
  readonly flow: string;
  readonly backend: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly reason?: string;
  readonly params?: number;
  readonly method?: 'maximum likelihood' | 'flow matching';
  /** Several seeds: the lowest and highest per-seed test log-likelihood. */
  readonly testLLMin?: number;
  readonly testLLMax?: number;
  /** Several seeds: each seed's run, in the order of `--seeds`. */
  readonly runs?: readonly SeedRun[];
  readonly reference?: {
    readonly model: ReferenceModel | 'FFJORD' | 'flow matching';
    readonly testLL: number;
    readonly testLLMin?: number;
    readonly testLLMax?: number;
    readonly median?: number;
    readonly note?: string;
  };
}

/** What the browser mode found out about the page. */
export interface BrowserInfo {
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly chromium?: string;
  readonly userAgent?: string;
  readonly crossOriginIsolated?: boolean;
  /** `describe()` of the wasm backend inside the page (flavour: plain | simd | threaded-simd). */
  readonly wasm?: Readonly<Record<string, string | number | boolean>>;
}

/** A mean over examples or draws, with its standard error `s/√n`. */
export interface MeanWithError {
  readonly mean: number;
  readonly stdErr: number;
  readonly n: number;
}

/**
 * One trained model of the distill mode: the MAF teacher or the IAF student. Its test scores are
 * under the model's own density; `epochs` is the teacher's only; `stoppedBy` is `patience`,
 * `epochs`, `maxSteps` or `budget` (teacher) and `steps` or `budget` (student).
 */
export interface DistillModel extends TrainedScore {
  /** `family/name`, e.g. `autoregressive/maf`. */
  readonly flow: string;
  readonly params: number;
  readonly hidden: readonly number[];
  readonly transforms: number;
}

/** The training half of the distill mode: teacher, student, their gap and the cross terms. */
export interface DistillTraining {
  readonly status: 'ok' | 'failed';
  readonly reason?: string;
  readonly dataset: DatasetName;
  /** The backend both trainings ran on. */
  readonly backend: string;
  readonly teacher?: DistillModel;
  readonly student?: DistillModel & {
    /** The last values of the per-step reverse-KL estimate `mean(log q(x) − log p_teacher(x))` over student draws. */
    readonly klTail: readonly number[];
    /** The last values of the per-step forward-KL estimate `mean(log p_teacher(x) − log q(x))` over teacher draws (empty if λ = 0). */
    readonly forwardKlTail: readonly number[];
    /** Both per-step estimates averaged over consecutive windows of `klWindow` steps (`step` = the window's last). */
    readonly klCurve: readonly {
      readonly step: number;
      readonly kl: number;
      readonly forwardKl?: number;
    }[];
    readonly klWindow: number;
    readonly learningRate: number;
    /** Student draws per step (reverse-KL term) and teacher draws per step (forward-KL term). */
    readonly batchSize: number;
    readonly teacherBatchSize: number;
    /** α of the loss `(1 − α)·KL(q‖p) + α·KL(p‖q)` (0: reverse KL alone; 1: forward KL alone). */
    readonly forwardWeight: number;
    /** Adam's step size at the last step (cosine annealing from `learningRate`). */
    readonly finalLearningRate: number;
    /** Held-out teacher draws the kept parameters were chosen on, the forward-KL estimate on them per scored step, and the kept step. */
    readonly validationSamples: number;
    readonly validation: readonly { readonly step: number; readonly forwardKL: number }[];
    readonly bestStep: number;
    readonly clipGradNorm: number;
  };
  /** Student minus teacher test log-likelihood, with the standard error of the paired per-example differences. */
  readonly gap?: MeanWithError;
  /** Median of the paired per-example differences (the mean is sensitive to a few test points the student all but excludes). */
  readonly gapMedian?: number;
  /** The criterion: `gap ≥ −tolerance` (a student within `tolerance` nats of its teacher, or better). */
  readonly tolerance: number;
  readonly pass?: boolean;
  /** `log p_teacher` averaged over fresh student draws and over teacher draws; the KL estimate on the student draws. */
  readonly teacherLLOnStudentSamples?: MeanWithError;
  readonly teacherLLOnTeacherSamples?: MeanWithError;
  readonly klEstimate?: MeanWithError;
  /** `KL(p‖q) = E_p[log p − log q]` on the fresh teacher draws (the student's density by its sequential pass). */
  readonly forwardKlEstimate?: MeanWithError;
  /**
   * Medians of the per-draw log-ratios behind `klEstimate` and `forwardKlEstimate`. The means are
   * heavy-tailed: one draw in a few thousand can land where the other model's log-density is −10⁶ or lower.
   */
  readonly klMedian?: number;
  readonly forwardKlMedian?: number;
}

/** The sampling throughput of the IAF student against the MAF teacher at one size on one backend. */
export interface SpeedupRow {
  readonly dim: number;
  readonly hidden: readonly number[];
  readonly transforms: number;
  readonly batch: number;
  readonly backend: string;
  readonly mafSamplesPerSecond: number | undefined;
  readonly iafSamplesPerSecond: number | undefined;
  /** `iaf / maf` samples per second. */
  readonly ratio: number | undefined;
  /** Set where the criterion applies (dim 64): `ratio ≥ threshold`. */
  readonly pass?: boolean;
  /** Why a side is missing (failed or skipped cell). */
  readonly reason?: string;
}

/** The distill mode's results (the timing cells themselves are in the report's `speed` section). */
export interface DistillReport {
  readonly training: DistillTraining;
  readonly speedups: readonly SpeedupRow[];
  /** The speed-up the dim-64 rows must reach (20). */
  readonly speedupThreshold: number;
  /** What the timed models were (untrained parameters: sampling cost does not depend on the values). */
  readonly speedNote: string;
  readonly pictures: readonly Picture[];
}

/** Everything a run produced; the JSON report is this object (without picture SVG text). */
export interface BenchReport {
  readonly tool: '@bijective/bench';
  readonly createdAt: string;
  readonly options: BenchOptions;
  readonly environment: Readonly<Record<string, string | number>>;
  readonly backends: readonly BackendStatus[];
  readonly flows: {
    readonly selected: readonly string[];
    readonly missing: readonly MissingFamily[];
  };
  readonly speed?: {
    readonly gemm: readonly SpeedRow[];
    readonly rows: readonly SpeedRow[];
    /** Where the zuko column came from: timed live in this run, or RESULTS.md's stored figures. */
    readonly zuko?: ZukoReferenceInfo;
  };
  readonly quality?: {
    readonly rows: readonly QualityRow[];
    readonly pictures: readonly Picture[];
  };
  readonly browser?: BrowserInfo & {
    readonly rows: readonly SpeedRow[];
    readonly gemm: readonly SpeedRow[];
  };
  readonly distill?: DistillReport;
  /** Live tensors at the end of the run minus at its start (0 when nothing leaked). */
  readonly leakedTensorsOverall: number;
  readonly wallSeconds: number;
}
