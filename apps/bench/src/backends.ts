import * as E from 'fp-ts/lib/Either.js';
import { type BackendPlugin, cpuBackend, tf, useBackend } from '@bijective/core';
import type { BackendName } from './args.js';
import { importFailure } from './families.js';

/** Whether a backend could be loaded and selected, and what it reports about itself. */
export interface BackendStatus {
  readonly name: BackendName;
  readonly available: boolean;
  /** Why it is unavailable (missing package, failed load), when it is. */
  readonly reason?: string;
  /** The plugin's `describe()` (binary flavour, SIMD, threads …), when available. */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** A loaded backend: its status and the plugin to re-select it with. */
export interface LoadedBackend {
  readonly status: BackendStatus;
  readonly plugin: BackendPlugin | undefined;
}

/** Each package backend: where its factory lives, and the factory, imported (typed) on demand. */
const SOURCES: Readonly<
  Record<
    Exclude<BackendName, 'cpu'>,
    {
      readonly packageName: string;
      readonly factory: string;
      readonly load: () => Promise<() => BackendPlugin>;
    }
  >
> = {
  wasm: {
    packageName: '@bijective/backend-wasm',
    factory: 'wasmBackend',
    load: () => import('@bijective/backend-wasm').then((m) => () => m.wasmBackend()),
  },
  native: {
    packageName: '@bijective/backend-node',
    factory: 'nativeBackend',
    load: () => import('@bijective/backend-node').then((m) => () => m.nativeBackend()),
  },
  tensorflow: {
    packageName: '@bijective/backend-node',
    factory: 'tensorflowBackend',
    load: () => import('@bijective/backend-node').then((m) => () => m.tensorflowBackend()),
  },
};

/** Find the plugin of a backend: core's cpu, or a factory of a backend package imported dynamically. */
const pluginFor = async (name: BackendName): Promise<E.Either<string, BackendPlugin>> => {
  if (name === 'cpu') return E.right(cpuBackend);
  const { packageName, factory, load } = SOURCES[name];
  let make: () => BackendPlugin;
  try {
    make = await load();
  } catch (e) {
    return E.left(importFailure(packageName, e));
  }
  try {
    return E.right(make());
  } catch (e) {
    return E.left(
      `${packageName}.${factory}() threw: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
};

const describe = (plugin: BackendPlugin): Readonly<Record<string, string | number | boolean>> => {
  try {
    return plugin.describe?.() ?? {};
  } catch {
    return {};
  }
};

/**
 * Load and select one backend (`useBackend`), then record what loaded. Never throws: a missing
 * package, a missing native addon or a binary that fails to load is an unavailable status with
 * the reason.
 */
const loadBackend = async (name: BackendName): Promise<LoadedBackend> => {
  const unavailable = (reason: string): LoadedBackend => ({
    status: { name, available: false, reason, details: {} },
    plugin: undefined,
  });
  const found = await pluginFor(name);
  if (E.isLeft(found)) return unavailable(found.left);
  const plugin = found.right;
  try {
    const r = await useBackend(plugin)();
    if (E.isLeft(r)) return unavailable(r.left.message);
  } catch (e) {
    return unavailable(e instanceof Error ? e.message : String(e));
  }
  return { status: { name, available: true, details: describe(plugin) }, plugin };
};

/**
 * Make an already-loaded backend the active one (cheap: tfjs keeps every
 * initialised backend). Throws if tfjs refuses, which would be a bug.
 *
 * @example
 * ```ts
 * const [wasm] = await loadBackends(['wasm']);
 * if (wasm?.plugin !== undefined) await activate(wasm.plugin);
 * ```
 */
export const activate = async (plugin: BackendPlugin): Promise<void> => {
  if (tf.getBackend() === plugin.name) return;
  const ok = await tf.setBackend(plugin.name);
  if (!ok) throw new Error(`tf.setBackend('${plugin.name}') failed`);
  await tf.ready();
};

/**
 * Load every requested backend in order; the active backend afterwards is cpu (if requested) or the last that loaded.
 *
 * @example
 * ```ts
 * const loaded = await loadBackends(['cpu', 'wasm', 'native']);
 * loaded.filter((b) => !b.status.available).map((b) => b.status.reason);
 * ```
 */
export const loadBackends = async (names: readonly BackendName[]): Promise<LoadedBackend[]> => {
  const out: LoadedBackend[] = [];
  for (const name of names) out.push(await loadBackend(name));
  return out;
};
