import * as E from 'fp-ts/lib/Either.js';
import { type BackendPlugin, cpuBackend, tf, useBackend } from '@bijective/core';

/** What `--backend` may name; `auto` tries native, then wasm, then cpu. */
export const backendNames = ['auto', 'native', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof backendNames)[number];

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The plugin of a named backend, imported on demand (`@bijective/backend-node` is optional). */
const plugin = async (
  name: Exclude<BackendChoice, 'auto'>,
): Promise<E.Either<string, BackendPlugin>> => {
  try {
    if (name === 'cpu') return E.right(cpuBackend);
    if (name === 'wasm') return E.right((await import('@bijective/backend-wasm')).wasmBackend());
    return E.right((await import('@bijective/backend-node')).nativeBackend());
  } catch (e) {
    return E.left(`could not load the ${name} backend: ${message(e)}`);
  }
};

const select = async (name: Exclude<BackendChoice, 'auto'>): Promise<E.Either<string, string>> => {
  const p = await plugin(name);
  if (E.isLeft(p)) return p;
  const r = await useBackend(p.right)();
  return E.isLeft(r) ? E.left(r.left.message) : E.right(tf.getBackend());
};

/**
 * Select the tensor backend: the named one, or for `auto` the fastest that
 * loads — native (`@bijective/backend-node`, if installed and its addon
 * built), then wasm, then tfjs's cpu. Resolves to the selected backend's name,
 * or `Left(reason)` when a named backend cannot be used.
 *
 * @example
 * ```ts
 * const b = await chooseBackend('auto'); // Right('native') on a machine with the addon
 * ```
 */
export const chooseBackend = async (choice: BackendChoice): Promise<E.Either<string, string>> => {
  if (choice !== 'auto') return select(choice);
  for (const name of ['native', 'wasm'] as const) {
    const r = await select(name);
    if (E.isRight(r)) return r;
  }
  return select('cpu');
};
