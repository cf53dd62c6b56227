/**
 * The flow presets the playground offers: every discrete preset of
 * `@bijective/coupling` and `@bijective/autoregressive`, plus flow matching
 * from `@bijective/continuous`, each with its main sizes. Only the packages'
 * public entry points are used, exactly as a user's app would.
 */
import type { FlowDef, FlowParams, JsonObject, Params, Presets } from '@bijective/core';
import { glow, nice, nsfCoupling, presets as couplingPresets, realNVP } from '@bijective/coupling';
import { iaf, maf, mafSpline, presets as autoregressivePresets } from '@bijective/autoregressive';
import { flowMatching, presets as continuousPresets } from '@bijective/continuous';

/** Preset names, in the order of the menu. */
export const PRESETS = [
  'realNVP',
  'nice',
  'glow',
  'nsfCoupling',
  'maf',
  'iaf',
  'mafSpline',
  'flowMatching',
] as const;
export type PresetName = (typeof PRESETS)[number];

/** What the menu says about each preset: its family, label and a one-line explanation. */
export const PRESET_INFO: Readonly<
  Record<PresetName, { family: string; label: string; blurb: string; spline: boolean }>
> = {
  realNVP: {
    family: 'Coupling',
    label: 'RealNVP (affine coupling)',
    blurb: 'Each layer scales and shifts half of the coordinates, conditioned on the other half.',
    spline: false,
  },
  nice: {
    family: 'Coupling',
    label: 'NICE (additive coupling)',
    blurb: 'Volume-preserving shifts of half the coordinates, then one diagonal scaling.',
    spline: false,
  },
  glow: {
    family: 'Coupling',
    label: 'Glow (ActNorm + LU + coupling)',
    blurb: 'Each step normalises, mixes coordinates with an invertible linear map, then couples.',
    spline: false,
  },
  nsfCoupling: {
    family: 'Coupling',
    label: 'Neural spline flow (coupling)',
    blurb: 'Monotone rational-quadratic splines instead of affine maps: very flexible per layer.',
    spline: true,
  },
  maf: {
    family: 'Autoregressive',
    label: 'MAF (masked autoregressive)',
    blurb: 'Each coordinate is scaled and shifted given the ones before it (MADE networks).',
    spline: false,
  },
  iaf: {
    family: 'Autoregressive',
    label: 'IAF (inverse autoregressive)',
    blurb: 'MAF run backwards: fast sampling, slower density (one pass per coordinate).',
    spline: false,
  },
  mafSpline: {
    family: 'Autoregressive',
    label: 'Neural spline flow (autoregressive)',
    blurb: 'Autoregressive rational-quadratic splines.',
    spline: true,
  },
  flowMatching: {
    family: 'Continuous',
    label: 'Flow matching (ODE)',
    blurb: 'Learns a velocity field that carries the data to the Gaussian along straight paths.',
    spline: false,
  },
};

/** The sizes a person can choose. `transforms` is the number of ODE steps for flow matching. */
export interface FlowSettings {
  readonly preset: PresetName;
  readonly transforms: number;
  readonly hidden: number;
  readonly bins: number;
}

/** A sensible default per preset. */
export const defaultSettings = (preset: PresetName): FlowSettings => ({
  preset,
  transforms: preset === 'flowMatching' ? 8 : preset === 'glow' || preset === 'nsfCoupling' ? 4 : 6,
  hidden: 64,
  bins: 8,
});

/** Whether a string names a preset. */
export const isPresetName = (s: string): s is PresetName =>
  (PRESETS as readonly string[]).includes(s);

/** Every discrete preset's parameters: one entry per layer under `transform`, none for the base. */
type LayeredParams = FlowParams<Params[], Params>;

/** A built flow: the definition, and how its layers group into the steps the layers view shows. */
export interface BuiltFlow {
  readonly def: FlowDef<Params>;
  readonly settings: FlowSettings;
  /**
   * The definition made of the first `k` steps (0 < k ≤ steps) and the
   * parameters it takes from the full flow's, for the layers view; for flow
   * matching, `undefined` (its "layers" are times along the ODE).
   */
  readonly prefix?: (k: number, params: Params) => { def: FlowDef<Params>; params: Params };
  /** Number of steps the layers view can show. */
  readonly steps: number;
}

const hidden = (s: FlowSettings) => [s.hidden, s.hidden];

const isLayered = (p: Params): p is LayeredParams =>
  typeof p === 'object' &&
  p !== null &&
  !Array.isArray(p) &&
  'transform' in p &&
  Array.isArray((p as { transform?: unknown }).transform);

/**
 * Build a preset's definition from the settings. `layersPerStep` counts the
 * layers one step adds (Glow: ActNorm, LU, coupling = 3); `trailing` the
 * layers after the last step (NICE's diagonal scaling).
 */
const layered = (
  s: FlowSettings,
  make: (steps: number) => FlowDef<Params>,
  layersPerStep: number,
  trailing = 0,
): BuiltFlow => ({
  def: make(s.transforms),
  settings: s,
  steps: s.transforms,
  prefix: (k, params) => {
    if (!isLayered(params)) throw new Error('unexpected parameter tree');
    const t = params.transform;
    const kept = t.slice(0, k * layersPerStep).concat(t.slice(t.length - trailing));
    return { def: make(k), params: { transform: kept, base: params.base } };
  },
});

/**
 * The definition of a preset with the chosen sizes (2-D data), with the
 * information the layers view needs.
 *
 * @example
 * ```ts
 * const f = buildFlow({ preset: 'realNVP', transforms: 6, hidden: 64, bins: 8 });
 * const params = f.def.init(0);
 * ```
 */
export const buildFlow = (s: FlowSettings): BuiltFlow => {
  const dim = 2;
  const h = hidden(s);
  switch (s.preset) {
    case 'realNVP':
      return layered(s, (steps) => realNVP({ dim, steps, hidden: h }), 1);
    case 'nice':
      return layered(s, (steps) => nice({ dim, steps, hidden: h }), 1, 1);
    case 'glow':
      return layered(s, (steps) => glow({ dim, steps, hidden: h }), 3);
    case 'nsfCoupling':
      return layered(
        s,
        (steps) => nsfCoupling({ dim, steps, hidden: h, bins: s.bins, bound: 5 }),
        2,
      );
    case 'maf':
      return layered(s, (transforms) => maf({ dim, transforms, hidden: h }), 1);
    case 'iaf':
      return layered(s, (transforms) => iaf({ dim, transforms, hidden: h }), 1);
    case 'mafSpline':
      return layered(
        s,
        (transforms) => mafSpline({ dim, transforms, hidden: h, bins: s.bins, bound: 5 }),
        1,
      );
    case 'flowMatching':
      return {
        def: flowMatching({ dim, hidden: h, solver: { kind: 'rk4', steps: s.transforms } }),
        settings: s,
        steps: s.transforms,
      };
  }
};

/** Every preset constructor of the three packages, by saved name (for loading a model file). */
export const PRESET_BUILDERS: Presets = {
  ...couplingPresets,
  ...autoregressivePresets,
  ...continuousPresets,
};

/**
 * The settings that rebuild a saved flow's definition, read back from its
 * `config` (what the playground saved), or `undefined` if it is not one the
 * playground can show.
 */
export const settingsFromConfig = (name: string, config: JsonObject): FlowSettings | undefined => {
  if (!isPresetName(name)) return undefined;
  const num = (k: string): number | undefined => {
    const v = config[k];
    return typeof v === 'number' ? v : undefined;
  };
  const hid = config['hidden'];
  const width = Array.isArray(hid) && typeof hid[0] === 'number' ? hid[0] : undefined;
  const solver = config['solver'];
  const odeSteps =
    typeof solver === 'object' && solver !== null && !Array.isArray(solver)
      ? (solver as { steps?: unknown }).steps
      : undefined;
  const transforms =
    name === 'flowMatching'
      ? typeof odeSteps === 'number'
        ? odeSteps
        : undefined
      : (num('steps') ?? num('transforms'));
  if (transforms === undefined || width === undefined) return undefined;
  return { preset: name, transforms, hidden: width, bins: num('bins') ?? 8 };
};
