/**
 * Node entry of `@bijective/interop` (`@bijective/interop/node`): safetensors files by path.
 * Everything else is in the package root, which also runs in browsers.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { BijectiveError } from '@bijective/core';
import {
  type SafeTensor,
  type SafetensorsFile,
  type SafetensorsLimits,
  encodeSafetensors,
  parseSafetensors,
} from './safetensors.js';

const ioError = (path: string, what: string, e: unknown): BijectiveError =>
  new BijectiveError(
    'SerializationError',
    `${path}: could not be ${what} (${e instanceof Error ? e.message : String(e)})`,
    'path',
  );

/**
 * Read and validate a safetensors file (e.g. one written by
 * `safetensors.torch.save_file(flow.state_dict(), path)`); see {@link parseSafetensors}.
 *
 * @example
 * ```ts
 * const file = await readSafetensorsFile('maf.safetensors')(); // Either<BijectiveError, SafetensorsFile>
 * ```
 */
export const readSafetensorsFile = (
  path: string,
  limits?: SafetensorsLimits,
): TE.TaskEither<BijectiveError, SafetensorsFile> =>
  pipe(
    TE.tryCatch(
      () => readFile(path),
      (e) => ioError(path, 'read', e),
    ),
    TE.chainEitherK((buf) =>
      parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.length), limits),
    ),
  );

/**
 * Write tensors as a safetensors file ({@link encodeSafetensors}), through a temporary file
 * renamed into place, so an existing file is replaced whole or not at all.
 *
 * @example
 * ```ts
 * const sd = toZuko(def, params);
 * if (E.isRight(sd)) await writeSafetensorsFile('flow.safetensors', sd.right)();
 * ```
 */
export const writeSafetensorsFile = (
  path: string,
  tensors: ReadonlyMap<string, SafeTensor> | Readonly<Record<string, SafeTensor>>,
  metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): TE.TaskEither<BijectiveError, void> =>
  pipe(
    TE.fromEither(encodeSafetensors(tensors, metadata)),
    TE.chain((bytes) =>
      TE.tryCatch(
        async () => {
          const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
          await writeFile(tmp, bytes);
          await rename(tmp, path);
        },
        (e) => ioError(path, 'written', e),
      ),
    ),
  );

export * from './index.js';
