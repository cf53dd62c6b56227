import * as E from 'fp-ts/lib/Either.js';
import { BijectiveError, computationError } from '../errors.js';
import type { FlowDef, JsonObject } from '../flow.js';
import type { Params } from '../params.js';

/**
 * Rebuilds one preset from a JSON `config` (the `config` a saved flow
 * carries, or options from a file or the command line). Total: a field of the
 * wrong type or out of range is a `Left(ValueError)` naming it, never a throw.
 */
export type PresetBuilder = (config: JsonObject) => E.Either<BijectiveError, FlowDef<Params>>;

/**
 * The family contract: a flow package's presets by name (`presets.realNVP`,
 * `presets.maf`, `presets.ffjord`). `presets[def.name](def.config)` rebuilds an
 * equivalent definition, so the table is what `loadFlow` / `restoreFlow` take
 * as builders, and what the benchmark and the conformance suites iterate.
 *
 * @example
 * ```ts
 * const r = presets['realNVP']!({ dim: 2, transforms: 3 }); // Either<BijectiveError, FlowDef>
 * const loaded = await loadFlow('./model', { ...couplingPresets, ...arPresets })();
 * ```
 */
export type Presets = Readonly<Record<string, PresetBuilder>>;

/**
 * Make a {@link PresetBuilder} from a decoder of the preset's options and its
 * constructor: `decode(config)` checks every field's type; `build` may still
 * throw a `BijectiveError` for a value out of range (`dim: 1`), which becomes
 * the `Left`; anything else it throws becomes a `ComputationError`.
 *
 * @example
 * ```ts
 * export const presets: Presets = { realNVP: preset(decodeCouplingOptions, realNVP) };
 * ```
 */
export const preset =
  <O>(
    decode: (config: JsonObject) => E.Either<BijectiveError, O>,
    build: (options: O) => FlowDef<Params>,
  ): PresetBuilder =>
  (config) => {
    const options = decode(config);
    if (E.isLeft(options)) return options;
    try {
      return E.right(build(options.right));
    } catch (e) {
      return E.left(e instanceof BijectiveError ? e : computationError('building the preset', e));
    }
  };
