import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { tf } from '../tf.js';
import { BijectiveError } from '../errors.js';

/**
 * A tensor backend that bijective can run on. `ready()` loads and registers
 * it with tfjs (idempotently) or says why it cannot; `name` is the tfjs
 * backend name it registers (`cpu`, `wasm`, `native`, `tensorflow`).
 *
 * @example
 * ```ts
 * import { wasmBackend } from '@bijective/backend-wasm';
 * await useBackend(wasmBackend())();
 * ```
 */
export interface BackendPlugin {
  readonly name: string;
  readonly ready: () => TE.TaskEither<BijectiveError, void>;
  /** Human-readable facts about what loaded (binary flavour, SIMD, threads). */
  readonly describe?: () => Record<string, string | number | boolean>;
}

/** A backend failure, naming the backend and, where there is one, the fix. */
export const backendError = (backend: string, message: string): BijectiveError =>
  new BijectiveError('BackendError', `backend '${backend}': ${message}`, 'backend', backend);

/**
 * Make `plugin` the active tfjs backend: one call to switch between cpu,
 * native Node and WASM-SIMD. Resolves to `Left(BackendError)` if it cannot be
 * loaded; the previous backend then stays active.
 *
 * @example
 * ```ts
 * const r = await useBackend(cpuBackend)();
 * if (E.isLeft(r)) console.error(r.left.message);
 * ```
 */
export const useBackend = (plugin: BackendPlugin): TE.TaskEither<BijectiveError, void> =>
  pipe(
    plugin.ready(),
    TE.chain(() =>
      TE.tryCatch(
        async () => {
          const ok = await tf.setBackend(plugin.name);
          if (!ok) throw new Error('tf.setBackend returned false');
          await tf.ready();
        },
        (e) =>
          backendError(
            plugin.name,
            `could not be selected: ${e instanceof Error ? e.message : String(e)}`,
          ),
      ),
    ),
  );

/**
 * tfjs's plain JavaScript backend, available everywhere; the reference for
 * conformance. Node registers it when core loads; in a browser bundle it is
 * loaded (a separate chunk) the first time this plugin is used.
 */
export const cpuBackend: BackendPlugin = {
  name: 'cpu',
  ready: () =>
    TE.tryCatch(
      async () => {
        await import('@tensorflow/tfjs-backend-cpu');
      },
      (e) =>
        backendError('cpu', `could not be loaded: ${e instanceof Error ? e.message : String(e)}`),
    ),
  describe: () => ({ kind: 'JavaScript (tfjs-backend-cpu)' }),
};
