import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { type BijectiveError, serializationError, valueError } from '../errors.js';
import type { FlowDef } from '../flow.js';
import type { Params } from '../params.js';
import { checkParamsMatch } from '../paramsCheck.js';
import { commitFlowFiles } from './commit.js';
import { encodeUnsigned } from './encode.js';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Save a flow to the folder `dir`: `flow.json` (manifest with name, config,
 * weight names and shapes, byte length, and a checksum over all of it and
 * the weights) and a weight file of float32 values (tfjs weights layout)
 * with a fresh unique name. Node only: import it from `@bijective/core/node`
 * (browsers use `encodeFlow` / `decodeFlow`).
 *
 * The model is replaced as one unit: the weight file and a temporary
 * manifest are written and fsynced, then one `rename` puts the manifest in
 * place (see `folder.ts`). A process killed at any instant leaves the old or
 * the new model, both loadable; concurrent saves to one folder (from one or
 * several processes) end with one of them complete. A failed save deletes its
 * own files; files left by crashed or superseded saves are deleted by the
 * next save and ignored by `loadFlow`.
 *
 * Refuses, with a `Left` and without touching the folder, what `loadFlow`
 * would refuse: parameters that do not have the leaves of `def.init`
 * (`ShapeError`) or that are not finite (`ValueError`).
 *
 * @example
 * ```ts
 * await saveFlow('./model', def, params)(); // Right(undefined)
 * ```
 */
export const saveFlow =
  <P extends Params>(
    dir: string,
    def: FlowDef<P>,
    params: P,
  ): TE.TaskEither<BijectiveError, void> =>
  async () => {
    const match = checkParamsMatch(def, params);
    if (E.isLeft(match)) return match;
    let encoded: ReturnType<typeof encodeUnsigned<P>>;
    try {
      encoded = encodeUnsigned(def, params, 'weights.bin'); // the name is chosen by commitFlowFiles
    } catch (e) {
      return E.left(serializationError(`could not encode the flow: ${message(e)}`, 'params'));
    }
    const floats = new Float32Array(encoded.bytes.buffer);
    const bad = floats.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      return E.left(
        valueError('params', 'finite values', `${floats[bad]} at value ${bad} (in manifest order)`),
      );
    try {
      await commitFlowFiles(dir, encoded.unsigned, encoded.bytes);
    } catch (e) {
      return E.left(serializationError(`could not save flow to '${dir}': ${message(e)}`, 'path'));
    }
    return E.right(undefined);
  };
