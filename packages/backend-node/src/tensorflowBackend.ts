import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { type BackendPlugin, type BijectiveError, tf } from '@bijective/core';
import { backendError } from '@bijective/core/backend';

/** The tfjs backend name that `@tensorflow/tfjs-node` registers. */
export const TENSORFLOW_BACKEND_NAME = 'tensorflow';

/** Options of {@link tensorflowBackend}. */
export type TensorflowBackendOptions = {
  /**
   * Imports `@tensorflow/tfjs-node` (default: a dynamic `import()`), whose
   * side effect registers the `tensorflow` backend. Tests inject a stand-in.
   */
  readonly importer?: () => Promise<unknown>;
};

/** The fix named when tfjs-node is absent. */
export const TFJS_NODE_FIX =
  'Install it with `npm i @tensorflow/tfjs-node@4.22.0` (or `pnpm add @tensorflow/tfjs-node@4.22.0`); its install ' +
  "script downloads libtensorflow from Google's CDN, so it needs network access (if it is installed but " +
  'tfjs_binding.node is missing, that download failed: run `npm rebuild @tensorflow/tfjs-node` online). ' +
  'Without it use nativeBackend().';

// A variable specifier keeps bundlers and tsc from requiring the optional peer.
const TFJS_NODE = '@tensorflow/tfjs-node';
const defaultImporter = (): Promise<unknown> => import(TFJS_NODE);

const firstLine = (e: unknown): string =>
  e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);

/**
 * Bridge to TensorFlow's C library through `@tensorflow/tfjs-node`, an
 * optional peer dependency the user installs. `ready()` imports it lazily
 * (importing registers the `tensorflow` backend, priority 3, with the shared
 * tfjs-core) and checks the backend is visible to bijective's tfjs-core;
 * when the package is absent or broken it returns `Left(BackendError)`
 * naming `npm i @tensorflow/tfjs-node`.
 *
 * @example
 * ```ts
 * const r = await useBackend(tensorflowBackend())();
 * if (E.isLeft(r)) console.warn(r.left.message); // e.g. tfjs-node not installed
 * ```
 */
export const tensorflowBackend = (options: TensorflowBackendOptions = {}): BackendPlugin => {
  let status: 'not loaded' | 'loaded' | 'missing' = 'not loaded';
  let error = '';
  const fail = (message: string): E.Either<BijectiveError, void> => {
    status = 'missing';
    error = message;
    return E.left(backendError(TENSORFLOW_BACKEND_NAME, message));
  };
  const ready = (): TE.TaskEither<BijectiveError, void> => async () => {
    if (tf.findBackendFactory(TENSORFLOW_BACKEND_NAME) === null) {
      try {
        await (options.importer ?? defaultImporter)();
      } catch (e) {
        return fail(
          `@tensorflow/tfjs-node is not installed or failed to load (${firstLine(e)}). ${TFJS_NODE_FIX}`,
        );
      }
      if (tf.findBackendFactory(TENSORFLOW_BACKEND_NAME) === null) {
        return fail(
          '@tensorflow/tfjs-node loaded but registered no `tensorflow` backend with the @tensorflow/tfjs-core ' +
            'bijective uses (two tfjs-core copies?). Install @tensorflow/tfjs-node 4.22.0 so both share tfjs-core 4.22.0.',
        );
      }
    }
    status = 'loaded';
    return E.right(undefined);
  };
  return {
    name: TENSORFLOW_BACKEND_NAME,
    ready,
    describe: (): Record<string, string | number | boolean> =>
      status === 'missing'
        ? { bridge: TFJS_NODE, status, error, fix: TFJS_NODE_FIX }
        : { bridge: TFJS_NODE, status },
  };
};
