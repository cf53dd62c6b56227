import type { BenchOptions, Op } from './args.js';
import type { BackendStatus } from './backends.js';
import type { StudentReport, meanWithError, modelRow, speedups } from './distill.js';
import type { MissingFamily } from './flows.js';
import type { DatasetName, ReferenceModel, ReferenceThroughput } from './reference.js';
import type { KernelFigures } from './speed.js';
import type { Summary } from './stats.js';
import type { ZukoReferenceInfo } from './zukoLive.js';

/** One cell of the speed matrix (or the GEMM row): what ran, how long it took, how it compares. */
export interface SpeedRow {
  /** `family/name`, or `gemm` for the matMul row. */
  readonly flow: string;
  readonly backend: string;
  readonly op: Op | 'gemm';
  readonly dim: number;
  readonly batch: number;
  readonly hidden: readonly number[];
  readonly transforms: number;
  readonly params: number;
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly reason?: string;
  /** What was timed when it differs from the operation's usual meaning. */
  readonly note?: string;
  readonly seconds?: Summary;
  readonly samplesPerSecond?: number;
  /** GEMM only: `2·m·k·n / median seconds / 1e9`. */
  readonly gflops?: number;
  /** GEMM only: the product with its result read back (`data()`) before it is disposed. */
  readonly readBackSeconds?: Summary;
  /** Tensors left behind by the timed calls (0 is the only good value), over `calls` calls. */
  readonly leakedTensors?: number;
  readonly calls?: number;
  /** Untimed calls with every kernel counted: calls per operation, time share outside kernels. */
  readonly kernels?: KernelFigures;
  readonly reference?: ReferenceThroughput & { readonly ratio: number | undefined };
}

/** A speed matrix's cells and its GEMM row per backend. */
export type SpeedMatrix = {
  readonly gemm: readonly SpeedRow[];
  readonly rows: readonly SpeedRow[];
};

/** A picture written to the output folder and inlined in the HTML report (`svg` not in JSON). */
export type Picture = { readonly title: string; readonly file: string; readonly svg: string };

/**
 * One training run's score on the test split (nats; `ℓᵢ` per test example): `testLL = mean ℓᵢ`,
 * `testLLStdErr = sd(ℓ)/√n`, `testMedian = median ℓᵢ`, and how the training went.
 */
interface TrainedScore {
  readonly testLL: number;
  readonly testLLStdErr: number;
  readonly testMedian: number;
  readonly wallSeconds: number;
  readonly steps: number;
  readonly epochs?: number;
  /** What ended training, e.g. `patience`, `maxSteps` or `budget`. */
  readonly stoppedBy: string;
}

export interface SeedRun extends TrainedScore {
  readonly seed: number;
  /** Continuous flows: mean function evaluations per ODE solve, training and test. */
  readonly trainNfe?: number;
  readonly testNfe?: number;
}

/**
 * One trained model of the quality mode. On several seeds (`runs`), `testLL` is the mean over seeds
 * with `[testLLMin, testLLMax]`, `testMedian` the mean of the medians, `wallSeconds` the total.
 */
export interface QualityRow extends Partial<Omit<SeedRun, 'seed'>> {
  readonly dataset: DatasetName;
  readonly flow: string;
  readonly backend: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly reason?: string;
  readonly params?: number;
  readonly method?: 'maximum likelihood' | 'flow matching';
  readonly testLLMin?: number;
  readonly testLLMax?: number;
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

export interface BrowserInfo {
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly chromium?: string;
  readonly userAgent?: string;
  readonly crossOriginIsolated?: boolean;
  /** `describe()` of the wasm backend inside the page. */
  readonly wasm?: Readonly<Record<string, string | number | boolean>>;
}

export type MeanWithError = ReturnType<typeof meanWithError>;

/** The distill mode's MAF teacher or IAF student, scored under its own density. */
export type DistillModel = ReturnType<typeof modelRow>;

export interface DistillTraining {
  readonly status: 'ok' | 'failed';
  readonly reason?: string;
  readonly dataset: DatasetName;
  readonly backend: string;
  readonly teacher?: DistillModel;
  readonly student?: StudentReport;
  /** Student minus teacher test LL, with the standard error of the paired differences. */
  readonly gap?: MeanWithError;
  /** Median of the paired differences (the mean is sensitive to a few excluded test points). */
  readonly gapMedian?: number;
  /** `gap ≥ −tolerance`. */
  readonly tolerance: number;
  readonly pass?: boolean;
  /** `log p_teacher` on fresh student and teacher draws; reverse and forward KL on them. */
  readonly teacherLLOnStudentSamples?: MeanWithError;
  readonly teacherLLOnTeacherSamples?: MeanWithError;
  readonly klEstimate?: MeanWithError;
  readonly forwardKlEstimate?: MeanWithError;
  /** Medians of the per-draw log-ratios (the means are heavy-tailed: log p of −10⁶ occurs). */
  readonly klMedian?: number;
  readonly forwardKlMedian?: number;
}

/** Sampling throughput of the IAF student against the MAF teacher at one size on one backend. */
export type SpeedupRow = ReturnType<typeof speedups>[number];

/** The distill mode's results (the timing cells are in the report's `speed` section). */
export interface DistillReport {
  readonly training: DistillTraining;
  readonly speedups: readonly SpeedupRow[];
  readonly speedupThreshold: number;
  /** What the timed models were. */
  readonly speedNote: string;
  readonly pictures: readonly Picture[];
}

/** Everything a run produced; report.json is this object (without picture SVG text). */
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
  readonly speed?: SpeedMatrix & { readonly zuko?: ZukoReferenceInfo };
  readonly quality?: {
    readonly rows: readonly QualityRow[];
    readonly pictures: readonly Picture[];
  };
  readonly browser?: BrowserInfo & SpeedMatrix;
  readonly distill?: DistillReport;
  /** Live tensors at the end of the run minus at its start. */
  readonly leakedTensorsOverall: number;
  readonly wallSeconds: number;
}
