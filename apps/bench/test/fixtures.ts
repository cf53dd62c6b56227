import { fileURLToPath } from 'node:url';
import { presetDefaults } from '../src/args.js';
import type { BenchReport, QualityRow, SpeedRow } from '../src/model.js';
import { STORED_ORIGIN } from '../src/reference.js';
import { summarize } from '../src/stats.js';

const size = { dim: 2, hidden: [64, 64], transforms: 5 };

/** A speed row at RESULTS.md's moons sizes (so it has a reference), timed at `seconds`. */
export const speedRow = (
  flow: string,
  backend: string,
  op: 'train' | 'logProb' | 'sample',
  seconds: number[],
  ref?: number,
): SpeedRow => {
  const batch = op === 'train' ? 256 : 1024;
  const s = summarize(seconds);
  return {
    flow,
    backend,
    op,
    ...size,
    batch,
    params: 23060,
    status: 'ok',
    seconds: s,
    samplesPerSecond: batch / s.median,
    leakedTensors: 0,
    calls: seconds.length,
    ...(ref === undefined
      ? {}
      : {
          reference: {
            dataset: 'moons',
            model: 'MAF',
            samplesPerSecond: ref,
            source: 'stored',
            origin: STORED_ORIGIN,
            ratio: batch / s.median / ref,
          },
        }),
  };
};

const gemm = (backend: string, seconds: number): SpeedRow => ({
  flow: 'gemm',
  backend,
  op: 'gemm',
  dim: 256,
  batch: 512,
  hidden: [256],
  transforms: 0,
  params: 0,
  status: 'ok',
  seconds: summarize([seconds, seconds * 1.1, seconds * 0.9]),
  samplesPerSecond: 512 / seconds,
  gflops: (2 * 512 * 256 * 256) / seconds / 1e9,
  readBackSeconds: summarize([seconds * 2, seconds * 2.2, seconds * 1.8]),
  leakedTensors: 0,
  calls: 3,
});

const quality: QualityRow[] = [
  {
    dataset: 'moons',
    flow: 'autoregressive/maf',
    backend: 'cpu',
    status: 'ok',
    params: 23060,
    method: 'maximum likelihood',
    testLL: -1.8,
    testLLStdErr: 0.02,
    testMedian: -1.55,
    wallSeconds: 12,
    steps: 780,
    epochs: 10,
    stoppedBy: 'patience',
    reference: {
      model: 'MAF',
      testLL: -1.738,
      testLLMin: -1.777,
      testLLMax: -1.717,
      median: -1.501,
    },
  },
  {
    dataset: 'moons',
    flow: 'coupling/glow',
    backend: 'cpu',
    status: 'failed',
    reason: 'DivergedError: boom',
  },
];

/** A report with speed and quality sections, a skipped backend, a leak and a picture. */
export const sampleReport = (): BenchReport => ({
  tool: '@bijective/bench',
  createdAt: '2026-01-01T00:00:00.000Z',
  options: presetDefaults('quick', 'speed'),
  environment: { node: 'v20', cpus: 2 },
  backends: [
    { name: 'cpu', available: true, details: { kind: 'JavaScript' } },
    { name: 'wasm', available: true, details: { flavour: 'simd' } },
    { name: 'native', available: false, reason: 'addon not built', details: {} },
  ],
  flows: {
    selected: ['autoregressive/maf', 'coupling/glow'],
    missing: [{ family: 'continuous', reason: 'no presets' }],
  },
  speed: {
    gemm: [gemm('cpu', 0.3), gemm('wasm', 0.01)],
    rows: [
      speedRow('autoregressive/maf', 'cpu', 'train', [0.1, 0.11, 0.12], 62000),
      speedRow('autoregressive/maf', 'wasm', 'train', [0.02, 0.021, 0.019], 62000),
      { ...speedRow('coupling/glow', 'cpu', 'logProb', [0.01, 0.01, 0.01]), leakedTensors: 6 },
      {
        ...speedRow('coupling/glow', 'wasm', 'logProb', [0.01]),
        status: 'skipped',
        reason: 'time budget used up',
      },
    ],
  },
  quality: {
    rows: quality,
    pictures: [
      {
        title: 'moons <maf>',
        file: 'pictures/moons-maf.svg',
        svg: '<svg xmlns="http://www.w3.org/2000/svg" id="pic"><rect width="1" height="1"/></svg>',
      },
    ],
  },
  leakedTensorsOverall: 0,
  wallSeconds: 42,
});

/** A committed zuko 1.6.0 fixture of @bijective/interop (made by packages/interop/scripts/make-zuko-fixtures.py). */
export const zukoFixture = (name: string): string =>
  fileURLToPath(new URL(`../../../packages/interop/fixtures/${name}`, import.meta.url));

/** The words of a space-separated string: an argv or a list of expected values, on one line. */
export const words = (s: string): string[] => s.split(' ');
