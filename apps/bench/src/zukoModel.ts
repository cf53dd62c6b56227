import { basename } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { type BijectiveError, disposeParams } from '@bijective/core';
import {
  type ZukoModel,
  type ZukoFlowName,
  fromZuko,
  readSafetensorsFile,
} from '@bijective/interop/node';
import type { FlowEntry, FlowSize } from './flows.js';

/** A trained zuko flow (`--model PATH --zuko NAME`) as a row set of the speed matrix. */
export interface ZukoModelEntry {
  /** The entry: `load()` gives the file's definition and parameters afresh on the active backend. */
  readonly entry: FlowEntry;
  /** The model's own sizes: zuko's `features`, `hidden_features` and `transforms`. */
  readonly size: FlowSize;
  /** zuko's `context` (0 for an unconditional flow); timed with standard-normal context rows. */
  readonly contextDim: number;
}

/**
 * The speed rows' flow name of a model file: `zuko/<class> (<file name>)`.
 */
export const zukoModelId = (flow: ZukoFlowName, path: string): string =>
  `zuko/${flow} (${basename(path)})`;

/**
 * Read a safetensors file of a trained zuko flow and make it a speed-matrix entry: the state dict
 * is checked with `fromZuko` once (so an unreadable file, a malformed one or a state dict it
 * refuses is a `Left` whose message names the path, field or key, before any timing, and no tensor
 * is left behind); each cell then gets the definition and the stored parameters afresh, on
 * whichever backend is active then. The entry carries zuko's class as its reference model, so a
 * flow at RESULTS.md's sizes (dim 2, hidden [64, 64], 5 transforms, no context) gets zuko's
 * throughput beside it.
 */
export const loadZukoModel = (
  path: string,
  flow: ZukoFlowName,
): TE.TaskEither<BijectiveError, ZukoModelEntry> =>
  pipe(
    readSafetensorsFile(path),
    TE.chainEitherK((file) => E.map((m: ZukoModel) => ({ ...m, file }))(fromZuko(file, { flow }))),
    TE.map(({ file, def, params, zuko }) => {
      disposeParams(params);
      const id = zukoModelId(flow, path);
      const size = { dim: zuko.features, hidden: zuko.hiddenFeatures, transforms: zuko.transforms };
      const entry: FlowEntry = {
        id,
        family: 'zuko',
        name: basename(path),
        // The architecture is the file's; a size other than its own is a caller's mistake.
        build: (asked) => {
          if (asked.dim === size.dim) return def;
          throw new Error(`${id} has dim ${size.dim}, asked for ${asked.dim}`);
        },
        // The file passed fromZuko above, and fromZuko reads nothing else: a Left here is a bug.
        load: () => {
          const again = fromZuko(file, { flow });
          if (E.isLeft(again)) throw again.left;
          return again.right;
        },
        reference: zuko.context === 0 ? flow : undefined,
        continuous: false,
      };
      return { entry, size, contextDim: zuko.context };
    }),
  );
