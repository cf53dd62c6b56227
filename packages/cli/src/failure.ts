import type { BijectiveError } from '@bijective/core';

/** Exit status of the command: 0 success, 1 a runtime failure, 2 bad usage or bad input. */
export type ExitCode = 0 | 1 | 2;

/** Why a command stopped: the exit code and the message printed on stderr. */
export interface Failure {
  readonly code: 1 | 2;
  readonly message: string;
}

/** Bad usage or bad input (exit code 2): an unknown option, a malformed file, a width mismatch. */
export const usage = (message: string): Failure => ({ code: 2, message });

/** A runtime failure (exit code 1): training diverged, a save failed, tfjs threw. */
export const runtime = (message: string): Failure => ({ code: 1, message });

/**
 * A library error as a failure: the caller's input was wrong (`ShapeError`,
 * `ValueError`, `SerializationError` of a file they named) → 2; anything that
 * went wrong while running (`DivergedError`, `ComputationError`,
 * `BackendError`, `AbortedError`) → 1.
 *
 * @example
 * ```ts
 * fromError('data.csv', e); // { code: 2, message: 'data.csv: csv line 3, column 2: expected a finite number, got …' }
 * ```
 */
export const fromError = (what: string, e: BijectiveError): Failure =>
  e.kind === 'ShapeError' || e.kind === 'ValueError' || e.kind === 'SerializationError'
    ? usage(`${what}: ${e.message}`)
    : runtime(`${what}: ${e.message}`);
