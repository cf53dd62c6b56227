/**
 * The browser-mode page (bundled by `browser.ts`): runs the wasm rows in Chromium; talks to Node
 * through `window.__bench` (polled) and `console.log` lines prefixed with `bench:` (progress).
 */
import * as E from 'fp-ts/lib/Either.js';
import { type BackendPlugin, tf, useBackend } from '@bijective/core';
import type { BenchOptions } from '../args.js';
import { errorText } from '../format.js';
import { type ContinuousTraining, type FamilyModule, catalogFromModules } from '../flows.js';
import type { SpeedRow } from '../model.js';
import { type SpeedSize, planMatrix, runMatrix } from '../speed.js';

/** What the Node side asks the page to run (JSON in the `o` query parameter). */
export type PageOptions = Pick<
  BenchOptions,
  'ops' | 'warmup' | 'reps' | 'cellSeconds' | 'budgetSeconds' | 'seed'
> & { readonly flows: readonly string[]; readonly sizes: readonly SpeedSize[] };

export interface PageResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly userAgent: string;
  readonly crossOriginIsolated: boolean;
  readonly wasm: Readonly<Record<string, string | number | boolean>>;
  readonly gemm: readonly SpeedRow[];
  readonly rows: readonly SpeedRow[];
}

export type PageState = { done: boolean; result: PageResult | undefined };

const say = (message: Readonly<Record<string, unknown>>) =>
  console.log(`bench:${JSON.stringify(message)}`);

/** The page's entry: select the wasm backend, run GEMM and the cells, publish the result. */
export const runPage = async (
  modules: readonly FamilyModule[],
  wasmBackend: (options: { readonly wasmPaths: string }) => BackendPlugin,
  continuous?: ContinuousTraining,
): Promise<void> => {
  const state: PageState = { done: false, result: undefined };
  (globalThis as { __bench?: PageState }).__bench = state;
  const base = {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  };
  let wasm: PageResult['wasm'] = {};
  try {
    const o = JSON.parse(new URLSearchParams(location.search).get('o') ?? '{}') as PageOptions;
    const plugin = wasmBackend({ wasmPaths: '/wasm/' });
    const ready = await useBackend(plugin)();
    wasm = plugin.describe?.() ?? {};
    if (E.isLeft(ready)) throw ready.left;
    const catalog = catalogFromModules(modules, continuous);
    const entries = o.flows.flatMap((id) => catalog.entries.filter((e) => e.id === id));
    const cells = planMatrix(entries, o.ops, o.sizes, ['browser-wasm']);
    const { gemm, rows } = await runMatrix(['browser-wasm'], cells, {
      timing: { warmup: o.warmup, reps: o.reps, maxSeconds: o.cellSeconds },
      seed: o.seed,
      budgetSeconds: o.budgetSeconds,
      activate: async () => {
        if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
      },
      progress: {
        start: (total) => say({ kind: 'start', total }),
        begin: (index, label) => say({ kind: 'begin', index, label }),
        done: (index, row) => say({ kind: 'done', index, row }),
        finish: () => say({ kind: 'finish' }),
      },
    });
    state.result = { ...base, ok: true, wasm, gemm, rows };
  } catch (e) {
    state.result = { ...base, ok: false, error: errorText(e), wasm, gemm: [], rows: [] };
  } finally {
    state.done = true;
  }
};
