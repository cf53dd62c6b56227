/**
 * Everything a person chose on the page, and its round trip through the
 * URL's fragment (`#data=moons&flow=realNVP&…`) so a setting can be shared
 * by link. Unknown or invalid values fall back to the defaults.
 */
import { type DatasetName, isDatasetName } from './datasets.js';
import { type PresetName, defaultSettings, isPresetName } from './flows.js';
import { BACKENDS, type BackendName } from './protocol.js';

/** The page's settings. `dataset: 'draw'` trains on the drawn points. */
export interface PageSettings {
  readonly dataset: DatasetName | 'draw';
  readonly seed: number;
  readonly points: number;
  readonly preset: PresetName;
  readonly transforms: number;
  readonly hidden: number;
  readonly bins: number;
  readonly backend: BackendName;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly maxSteps: number;
  /** Drawn points (row-major), only for `dataset: 'draw'`. */
  readonly drawn: readonly number[];
}

/** The defaults: moons, RealNVP, wasm. */
export const DEFAULTS: PageSettings = {
  dataset: 'moons',
  seed: 0,
  points: 4000,
  ...(({ preset, transforms, hidden, bins }) => ({ preset, transforms, hidden, bins }))(
    defaultSettings('realNVP'),
  ),
  backend: 'wasm',
  learningRate: 3e-3,
  batchSize: 256,
  maxSteps: 0,
  drawn: [],
};

/** Drawn points that still fit in a link (two decimals each). */
const MAX_LINK_POINTS = 400;

/**
 * The URL fragment for the settings.
 *
 * @example
 * ```ts
 * toHash({ ...DEFAULTS, dataset: 'pinwheel' }); // '#data=pinwheel&seed=0&…'
 * ```
 */
export const toHash = (s: PageSettings): string => {
  const q = new URLSearchParams({
    data: s.dataset,
    seed: String(s.seed),
    n: String(s.points),
    flow: s.preset,
    transforms: String(s.transforms),
    hidden: String(s.hidden),
    bins: String(s.bins),
    backend: s.backend,
    lr: String(s.learningRate),
    batch: String(s.batchSize),
    steps: String(s.maxSteps),
  });
  if (s.dataset === 'draw' && s.drawn.length > 0 && s.drawn.length <= 2 * MAX_LINK_POINTS)
    q.set('pts', s.drawn.map((v) => v.toFixed(2)).join(','));
  return `#${q.toString()}`;
};

const int = (v: string | null, lo: number, hi: number, d: number): number => {
  const n = v === null ? NaN : Number(v);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : d;
};

/** Settings from a URL fragment, defaults where absent or invalid. */
export const fromHash = (hash: string): PageSettings => {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const data = q.get('data') ?? '';
  const flow = q.get('flow') ?? '';
  const preset = isPresetName(flow) ? flow : DEFAULTS.preset;
  const d = q.has('flow') ? defaultSettings(preset) : DEFAULTS;
  const backend = q.get('backend') ?? '';
  const lr = Number(q.get('lr'));
  const pts = (q.get('pts') ?? '')
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
  return {
    dataset: data === 'draw' || isDatasetName(data) ? data : DEFAULTS.dataset,
    seed: int(q.get('seed'), 0, 2 ** 31 - 1, DEFAULTS.seed),
    points: int(q.get('n'), 100, 50_000, DEFAULTS.points),
    preset,
    transforms: int(q.get('transforms'), 1, 32, d.transforms),
    hidden: int(q.get('hidden'), 2, 512, d.hidden),
    bins: int(q.get('bins'), 2, 64, d.bins),
    backend: (BACKENDS as readonly string[]).includes(backend)
      ? (backend as BackendName)
      : DEFAULTS.backend,
    learningRate: lr > 0 && lr < 1 ? lr : DEFAULTS.learningRate,
    batchSize: int(q.get('batch'), 8, 4096, DEFAULTS.batchSize),
    maxSteps: int(q.get('steps'), 0, 10_000_000, DEFAULTS.maxSteps),
    drawn: pts.length % 2 === 0 && pts.every((v) => Number.isFinite(v)) ? pts : [],
  };
};
