import * as E from 'fp-ts/lib/Either.js';
import { STANDARDIZED, countParams, disposeParams } from '@bijective/core';
import * as A from '../args.js';
import type { Failure } from '../failure.js';
import { type Io, readModel } from '../io.js';

export const infoOptions = { json: { type: 'boolean' } } as const;

export const infoHelp = `bijective info <model/> [--json]

Describe a saved model: its flow, dimension, parameter count, options and standardization.

  --json             print the description as JSON
`;

const short = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
};

/** Run `bijective info`: load the model (fully validated) and describe it. */
export const runInfo = async (p: A.Parsed, io: Io): Promise<E.Either<Failure, void>> => {
  const pos = A.positionals(p, ['model']);
  if (E.isLeft(pos)) return pos;
  const model = await readModel(pos.right[0]!);
  if (E.isLeft(model)) return model;
  const { def, params } = model.right;
  try {
    const c = def.config;
    const wrapped = def.name === STANDARDIZED;
    const info = {
      flow: wrapped ? c['flow'] : def.name,
      dim: def.dim,
      contextDim: def.contextDim,
      parameters: countParams(params),
      options: wrapped ? c['config'] : c,
      standardization: wrapped ? { mean: c['mean'], std: c['std'] } : null,
    };
    if (p.values['json'] === true) io.out(`${JSON.stringify(info, null, 2)}\n`);
    else
      io.out(
        [
          `flow:            ${String(info.flow)}`,
          `dimension:       ${info.dim}`,
          `context:         ${info.contextDim}`,
          `parameters:      ${info.parameters}`,
          `options:         ${short(info.options)}`,
          `standardization: ${info.standardization === null ? 'none' : `mean ${short(info.standardization.mean)}, std ${short(info.standardization.std)}`}`,
          '',
        ].join('\n'),
      );
    return E.right(undefined);
  } finally {
    disposeParams(params);
  }
};
