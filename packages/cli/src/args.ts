import { type ParseArgsConfig, parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { type BackendChoice, backendNames } from './backend.js';
import { type Failure, usage } from './failure.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command takes. */
export const commonOptions = {
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Parsed command line: positional arguments and option values as strings or booleans. */
export interface Parsed {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

/**
 * Parse a command's arguments with Node's `util.parseArgs` (strict: an
 * unknown option or a missing value is a usage error, exit code 2).
 *
 * @example
 * ```ts
 * parseCommand(['data.csv', '--epochs', '5'], { epochs: { type: 'string' } });
 * // Right({ positionals: ['data.csv'], values: { epochs: '5' } })
 * ```
 */
export const parseCommand = (
  args: readonly string[],
  options: Options,
): E.Either<Failure, Parsed> => {
  try {
    const { positionals, values } = parseArgs({
      args: [...args],
      options: { ...commonOptions, ...options },
      allowPositionals: true,
      strict: true,
    });
    const flat: Record<string, string | boolean | undefined> = {};
    for (const [k, v] of Object.entries(values)) flat[k] = Array.isArray(v) ? v.join(',') : v;
    return E.right({ positionals, values: flat });
  } catch (e) {
    return E.left(usage(e instanceof Error ? e.message : String(e)));
  }
};

/** A string option, or `undefined` when absent. */
export const text = (p: Parsed, name: string): string | undefined => {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
};

/** An integer option within `[min, max]`, its default when absent, or a usage error naming `--name`. */
export const integer = (
  p: Parsed,
  name: string,
  fallback: number | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): E.Either<Failure, number | undefined> => {
  const v = text(p, name);
  if (v === undefined) return E.right(fallback);
  const n = Number(v);
  return /^-?\d+$/.test(v.trim()) && Number.isSafeInteger(n) && n >= min && n <= max
    ? E.right(n)
    : E.left(usage(`--${name}: expected an integer in [${min}, ${max}], got '${v}'`));
};

/** A positive number option, its default when absent, or a usage error naming `--name`. */
export const positive = (p: Parsed, name: string, fallback: number): E.Either<Failure, number> => {
  const v = text(p, name);
  if (v === undefined) return E.right(fallback);
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && n > 0
    ? E.right(n)
    : E.left(usage(`--${name}: expected a positive number, got '${v}'`));
};

/** A comma-separated list of positive integers (`--hidden 128,128`), or `undefined` when absent. */
export const widths = (p: Parsed, name: string): E.Either<Failure, number[] | undefined> => {
  const v = text(p, name);
  if (v === undefined) return E.right(undefined);
  const parts = v.split(',').map((s) => s.trim());
  return parts.every((s) => /^\d+$/.test(s) && Number(s) > 0)
    ? E.right(parts.map(Number))
    : E.left(
        usage(`--${name}: expected comma-separated positive integers such as 128,128, got '${v}'`),
      );
};

/** `--backend`: one of {@link backendNames} (default `auto`). */
export const backend = (p: Parsed): E.Either<Failure, BackendChoice> => {
  const v = text(p, 'backend') ?? 'auto';
  const found = backendNames.find((b) => b === v);
  return found !== undefined
    ? E.right(found)
    : E.left(usage(`--backend: expected ${backendNames.join(' | ')}, got '${v}'`));
};

/** Exactly `n` positional arguments named `names`, or a usage error saying which are missing. */
export const positionals = (
  p: Parsed,
  names: readonly string[],
): E.Either<Failure, readonly string[]> =>
  p.positionals.length === names.length
    ? E.right(p.positionals)
    : E.left(
        usage(
          p.positionals.length < names.length
            ? `missing ${names
                .slice(p.positionals.length)
                .map((n) => `<${n}>`)
                .join(' ')}`
            : `unexpected argument '${p.positionals[names.length]}'`,
        ),
      );
