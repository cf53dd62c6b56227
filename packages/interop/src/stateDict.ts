import * as E from 'fp-ts/lib/Either.js';
import { BijectiveError } from '@bijective/core';
import type { SafeTensor, SafetensorsFile } from './safetensors.js';

/** A PyTorch `state_dict`: tensor name → tensor (what a safetensors file holds). */
export type StateDict = ReadonlyMap<string, SafeTensor>;

/**
 * The tensors of a parsed file, or a state dict as is; a `ValueError` for
 * anything else a JavaScript caller may pass (`null`, a plain object).
 */
export const tensorsOf = (s: SafetensorsFile | StateDict): E.Either<BijectiveError, StateDict> => {
  const value: unknown = s;
  if (value instanceof Map) return E.right(s as StateDict);
  const tensors: unknown =
    typeof value === 'object' && value !== null
      ? (value as { tensors?: unknown }).tensors
      : undefined;
  return tensors instanceof Map
    ? E.right(tensors as StateDict)
    : E.left(
        keyError(
          'stateDict',
          'a state dict (a Map of tensors) or a parsed safetensors file',
          value === null ? 'null' : typeof value,
        ),
      );
};

/** A `ValueError` about one key of a state dict (the key is the error's `argument`). */
export const keyError = (key: string, expected: string, actual: string): BijectiveError =>
  new BijectiveError(
    'ValueError',
    `${key}: expected ${expected}, got ${actual}`,
    key,
    expected,
    actual,
  );

const sameShape = (a: readonly number[], b: readonly (number | undefined)[]): boolean =>
  a.length === b.length && a.every((n, i) => b[i] === undefined || b[i] === n);

const shapeText = (s: readonly (number | undefined)[]): string =>
  `[${s.map((n) => (n === undefined ? '*' : String(n))).join(', ')}]`;

/**
 * The float values of `key` as float32 (from `F32` or `F64`), checked for rank/shape
 * (`undefined` = any size) and finiteness.
 */
export const floats = (
  sd: StateDict,
  key: string,
  shape: readonly (number | undefined)[],
): E.Either<BijectiveError, { readonly shape: readonly number[]; readonly data: Float32Array }> => {
  const t = sd.get(key);
  if (t === undefined) return E.left(keyError(key, 'a tensor', 'no such key'));
  if (t.dtype !== 'F32' && t.dtype !== 'F64')
    return E.left(keyError(key, 'an F32 or F64 tensor', `dtype ${t.dtype}`));
  if (!sameShape(t.shape, shape))
    return E.left(keyError(key, `shape ${shapeText(shape)}`, shapeText(t.shape)));
  const data = t.dtype === 'F32' ? t.data : Float32Array.from(t.data);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return E.left(keyError(key, 'finite values', `${data[bad]} at flat index ${bad}`));
  return E.right({ shape: t.shape, data });
};

/** The 0/1 values of a `BOOL` tensor `key` of the given shape. */
export const bools = (
  sd: StateDict,
  key: string,
  shape: readonly number[],
): E.Either<BijectiveError, Uint8Array> => {
  const t = sd.get(key);
  if (t === undefined) return E.left(keyError(key, 'a tensor', 'no such key'));
  if (t.dtype !== 'BOOL') return E.left(keyError(key, 'a BOOL tensor', `dtype ${t.dtype}`));
  if (!sameShape(t.shape, shape))
    return E.left(keyError(key, `shape ${shapeText(shape)}`, shapeText(t.shape)));
  return E.right(t.data);
};

/** The values of an integer tensor `key` (`I64`/`I32`) of the given shape, as numbers. */
export const ints = (
  sd: StateDict,
  key: string,
  shape: readonly number[],
): E.Either<BijectiveError, number[]> => {
  const t = sd.get(key);
  if (t === undefined) return E.left(keyError(key, 'a tensor', 'no such key'));
  if (t.dtype !== 'I64' && t.dtype !== 'I32')
    return E.left(keyError(key, 'an I64 tensor', `dtype ${t.dtype}`));
  if (!sameShape(t.shape, shape))
    return E.left(keyError(key, `shape ${shapeText(shape)}`, shapeText(t.shape)));
  return E.right(Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v)));
};

/** Row-major transpose of a `[rows, cols]` matrix (PyTorch's `[out, in]` ↔ bijective's `[in, out]`). */
export const transpose = (data: Float32Array, rows: number, cols: number): Float32Array => {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
};
