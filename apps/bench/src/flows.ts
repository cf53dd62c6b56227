import * as E from 'fp-ts/lib/Either.js';
import {
  type FlowDef,
  type FlowParams,
  type JsonObject,
  type NoParams,
  type Params,
  type PresetBuilder,
  tf,
} from '@bijective/core';
import { registry as coreRegistry } from '@bijective/core/testing';
import type { ContinuousFlowDef } from '@bijective/continuous';
import type { ReferenceModel } from './reference.js';

export interface FlowSize {
  readonly dim: number;
  readonly hidden: readonly number[];
  readonly transforms: number;
}

/** One benchmarkable flow: a preset of a flow package (or one of core's own flows). */
export interface FlowEntry {
  /** `family/name`, e.g. `autoregressive/maf`. */
  readonly id: string;
  readonly family: string;
  readonly name: string;
  /** An unconditional definition at these sizes plus extra preset options (may throw). */
  readonly build: (size: FlowSize, extra?: JsonObject) => FlowDef<Params>;
  /** A model with its own parameters (a loaded file), made afresh per call, instead of build. */
  readonly load?: () => { readonly def: FlowDef<Params>; readonly params: Params };
  /** The training loss of one step when it is not `-mean log p(x)` (flow matching's). */
  readonly trainLoss?: TrainLoss;
  /** The RESULTS.md model this preset reproduces, if any (NSF = autoregressive spline MAF). */
  readonly reference: ReferenceModel | 'FFJORD' | 'flow matching' | undefined;
  readonly continuous: boolean;
}

export type MissingFamily = { readonly family: string; readonly reason: string };

/** Every usable preset, and the packages that were skipped with their reasons. */
export interface FlowCatalog {
  readonly entries: readonly FlowEntry[];
  readonly missing: readonly MissingFamily[];
  /** Families whose module loaded (the browser page bundles them). */
  readonly loaded: readonly { readonly family: string; readonly packageName: string }[];
  readonly continuous: ContinuousTraining | undefined;
}

export type TrainLoss = (
  def: FlowDef<Params>,
  params: Params,
  x: tf.Tensor2D,
  seed: number,
) => tf.Scalar;

/** What the bench trains continuous flows with, typed by @bijective/continuous. */
export type ContinuousTraining = Pick<
  typeof import('@bijective/continuous'),
  'fitFfjord' | 'fitFlowMatching' | 'flowMatchingLoss'
>;

export const isContinuousDef = (def: FlowDef<Params>): def is ContinuousFlowDef =>
  'observe' in def && typeof def.observe === 'function' && 'vectorField' in def;

const REFERENCE_OF: Readonly<Record<string, FlowEntry['reference']>> = {
  'autoregressive/maf': 'MAF',
  'coupling/realNVP': 'RealNVP',
  'autoregressive/mafSpline': 'NSF',
  'continuous/ffjord': 'FFJORD',
  'continuous/flowMatching': 'flow matching',
};

/** A non-null object, read as a record of unknown values (untrusted modules and results). */
export const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> =>
  typeof x === 'object' && x !== null;

const isFlowDef = (x: unknown): x is FlowDef<Params> =>
  isRecord(x) && typeof x['init'] === 'function' && typeof x['apply'] === 'function';

const isPresetBuilder = (f: unknown): f is PresetBuilder => typeof f === 'function';

const isFlowParams = (p: Params): p is FlowParams<Params, NoParams> =>
  !(p instanceof tf.Tensor) && !Array.isArray(p) && 'transform' in p && 'base' in p;

/** Flow matching's step loss (Lipman et al. 2023): base draws `z`, times `t ~ U(0, T)`. */
const flowMatchingTrainLoss =
  (loss: ContinuousTraining['flowMatchingLoss']): TrainLoss =>
  (def, params, x, seed) => {
    if (!isContinuousDef(def) || !isFlowParams(params))
      throw new Error(`${def.name} has no vectorField/T for flow matching`);
    const n = x.shape[0];
    const z = def.apply(params).base.sample(n, seed);
    const t = tf.randomUniform([n], 0, def.T, 'float32', seed + 1) as tf.Tensor1D;
    return loss(def.vectorField(params), x, z, t, { T: def.T, sigmaMin: 0 });
  };

/** Catalog entries for one family's `presets` table; `trainLoss` overrides named presets' loss. */
const entriesOf = (
  family: string,
  presets: Readonly<Record<string, unknown>>,
  trainLoss: Readonly<Record<string, TrainLoss>>,
): FlowEntry[] =>
  Object.entries(presets).flatMap(([name, make]) => {
    if (!isPresetBuilder(make)) return [];
    const id = `${family}/${name}`;
    const build = (size: FlowSize, extra: JsonObject = {}): FlowDef<Params> => {
      const { dim, transforms } = size;
      const built = make({ dim, contextDim: 0, hidden: [...size.hidden], transforms, ...extra });
      if (E.isLeft(built)) throw built.left;
      const def: unknown = built.right;
      if (!isFlowDef(def)) throw new Error(`preset ${id} did not return a flow definition`);
      if (def.dim !== dim) throw new Error(`preset ${id} built dim ${def.dim}, asked for ${dim}`);
      return def;
    };
    const loss = trainLoss[name];
    const reference = REFERENCE_OF[id];
    const continuous = family === 'continuous';
    return [{ id, family, name, build, ...(loss && { trainLoss: loss }), reference, continuous }];
  });

/** Core's registry flows: tiny, always present; the smoke tests' flows and the fallback. */
export const coreEntries = (): FlowEntry[] =>
  Object.entries(coreRegistry).flatMap(([name, entry]) =>
    entry.kind === 'flow'
      ? [
          {
            id: `core/${name}`,
            family: 'core',
            name,
            build: (size: FlowSize) => entry.build({ dim: size.dim, contextDim: 0 }),
            reference: undefined,
            continuous: false,
          },
        ]
      : [],
  );

/** A flow package's module as imported (statically in browsers), or why not. */
export type FamilyModule = { readonly family: string; readonly packageName: string } & (
  | { readonly ok: true; readonly module: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: string }
);

/** A catalog from imported flow-package modules, with core's own flows. */
export const catalogFromModules = (
  modules: readonly FamilyModule[],
  continuous?: ContinuousTraining,
): FlowCatalog => {
  const entries: FlowEntry[] = [];
  const missing: MissingFamily[] = [];
  const loaded: { family: string; packageName: string }[] = [];
  for (const m of modules) {
    const { family, packageName } = m;
    const presets = m.ok ? m.module['presets'] : undefined;
    const losses: Record<string, TrainLoss> =
      family === 'continuous' && continuous !== undefined
        ? { flowMatching: flowMatchingTrainLoss(continuous.flowMatchingLoss) }
        : {};
    const found = isRecord(presets) ? entriesOf(family, presets, losses) : [];
    if (found.length > 0) loaded.push({ family, packageName });
    entries.push(...found);
    if (!m.ok) missing.push({ family, reason: m.reason });
    else if (found.length === 0)
      missing.push({ family, reason: `${packageName} exports no \`presets\` table` });
  }
  entries.push(...coreEntries());
  const withContinuous = loaded.some((l) => l.family === 'continuous') ? continuous : undefined;
  return { entries, missing, loaded, continuous: withContinuous };
};

export type Selection =
  | { readonly ok: true; readonly entries: readonly FlowEntry[] }
  | { readonly ok: false; readonly message: string };

/** Resolve `--flows`: `default`, `all`, a preset name or `family/name`; unknown ones are errors. */
export const selectFlows = (
  catalog: FlowCatalog,
  names: readonly string[],
  mode: 'speed' | 'quality' | 'browser',
): Selection => {
  const packaged = catalog.entries.filter((e) => e.family !== 'core');
  const out = new Set<FlowEntry>();
  const add = (e: FlowEntry) => out.add(e);
  for (const name of names) {
    if (name === 'default') {
      const pool =
        mode === 'quality' ? packaged.filter((e) => e.reference !== undefined) : packaged;
      (pool.length > 0 ? pool : catalog.entries.filter((e) => e.family === 'core')).forEach(add);
      continue;
    }
    if (name === 'all') {
      catalog.entries.forEach(add);
      continue;
    }
    const hits = catalog.entries.filter((e) => e.id === name || e.name === name);
    if (hits.length === 0) {
      const known = catalog.entries.map((e) => e.id).join(', ');
      const why = catalog.missing.map((m) => `${m.family}: ${m.reason}`).join('; ');
      return {
        ok: false,
        message: `--flows: unknown flow '${name}'. Available: ${known}${why === '' ? '' : `. Not loaded: ${why}`}`,
      };
    }
    hits.forEach(add);
  }
  return { ok: true, entries: [...out] };
};

/** Matrix order: zuko-referenced presets, other discrete, continuous (a budget cuts those last). */
export const prioritize = (entries: readonly FlowEntry[]): FlowEntry[] => {
  const rank = (e: FlowEntry) => (e.continuous ? 2 : e.reference !== undefined ? 0 : 1);
  return [...entries].sort((a, b) => rank(a) - rank(b)); // a stable sort keeps the catalog order
};
