import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { BijectiveError } from '@bijective/core';
import { type SafetensorsFile, type SafetensorsLimits, parseSafetensors } from './safetensors.js';

/**
 * Read a safetensors file from a browser `Blob` / `File` (e.g. from an `<input type="file">` or a
 * `fetch` response's `blob()`), then {@link parseSafetensors} it. A failed read is a
 * `Left(SerializationError)`; so is every malformed file.
 *
 * @example
 * ```ts
 * const file = await readSafetensorsBlob(input.files[0])();
 * ```
 */
export const readSafetensorsBlob = (
  blob: Blob,
  limits?: SafetensorsLimits,
): TE.TaskEither<BijectiveError, SafetensorsFile> =>
  pipe(
    TE.tryCatch(
      () => blob.arrayBuffer(),
      (e) =>
        new BijectiveError(
          'SerializationError',
          `blob: could not be read (${e instanceof Error ? e.message : String(e)})`,
          'blob',
        ),
    ),
    TE.chainEitherK((buf) => parseSafetensors(buf, limits)),
  );

/**
 * Encode tensors as a safetensors `Blob` (`application/octet-stream`) for a download link.
 *
 * @example
 * ```ts
 * const blob = safetensorsBlob(E.getOrElseW(() => { throw … })(toZuko(def, params)));
 * ```
 */
export const safetensorsBlob = (bytes: Uint8Array): Blob =>
  new Blob([Uint8Array.from(bytes)], { type: 'application/octet-stream' });
