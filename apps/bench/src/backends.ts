import * as E from 'fp-ts/lib/Either.js';
import { type BackendPlugin, cpuBackend, tf, useBackend } from '@bijective/core';
import type { BackendName } from './args.js';
import { importFailure } from './families.js';
import { errorText } from './format.js';

/** Whether a backend could be loaded and selected, and what it reports about itself. */
export interface BackendStatus {
  readonly name: BackendName;
  readonly available: boolean;
  readonly reason?: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** A loaded backend: its status and the plugin to re-select it with. */
export interface LoadedBackend {
  readonly status: BackendStatus;
  readonly plugin: BackendPlugin | undefined;
}

/** Each package backend: its package, its factory's name, and the factory, imported on demand. */
const SOURCES: Readonly<
  Record<Exclude<BackendName, 'cpu'>, readonly [string, string, () => Promise<() => BackendPlugin>]>
> = {
  wasm: [
    '@bijective/backend-wasm',
    'wasmBackend',
    () => import('@bijective/backend-wasm').then((m) => () => m.wasmBackend()),
  ],
  native: [
    '@bijective/backend-node',
    'nativeBackend',
    () => import('@bijective/backend-node').then((m) => () => m.nativeBackend()),
  ],
  tensorflow: [
    '@bijective/backend-node',
    'tensorflowBackend',
    () => import('@bijective/backend-node').then((m) => () => m.tensorflowBackend()),
  ],
};

/** Load and select one backend; never throws (a missing package or binary is `unavailable`). */
const loadBackend = async (name: BackendName): Promise<LoadedBackend> => {
  const unavailable = (reason: string): LoadedBackend => ({
    status: { name, available: false, reason, details: {} },
    plugin: undefined,
  });
  let plugin: BackendPlugin = cpuBackend;
  if (name !== 'cpu') {
    const [packageName, factory, load] = SOURCES[name];
    const make = await load().catch((e: unknown) => importFailure(packageName, e));
    if (typeof make === 'string') return unavailable(make);
    try {
      plugin = make();
    } catch (e) {
      return unavailable(`${packageName}.${factory}() threw: ${errorText(e)}`);
    }
  }
  try {
    const r = await useBackend(plugin)();
    if (E.isLeft(r)) return unavailable(r.left.message);
  } catch (e) {
    return unavailable(errorText(e));
  }
  let details: BackendStatus['details'] = {};
  try {
    details = plugin.describe?.() ?? {};
  } catch {
    // a backend that cannot describe itself is still usable
  }
  return { status: { name, available: true, details }, plugin };
};

/** Make a loaded backend active (cheap: tfjs keeps every initialised backend). */
export const activate = async (plugin: BackendPlugin): Promise<void> => {
  if (tf.getBackend() === plugin.name) return;
  const ok = await tf.setBackend(plugin.name);
  if (!ok) throw new Error(`tf.setBackend('${plugin.name}') failed`);
  await tf.ready();
};

/** Load every requested backend in order. */
export const loadBackends = async (names: readonly BackendName[]): Promise<LoadedBackend[]> => {
  const out: LoadedBackend[] = [];
  for (const name of names) out.push(await loadBackend(name));
  return out;
};
