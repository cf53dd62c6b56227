import * as E from 'fp-ts/lib/Either.js';
import { BijectiveError } from '@bijective/core';

/**
 * The safetensors dtypes this package reads and writes (the floating and integer types a PyTorch
 * `state_dict` of zuko's flows holds: float weights, int64 `order`, bool `mask` buffers).
 * `F16` / `BF16` are refused with a typed error.
 */
export type SafetensorsDtype =
  'F64' | 'F32' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** The typed array holding each dtype's values (`BOOL` as `Uint8Array` of 0/1). */
export interface SafetensorsArrays {
  readonly F64: Float64Array;
  readonly F32: Float32Array;
  readonly I64: BigInt64Array;
  readonly I32: Int32Array;
  readonly I16: Int16Array;
  readonly I8: Int8Array;
  readonly U64: BigUint64Array;
  readonly U32: Uint32Array;
  readonly U16: Uint16Array;
  readonly U8: Uint8Array;
  readonly BOOL: Uint8Array;
}

/** One tensor of a safetensors file: row-major `data` of `shape`. */
export type SafeTensor = {
  [D in SafetensorsDtype]: {
    readonly dtype: D;
    readonly shape: readonly number[];
    readonly data: SafetensorsArrays[D];
  };
}[SafetensorsDtype];

/** A parsed safetensors file: tensors by name (a `Map`, so no name can reach `Object.prototype`) and the string metadata. */
export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, SafeTensor>;
  readonly metadata: ReadonlyMap<string, string>;
}

/** Bounds applied while parsing untrusted bytes. */
export interface SafetensorsLimits {
  /** Largest accepted JSON header, bytes (default 100,000,000, the reference implementation's). */
  readonly maxHeaderBytes?: number;
  /** Most tensors in one file (default 100,000). */
  readonly maxTensors?: number;
  /** Highest tensor rank (default 16). */
  readonly maxRank?: number;
}

/** The typed-array class of each dtype (one table for reading, writing and checking). */
const arrayClass = {
  F64: Float64Array,
  F32: Float32Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U64: BigUint64Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
} as const;

const itemSize = (dtype: SafetensorsDtype): number => arrayClass[dtype].BYTES_PER_ELEMENT;

const isDtype = (s: unknown): s is SafetensorsDtype =>
  typeof s === 'string' && Object.prototype.hasOwnProperty.call(arrayClass, s);

const fail = (argument: string, expected: string, actual: string): BijectiveError =>
  new BijectiveError(
    'SerializationError',
    `${argument}: expected ${expected}, got ${actual}`,
    argument,
    expected,
    actual,
  );

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copy `bytes` (little-endian) into a fresh, aligned typed array of `dtype`. */
const view = (dtype: SafetensorsDtype, bytes: Uint8Array): SafeTensor['data'] => {
  const buf = bytes.slice().buffer;
  if (!littleEndianHost && itemSize(dtype) > 1) {
    const u = new Uint8Array(buf);
    const n = itemSize(dtype);
    for (let i = 0; i < u.length; i += n) u.subarray(i, i + n).reverse();
  }
  return new arrayClass[dtype](buf);
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const own = (o: Record<string, unknown>, k: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;

const describe = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

interface Entry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

const parseEntry = (
  name: string,
  v: unknown,
  dataBytes: number,
  maxRank: number,
): E.Either<BijectiveError, Entry> => {
  const where = `header[${JSON.stringify(name)}]`;
  if (!isPlainObject(v)) return E.left(fail(where, 'an object', describe(v)));
  const extra = Object.keys(v).filter((k) => !['dtype', 'shape', 'data_offsets'].includes(k));
  if (extra.length > 0)
    return E.left(fail(where, 'only dtype, shape and data_offsets', `key ${describe(extra[0])}`));
  const dtype = own(v, 'dtype');
  if (!isDtype(dtype))
    return E.left(
      fail(`${where}.dtype`, `one of ${Object.keys(arrayClass).join(', ')}`, describe(dtype)),
    );
  const shape = own(v, 'shape');
  if (
    !Array.isArray(shape) ||
    shape.length > maxRank ||
    !shape.every((s): s is number => Number.isSafeInteger(s) && s >= 0)
  )
    return E.left(
      fail(`${where}.shape`, `at most ${maxRank} non-negative integers`, describe(shape)),
    );
  const offsets = own(v, 'data_offsets');
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o): o is number => Number.isSafeInteger(o) && o >= 0)
  )
    return E.left(fail(`${where}.data_offsets`, '[begin, end] integers ≥ 0', describe(offsets)));
  const [begin, end] = offsets as [number, number];
  if (!(begin <= end && end <= dataBytes))
    return E.left(
      fail(
        `${where}.data_offsets`,
        `0 ≤ begin ≤ end ≤ ${dataBytes} (the data size)`,
        `[${begin}, ${end}]`,
      ),
    );
  // The product can overflow only when it exceeds the data size, which is checked step by step.
  let count = 1;
  for (const s of shape) {
    count *= s;
    if (count * itemSize(dtype) > dataBytes && s !== 0) count = Infinity;
  }
  const bytes = shape.includes(0) ? 0 : count * itemSize(dtype);
  if (bytes !== end - begin)
    return E.left(
      fail(
        `${where}.data_offsets`,
        `${Number.isFinite(bytes) ? bytes : 'more than the data'} bytes (${dtype} × [${shape.join(', ')}])`,
        `${end - begin} bytes`,
      ),
    );
  return E.right({ name, dtype, shape: [...shape], begin, end });
};

/**
 * Parse a safetensors file (https://github.com/huggingface/safetensors, the format
 * `safetensors.torch.save_file(model.state_dict(), path)` writes):
 *
 *   `[u64 little-endian N][N bytes of UTF-8 JSON header][data]`, header
 *   `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } }`,
 *   offsets relative to the start of the data, row-major little-endian values.
 *
 * The bytes are treated as hostile: every malformed or out-of-bounds input — a header length
 * beyond the file or above `maxHeaderBytes`, invalid UTF-8 or JSON, a non-object header, an
 * unknown dtype or field, a shape that disagrees with its byte range, offsets out of range,
 * overlapping or leaving gaps (the data must be covered exactly, as the reference
 * implementation requires), non-string metadata, too many tensors or too high a rank — gives a
 * `Left(BijectiveError)` of kind `SerializationError` naming the field. Values are copied into
 * fresh typed arrays (never views of the input).
 *
 * @example
 * ```ts
 * const file = parseSafetensors(new Uint8Array(await (await fetch('/flow.safetensors')).arrayBuffer()));
 * if (E.isRight(file)) console.log([...file.right.tensors.keys()]);
 * ```
 */
export const parseSafetensors = (
  input: Uint8Array | ArrayBuffer,
  limits: SafetensorsLimits = {},
): E.Either<BijectiveError, SafetensorsFile> => {
  // A plain Uint8Array view (a Node Buffer's slice() would not copy).
  const bytes =
    input instanceof Uint8Array
      ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : new Uint8Array(input);
  const maxHeader = limits.maxHeaderBytes ?? 100_000_000;
  const maxTensors = limits.maxTensors ?? 100_000;
  const maxRank = limits.maxRank ?? 16;
  if (bytes.length < 8)
    return E.left(fail('file', 'at least 8 bytes (the header length)', `${bytes.length} bytes`));
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (hi >= 2 ** 21 || n > bytes.length - 8 || n > maxHeader)
    return E.left(
      fail(
        'header length',
        `at most ${Math.min(bytes.length - 8, maxHeader)} bytes (the file holds ${bytes.length - 8} after the length)`,
        `${n}`,
      ),
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + n),
    );
  } catch {
    return E.left(fail('header', 'UTF-8 text', 'invalid UTF-8'));
  }
  if (!text.startsWith('{'))
    return E.left(fail('header', "JSON starting with '{'", describe(text.slice(0, 20))));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return E.left(fail('header', 'valid JSON', e instanceof Error ? e.message : 'invalid JSON'));
  }
  if (!isPlainObject(json)) return E.left(fail('header', 'a JSON object', describe(json)));
  const dataStart = 8 + n;
  const dataBytes = bytes.length - dataStart;
  const names = Object.keys(json);
  if (names.length > maxTensors + 1)
    return E.left(fail('header', `at most ${maxTensors} tensors`, `${names.length} entries`));
  const metadata = new Map<string, string>();
  const entries: Entry[] = [];
  for (const name of names) {
    const v = own(json, name);
    if (name === '__metadata__') {
      if (!isPlainObject(v)) return E.left(fail('header.__metadata__', 'an object', describe(v)));
      for (const k of Object.keys(v)) {
        const s = own(v, k);
        if (typeof s !== 'string')
          return E.left(fail(`header.__metadata__[${JSON.stringify(k)}]`, 'a string', describe(s)));
        metadata.set(k, s);
      }
      continue;
    }
    const entry = parseEntry(name, v, dataBytes, maxRank);
    if (E.isLeft(entry)) return entry;
    entries.push(entry.right);
  }
  if (entries.length > maxTensors)
    return E.left(fail('header', `at most ${maxTensors} tensors`, `${entries.length}`));
  // The byte ranges must tile the data exactly: sorted, no overlap, no gap, nothing after.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor)
      return E.left(
        fail(
          `header[${JSON.stringify(e.name)}].data_offsets`,
          `to begin at byte ${cursor} (ranges must not overlap or leave gaps)`,
          `[${e.begin}, ${e.end}]`,
        ),
      );
    cursor = e.end;
  }
  if (cursor !== dataBytes)
    return E.left(
      fail('file', `${cursor} data bytes (the end of the last tensor)`, `${dataBytes} data bytes`),
    );
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const data = view(e.dtype, bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (e.dtype === 'BOOL' && !(data as Uint8Array).every((b) => b === 0 || b === 1))
      return E.left(fail(`${e.name}`, 'BOOL bytes 0 or 1', 'another byte value'));
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data } as SafeTensor);
  }
  return E.right({ tensors, metadata });
};

const arrayMatches = (t: SafeTensor): boolean => t.data instanceof arrayClass[t.dtype];

/**
 * Encode tensors (and optional string metadata) as a safetensors file: names sorted, values
 * packed in that order without gaps, the JSON header padded with spaces to a multiple of 8
 * bytes, as `safetensors.torch.save_file` does — so `safetensors.torch.load_file` and
 * {@link parseSafetensors} read it back.
 *
 * Returns `Left(SerializationError)` for a name that is empty or `__metadata__`, an unknown
 * dtype, a typed array of the wrong kind, a shape that disagrees with the data length, or a
 * `BOOL` byte other than 0/1. Only own properties of a record are read.
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensors(new Map([['w', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]]));
 * ```
 */
export const encodeSafetensors = (
  tensors: ReadonlyMap<string, SafeTensor> | Readonly<Record<string, SafeTensor>>,
  metadata?: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): E.Either<BijectiveError, Uint8Array> => {
  const list: [string, unknown][] =
    tensors instanceof Map
      ? [...tensors.entries()]
      : Object.keys(tensors).map((k) => [k, own(tensors as Record<string, unknown>, k)]);
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, raw] of list) {
    if (name === '' || name === '__metadata__')
      return E.left(fail('tensors', 'names other than "" and "__metadata__"', describe(name)));
    if (!isPlainObject(raw))
      return E.left(fail(`tensors[${JSON.stringify(name)}]`, 'a tensor', describe(raw)));
    const t = raw as unknown as SafeTensor;
    if (!isDtype(t.dtype))
      return E.left(
        fail(`tensors[${JSON.stringify(name)}].dtype`, 'a supported dtype', describe(t.dtype)),
      );
    if (!arrayMatches(t))
      return E.left(
        fail(
          `tensors[${JSON.stringify(name)}].data`,
          `the typed array of ${t.dtype}`,
          'another array',
        ),
      );
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0))
      return E.left(
        fail(`tensors[${JSON.stringify(name)}].shape`, 'non-negative integers', describe(shape)),
      );
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    if (count !== t.data.length)
      return E.left(
        fail(
          `tensors[${JSON.stringify(name)}]`,
          `${count} values for shape [${shape.join(', ')}]`,
          `${t.data.length}`,
        ),
      );
    if (t.dtype === 'BOOL' && !t.data.every((b) => b === 0 || b === 1))
      return E.left(
        fail(`tensors[${JSON.stringify(name)}].data`, 'BOOL values 0 or 1', 'another value'),
      );
    const bytes = new Uint8Array(
      t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength),
    );
    if (!littleEndianHost && itemSize(t.dtype) > 1)
      for (let i = 0; i < bytes.length; i += itemSize(t.dtype))
        bytes.subarray(i, i + itemSize(t.dtype)).reverse();
    header[name] = {
      dtype: t.dtype,
      shape: [...shape],
      data_offsets: [offset, offset + bytes.length],
    };
    parts.push(bytes);
    offset += bytes.length;
  }
  if (metadata !== undefined) {
    const meta: Record<string, string> = Object.create(null) as Record<string, string>;
    const pairs: [string, unknown][] =
      metadata instanceof Map
        ? [...metadata.entries()]
        : Object.keys(metadata).map((k) => [k, own(metadata as Record<string, unknown>, k)]);
    for (const [k, v] of pairs) {
      if (typeof v !== 'string')
        return E.left(fail(`metadata[${JSON.stringify(k)}]`, 'a string', describe(v)));
      meta[k] = v;
    }
    header['__metadata__'] = meta;
  }
  let text = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(text.length / 8) * 8;
  if (padded !== text.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(text);
    text = p;
  }
  const out = new Uint8Array(8 + text.length + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, text.length % 2 ** 32, true);
  dv.setUint32(4, Math.floor(text.length / 2 ** 32), true);
  out.set(text, 8);
  let at = 8 + text.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return E.right(out);
};
