/**
 * Every error bijective reports at a public boundary: a tagged value, so a
 * caller can `switch (e.kind)`. Functions return them as fp-ts `Left`s; they
 * are also `Error`s so that a thrown one still carries its stack.
 */
export type ErrorKind =
  | 'ShapeError' // wrong rank, dim, batch or context shape
  | 'ValueError' // NaN, Infinity, non-positive scale, out-of-range option
  | 'DivergedError' // training produced a non-finite loss or parameter
  | 'SerializationError' // corrupted, truncated or mismatched saved flow
  | 'BackendError' // a backend could not be loaded or selected
  | 'AbortedError' // the caller's AbortSignal stopped training
  | 'ComputationError'; // tfjs threw during a computation (a kernel missing on this backend, out of memory)

export class BijectiveError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** The argument at fault (`x`, `context`, `options.scale`, …), when there is one. */
    readonly argument?: string,
    readonly expected?: string,
    readonly actual?: string,
  ) {
    super(message);
    this.name = kind;
  }
}

/** `argument` should be `expected` but is `actual`. */
export const shapeError = (argument: string, expected: string, actual: string): BijectiveError =>
  new BijectiveError(
    'ShapeError',
    `${argument}: expected ${expected}, got ${actual}`,
    argument,
    expected,
    actual,
  );

/** `argument` should be `expected` but is `actual`. */
export const valueError = (argument: string, expected: string, actual: string): BijectiveError =>
  new BijectiveError(
    'ValueError',
    `${argument}: expected ${expected}, got ${actual}`,
    argument,
    expected,
    actual,
  );

/** Wrap whatever a tfjs computation threw into a {@link BijectiveError}. */
export const computationError = (what: string, e: unknown): BijectiveError =>
  new BijectiveError('ComputationError', `${what}: ${e instanceof Error ? e.message : String(e)}`);

/**
 * A saved flow (or the file holding it) is corrupted, truncated, beyond the
 * load limits or does not match the definition; `argument` names the part.
 */
export const serializationError = (
  message: string,
  argument?: string,
  expected?: string,
  actual?: string,
): BijectiveError => new BijectiveError('SerializationError', message, argument, expected, actual);
