import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import { BijectiveError } from '../errors.js';
import type { FlowDef, JsonObject } from '../flow.js';
import { type Params, disposeParams, flattenParams, unflattenParams } from '../params.js';

/** One weight entry, as in tfjs's `weightsManifest`. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

/**
 * The JSON half of a saved flow: tfjs's weights-manifest layout (one group,
 * one binary file of little-endian float32 values in manifest order) plus
 * what rebuilds the definition (`name`, `config`) and integrity data.
 */
export interface FlowManifest {
  readonly format: 'bijective-flow';
  readonly formatVersion: 1;
  readonly name: string;
  readonly config: JsonObject;
  readonly weightsManifest: readonly [{ readonly paths: readonly [string]; readonly weights: readonly WeightSpec[] }];
  readonly byteLength: number;
  /** FNV-1a 32-bit hash of the weight bytes, hex. */
  readonly checksum: string;
}

/** FNV-1a over bytes: cheap corruption detection, not a cryptographic hash. */
export const fnv1a = (bytes: Uint8Array): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
};

const corrupt = (message: string, expected?: string, actual?: string) =>
  new BijectiveError('SerializationError', message, 'file', expected, actual);

/**
 * Encode a flow's definition and parameters: a manifest and one
 * `ArrayBuffer` of float32 weights (works in Node and in browsers).
 *
 * @example
 * ```ts
 * const { manifest, weightData } = encodeFlow(def, params);
 * ```
 */
export const encodeFlow = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  weightsPath = 'weights.bin',
): { manifest: FlowManifest; weightData: ArrayBuffer } => {
  const leaves = flattenParams(params);
  const total = leaves.reduce((n, l) => n + l.tensor.size, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const l of leaves) {
    data.set(l.tensor.dataSync() as Float32Array, offset);
    offset += l.tensor.size;
  }
  const bytes = new Uint8Array(data.buffer);
  return {
    manifest: {
      format: 'bijective-flow',
      formatVersion: 1,
      name: def.name,
      config: def.config,
      weightsManifest: [
        { paths: [weightsPath], weights: leaves.map((l) => ({ name: l.path, shape: l.tensor.shape, dtype: 'float32' as const })) },
      ],
      byteLength: bytes.byteLength,
      checksum: fnv1a(bytes),
    },
    weightData: data.buffer,
  };
};

/** JSON with object keys sorted, to compare configs regardless of key order. */
const canonical = (v: unknown): string =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${v.map(canonical).join(',')}]`
      : `{${Object.keys(v as object)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`;

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Check that an unknown JSON value looks like a {@link FlowManifest}. */
export const parseManifest = (value: unknown): E.Either<BijectiveError, FlowManifest> => {
  const m = value as Partial<FlowManifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== 'bijective-flow')
    return E.left(corrupt('not a bijective flow manifest (format field missing or wrong)', "format 'bijective-flow'"));
  if (m.formatVersion !== 1) return E.left(corrupt(`unsupported format version ${String(m.formatVersion)}`, '1', String(m.formatVersion)));
  const group = Array.isArray(m.weightsManifest) ? m.weightsManifest[0] : undefined;
  if (typeof m.name !== 'string' || typeof m.config !== 'object' || group === undefined || !Array.isArray(group.weights))
    return E.left(corrupt('manifest is missing name, config or weightsManifest'));
  for (const w of group.weights as readonly Partial<WeightSpec>[]) {
    if (typeof w.name !== 'string' || !Array.isArray(w.shape) || w.dtype !== 'float32' || !w.shape.every((d) => Number.isInteger(d) && d >= 0))
      return E.left(corrupt(`malformed weight entry ${JSON.stringify(w)}`));
  }
  if (typeof m.byteLength !== 'number' || typeof m.checksum !== 'string') return E.left(corrupt('manifest is missing byteLength or checksum'));
  return E.right(m as FlowManifest);
};

/**
 * Decode parameters for `def` from a manifest and its weight bytes,
 * validating the definition name, every weight name, shape and size, the
 * byte length, the checksum and finiteness. The template is `def.init(0)`.
 *
 * @example
 * ```ts
 * const params = decodeFlow(def, manifest, weightData); // Either<BijectiveError, P>
 * ```
 */
export const decodeFlow = <P extends Params>(
  def: FlowDef<P>,
  manifest: FlowManifest,
  weightData: ArrayBuffer,
): E.Either<BijectiveError, P> => {
  if (manifest.name !== def.name)
    return E.left(corrupt(`saved flow is '${manifest.name}' but the definition is '${def.name}'`, def.name, manifest.name));
  if (canonical(manifest.config) !== canonical(def.config))
    return E.left(corrupt(`saved flow's config does not match the definition`, canonical(def.config), canonical(manifest.config)));
  if (weightData.byteLength !== manifest.byteLength)
    return E.left(corrupt('weight file is truncated or padded', `${manifest.byteLength} bytes`, `${weightData.byteLength} bytes`));
  const bytes = new Uint8Array(weightData);
  const sum = fnv1a(bytes);
  if (sum !== manifest.checksum) return E.left(corrupt('weight file is corrupted (checksum mismatch)', manifest.checksum, sum));
  const template = def.init(0);
  const leaves = flattenParams(template);
  const specs = manifest.weightsManifest[0].weights;
  try {
    if (specs.length !== leaves.length)
      return E.left(corrupt('saved weights do not match the definition', `${leaves.length} tensors`, `${specs.length} tensors`));
    for (let i = 0; i < leaves.length; i++) {
      const want = leaves[i]!;
      const got = specs[i]!;
      if (got.name !== want.path) return E.left(corrupt(`weight ${i} has the wrong name`, want.path, got.name));
      if (!sameShape(got.shape, want.tensor.shape))
        return E.left(corrupt(`weight '${got.name}' has the wrong shape`, `[${want.tensor.shape.join(', ')}]`, `[${got.shape.join(', ')}]`));
    }
    const floats = new Float32Array(weightData.slice(0));
    const expected = leaves.reduce((n, l) => n + l.tensor.size, 0);
    if (floats.length !== expected) return E.left(corrupt('weight sizes do not add up', `${expected} values`, `${floats.length} values`));
    const bad = floats.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) return E.left(corrupt(`weight value ${bad} is not finite`, 'finite values', String(floats[bad])));
    let offset = 0;
    const tensors = leaves.map((l) => {
      const t = tf.tensor(floats.subarray(offset, offset + l.tensor.size), l.tensor.shape, 'float32');
      offset += l.tensor.size;
      return t;
    });
    return E.right(unflattenParams(template, tensors));
  } finally {
    disposeParams(template);
  }
};
