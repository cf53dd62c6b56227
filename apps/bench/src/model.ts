import type { BenchOptions, Op } from './args.js';
import type { BackendStatus } from './backends.js';
import type { MissingFamily } from './flows.js';
import type { DatasetName, ReferenceModel, ReferenceThroughput } from './reference.js';
import type { Summary } from './stats.js';

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
  /** Calls made (warm-up + timed) over which leaks were counted. */
  readonly calls?: number;
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

/** One trained model of the quality mode. */
export interface QualityRow {
  readonly dataset: DatasetName;
  readonly flow: string;
  readonly backend: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly reason?: string;
  readonly params?: number;
  readonly method?: 'maximum likelihood' | 'flow matching';
  /** Test average log-likelihood (nats) and its standard error. */
  readonly testLL?: number;
  readonly testLLStdErr?: number;
  /** Median of the per-example test log-likelihoods. */
  readonly testMedian?: number;
  readonly wallSeconds?: number;
  readonly steps?: number;
  readonly epochs?: number;
  readonly stoppedBy?: string;
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
  readonly speed?: { readonly gemm: readonly SpeedRow[]; readonly rows: readonly SpeedRow[] };
  readonly quality?: {
    readonly rows: readonly QualityRow[];
    readonly pictures: readonly Picture[];
  };
  readonly browser?: BrowserInfo & {
    readonly rows: readonly SpeedRow[];
    readonly gemm: readonly SpeedRow[];
  };
  /** Live tensors at the end of the run minus at its start (0 when nothing leaked). */
  readonly leakedTensorsOverall: number;
  readonly wallSeconds: number;
}
