import type { FlowSize } from './flows.js';
import type { QualityRow } from './model.js';

/**
 * zuko 1.6.0's results (PyTorch 1.13, CPU, 2 threads), copied from RESULTS.md so the app stands
 * alone: test LL in nats (mean [min, max] over 3 seeds, median); samples/s (train batch 256,
 * logProb and sample 1024), which vary by about ±30% between processes.
 */

export type ReferenceModel = 'MAF' | 'RealNVP' | 'NSF';

export type DatasetName =
  'moons' | '8gaussians' | 'checkerboard' | 'pinwheel' | '2spirals' | 'digits';

type Triple = readonly [number, number, number];

/** RESULTS.md's table (5 transforms, hidden [64, 64] on the 2-D sets, [128, 128] on digits). */
const REFERENCE = (
  [
    ['moons', 'MAF', 23060, [-1.738, -1.777, -1.717], -1.501, [62000, 433000, 240000]],
    ['moons', 'RealNVP', 22090, [-1.745, -1.749, -1.737], -1.496, [55000, 523000, 589000]],
    ['moons', 'NSF', 36710, [-1.706, -1.707, -1.706], -1.424, [23000, 166000, 113000]],
    ['8gaussians', 'MAF', 23060, [-2.981, -2.989, -2.971], -2.686, [68000, 631000, 366000]],
    ['8gaussians', 'RealNVP', 22090, [-2.965, -2.972, -2.961], -2.672, [73000, 423000, 450000]],
    ['8gaussians', 'NSF', 36710, [-2.841, -2.843, -2.837], -2.546, [24000, 176000, 87000]],
    ['checkerboard', 'MAF', 23060, [-3.612, -3.652, -3.581], -3.501, [67000, 727000, 264000]],
    ['checkerboard', 'RealNVP', 22090, [-3.653, -3.68, -3.628], -3.536, [71000, 493000, 515000]],
    ['checkerboard', 'NSF', 36710, [-3.539, -3.551, -3.521], -3.505, [22000, 175000, 85000]],
    ['pinwheel', 'MAF', 23060, [-2.533, -2.554, -2.497], -2.189, [74000, 500000, 276000]],
    ['pinwheel', 'RealNVP', 22090, [-2.522, -2.527, -2.517], -2.17, [72000, 705000, 750000]],
    ['pinwheel', 'NSF', 36710, [-2.382, -2.388, -2.376], -2.056, [24000, 190000, 86000]],
    ['2spirals', 'MAF', 23060, [-3.074, -3.16, -2.94], -3.013, [73000, 694000, 245000]],
    ['2spirals', 'RealNVP', 22090, [-2.979, -3.028, -2.902], -2.87, [60000, 569000, 718000]],
    ['2spirals', 'NSF', 36710, [-2.7, -2.725, -2.676], -2.477, [25000, 172000, 91000]],
    ['digits', 'MAF', 206720, [-62.94, -63.54, -62.35], -58.09, [28000, 152000, 2500]],
    ['digits', 'RealNVP', 144960, [-65.16, -66.07, -64.67], -58.3, [25000, 105000, 105000]],
    ['digits', 'NSF', 1073600, [-49.42, -49.77, -48.88], -45.13, [4000, 14000, 245]],
  ] satisfies readonly (readonly [DatasetName, ReferenceModel, number, Triple, number, Triple])[]
).map(
  ([data, model, _params, [testLL, testLLMin, testLLMax], median, [train, logProb, sample]]) => ({
    data,
    score: { model, testLL, testLLMin, testLLMax, median },
    perSecond: { train, logProb, sample },
  }),
);

/** RESULTS.md's continuous-flow table (one time-capped seed on a GPU; exact-trace test LL). */
const CONTINUOUS_REFERENCE = (
  [
    ['moons', 'FFJORD', -2.228, '150 s, 324 steps; under-trained'],
    ['moons', 'flow matching', -1.78, '60 s, 21078 steps'],
    ['checkerboard', 'FFJORD', -4.17, '150 s, 329 steps; under-trained'],
    ['checkerboard', 'flow matching', -3.794, '60 s, 19881 steps'],
    ['digits', 'FFJORD', -62.11, '240 s, 672 steps; under-trained'],
    ['digits', 'flow matching', -55.13, '200 s, 65524 steps'],
  ] satisfies readonly (readonly [DatasetName, 'FFJORD' | 'flow matching', number, string])[]
).map(([data, model, testLL, note]) => ({ data, score: { model, testLL, note } }));

/** zuko's test log-likelihood for a model on a data set, as the quality report shows it. */
export const qualityReference = (
  dataset: DatasetName,
  model: ReferenceModel | 'FFJORD' | 'flow matching' | undefined,
): QualityRow['reference'] =>
  [...REFERENCE, ...CONTINUOUS_REFERENCE].find((r) => r.data === dataset && r.score.model === model)
    ?.score;

/** RESULTS.md's throughput sizes (moons stands for the 2-D sets; 5 transforms). */
const REFERENCE_SIZES = [
  { dataset: 'moons', dim: 2, hidden: [64, 64] },
  { dataset: 'digits', dim: 64, hidden: [128, 128] },
] as const;

/** The data set whose model sizes RESULTS.md timed at `size`, if any. */
export const referenceDataset = (size: FlowSize): DatasetName | undefined =>
  size.transforms === 5
    ? REFERENCE_SIZES.find((s) => s.dim === size.dim && `${s.hidden}` === `${size.hidden}`)?.dataset
    : undefined;

/** Where RESULTS.md's throughput came from (zuko re-measured 2x slower on 2026-11-30). */
export const STORED_ORIGIN =
  'RESULTS.md: zuko 1.6.0, PyTorch 1.13, another 2-core machine, recorded before 2026-11-23';

export interface ReferenceThroughput {
  readonly dataset?: DatasetName;
  readonly model: ReferenceModel;
  readonly samplesPerSecond: number;
  /** `live`: zuko timed in this run at the same sizes; `stored`: RESULTS.md's figure. */
  readonly source: 'live' | 'stored';
  /** The machine and date (stored) or the zuko, PyTorch and threads (live). */
  readonly origin: string;
}

/** Looks up zuko's throughput for a cell: `undefined` when there is no comparable figure. */
export type ReferenceLookup = (
  model: ReferenceModel | 'FFJORD' | 'flow matching' | undefined,
  op: 'train' | 'logProb' | 'sample',
  size: FlowSize & { readonly batch: number },
) => ReferenceThroughput | undefined;

/** RESULTS.md's stored figure for a row whose model and sizes it measured (batch 256 / 1024). */
export const storedReference: ReferenceLookup = (model, op, size) => {
  const dataset = size.batch === (op === 'train' ? 256 : 1024) ? referenceDataset(size) : undefined;
  const r = REFERENCE.find((x) => x.data === dataset && x.score.model === model);
  return dataset === undefined || r === undefined
    ? undefined
    : {
        dataset,
        model: r.score.model,
        samplesPerSecond: r.perSecond[op],
        source: 'stored',
        origin: STORED_ORIGIN,
      };
};
