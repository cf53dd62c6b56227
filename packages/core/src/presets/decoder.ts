import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, valueError } from '../errors.js';
import type { JsonObject } from '../flow.js';

/**
 * Reads an untrusted JSON value as an `A`, or says which part is wrong: the
 * typed, cast-free way a preset rebuilds its options from a saved `config`.
 * `path` names the value in the error (`options.hidden[1]`).
 *
 * @example
 * ```ts
 * const hidden: Decoder<readonly number[]> = arrayOf(integerAtLeast(1));
 * hidden([64, 0], 'options.hidden'); // Left(ValueError 'options.hidden[1]: expected an integer ≥ 1, got 0')
 * ```
 */
export type Decoder<A> = (value: unknown, path: string) => E.Either<BijectiveError, A>;

const show = (value: unknown): string => {
  if (typeof value === 'string') return `'${value}'`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const check =
  <A>(expected: string, is: (value: unknown) => value is A): Decoder<A> =>
  (value, path) =>
    is(value) ? E.right(value) : E.left(valueError(path, expected, show(value)));

/** A finite number. */
export const finite: Decoder<number> = check(
  'a finite number',
  (v): v is number => typeof v === 'number' && Number.isFinite(v),
);

/** A finite number `> 0`. */
export const positive: Decoder<number> = check(
  'a positive finite number',
  (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0,
);

/** An integer `≥ min`. */
export const integerAtLeast = (min: number): Decoder<number> =>
  check(
    `an integer ≥ ${min}`,
    (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min,
  );

/** `true` or `false`. */
export const boolean: Decoder<boolean> = check(
  'a boolean',
  (v): v is boolean => typeof v === 'boolean',
);

/** One of the given strings. */
export const oneOf = <L extends string>(...allowed: readonly L[]): Decoder<L> =>
  check(allowed.map((a) => `'${a}'`).join(' | '), (v): v is L => allowed.some((a) => a === v));

/** A JSON object (not an array). */
export const object: Decoder<JsonObject> = check(
  'an object',
  (v): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v),
);

/** An array whose every item `item` reads. */
export const arrayOf =
  <A>(item: Decoder<A>): Decoder<readonly A[]> =>
  (value, path) => {
    if (!Array.isArray(value)) return E.left(valueError(path, 'an array', show(value)));
    const out: A[] = [];
    for (const [i, v] of value.entries()) {
      const r = item(v, `${path}[${i}]`);
      if (E.isLeft(r)) return r;
      out.push(r.right);
    }
    return E.right(out);
  };

/** `first`, or else `second` (whose error is reported when both refuse). */
export const orElse =
  <A, B>(first: Decoder<A>, second: Decoder<B>): Decoder<A | B> =>
  (value, path) => {
    const a = first(value, path);
    return E.isRight(a) ? a : second(value, path);
  };

/** `undefined` when absent (or `null`), else what `d` reads. */
export const optional =
  <A>(d: Decoder<A>): Decoder<A | undefined> =>
  (value, path) =>
    value === undefined || value === null ? E.right(undefined) : d(value, path);

/**
 * Read `config[key]` (an own property only) with `d`, naming it `options.key`.
 *
 * @example
 * ```ts
 * sequenceS(E.Apply)({ dim: field(config, 'dim', integerAtLeast(1)) }); // Either<BijectiveError, { dim: number }>
 * ```
 */
export const field = <A>(
  config: JsonObject,
  key: string,
  d: Decoder<A>,
): E.Either<BijectiveError, A> =>
  d(Object.prototype.hasOwnProperty.call(config, key) ? config[key] : undefined, `options.${key}`);
