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
  readonly entry: FlowEntry;
  readonly size: FlowSize;
  /** zuko's `context` (0: unconditional); timed with standard-normal context rows. */
  readonly contextDim: number;
}

/** The speed rows' flow name of a model file: `zuko/<class> (<file name>)`. */
export const zukoModelId = (flow: ZukoFlowName, path: string): string =>
  `zuko/${flow} (${basename(path)})`;

/**
 * A trained zuko flow's safetensors file as a speed-matrix entry, checked with `fromZuko` once (a
 * bad file is a `Left` before any timing); each cell gets the definition and parameters afresh.
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
