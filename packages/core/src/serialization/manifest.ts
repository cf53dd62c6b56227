import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, serializationError } from '../errors.js';
import type { JsonObject } from '../flow.js';
import { FNV1A_BASIS, fnv1aUpdate, hex32 } from './checksum.js';
import { canonicalJson, copyJsonObject, jsonProblem } from './json.js';
import { type LoadLimits, defaultLoadLimits } from './limits.js';

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
 *
 * `checksum` is FNV-1a (32 bit, hex). Format version 2 (written since the
 * crash-safe saves) hashes the canonical JSON of every other manifest field
 * followed by the weight bytes, so an edited config is detected as well as
 * corrupted weights; version 1 (still read) hashes the weight bytes only.
 */
export interface FlowManifest {
  readonly format: 'bijective-flow';
  readonly formatVersion: 1 | 2;
  readonly name: string;
  readonly config: JsonObject;
  readonly weightsManifest: readonly [
    { readonly paths: readonly [string]; readonly weights: readonly WeightSpec[] },
  ];
  readonly byteLength: number;
  readonly checksum: string;
}

/** A manifest before its checksum is known. */
export type UnsignedManifest = Omit<FlowManifest, 'checksum'>;

/**
 * The checksum of a manifest and its weight bytes (see {@link FlowManifest}):
 * version 2 hashes `canonicalJson(manifest without checksum) ++ weights`,
 * version 1 the weights alone.
 *
 * @example
 * ```ts
 * const ok = manifestChecksum(manifest, new Uint8Array(weightData)) === manifest.checksum;
 * ```
 */
export const manifestChecksum = (manifest: UnsignedManifest, weights: Uint8Array): string => {
  if (manifest.formatVersion === 1) return hex32(fnv1aUpdate(FNV1A_BASIS, weights));
  const { format, formatVersion, name, config, weightsManifest, byteLength } = manifest;
  const head = canonicalJson({
    format,
    formatVersion,
    name,
    config,
    weightsManifest: weightsManifest.map((g) => ({
      paths: [...g.paths],
      weights: g.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype })),
    })),
    byteLength,
  });
  return hex32(fnv1aUpdate(fnv1aUpdate(FNV1A_BASIS, new TextEncoder().encode(head)), weights));
};

/** A weight file name: one path component, so a manifest can never point outside its folder. */
const SAFE_FILE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

const own = (o: object, k: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : undefined;

const isRecord = (v: unknown): v is object =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const corrupt = (message: string, expected?: string, actual?: string) =>
  serializationError(message, 'manifest', expected, actual);

/**
 * Check that an unknown JSON value is a {@link FlowManifest} within `limits`
 * and return a fresh copy of it: every field is an own property of the right
 * type, the config is plain JSON (finite numbers, bounded size and depth),
 * every shape is a list of non-negative integers, the declared parameter
 * count is at most `limits.maxParams` and `byteLength` is 4 bytes per
 * parameter. Never throws; the checksum is checked by `decodeFlow`.
 *
 * @example
 * ```ts
 * const m = parseManifest(JSON.parse(text)); // Either<BijectiveError, FlowManifest>
 * ```
 */
export const parseManifest = (
  value: unknown,
  limits: LoadLimits = defaultLoadLimits,
): E.Either<BijectiveError, FlowManifest> => {
  try {
    if (!isRecord(value) || own(value, 'format') !== 'bijective-flow')
      return E.left(
        corrupt(
          'not a bijective flow manifest (format field missing or wrong)',
          "format 'bijective-flow'",
        ),
      );
    const formatVersion = own(value, 'formatVersion');
    if (formatVersion !== 1 && formatVersion !== 2)
      return E.left(
        corrupt(
          `unsupported format version ${String(formatVersion)}`,
          '1 or 2',
          String(formatVersion),
        ),
      );
    const name = own(value, 'name');
    if (typeof name !== 'string' || name.length === 0 || name.length > 256)
      return E.left(corrupt('manifest name is not a string of 1 to 256 characters'));
    const config = own(value, 'config');
    if (!isRecord(config))
      return E.left(
        corrupt(
          'manifest config is not a JSON object',
          'an object',
          config === null ? 'null' : typeof config,
        ),
      );
    const problem = jsonProblem(config, limits.maxConfigNodes, limits.maxConfigDepth);
    if (problem !== undefined)
      return E.left(corrupt(`manifest config is not bounded plain JSON: ${problem}`));
    const groups = own(value, 'weightsManifest');
    const group: unknown = Array.isArray(groups) && groups.length === 1 ? groups[0] : undefined;
    if (!isRecord(group))
      return E.left(corrupt('manifest weightsManifest is not a list of one group'));
    const paths = own(group, 'paths');
    const path: unknown = Array.isArray(paths) && paths.length === 1 ? paths[0] : undefined;
    if (typeof path !== 'string' || !SAFE_FILE.test(path))
      return E.left(
        corrupt(
          'manifest weight path is not one plain file name',
          'a file name like weights.bin',
          String(path),
        ),
      );
    const weights = own(group, 'weights');
    if (!Array.isArray(weights)) return E.left(corrupt('manifest weights is not a list'));
    if (weights.length > limits.maxTensors)
      return E.left(
        corrupt(
          'manifest declares too many weight tensors',
          `at most ${limits.maxTensors}`,
          String(weights.length),
        ),
      );
    const specs: WeightSpec[] = [];
    let total = 0;
    const list: readonly unknown[] = weights;
    for (const w of list) {
      const wName = isRecord(w) ? own(w, 'name') : undefined;
      const shape = isRecord(w) ? own(w, 'shape') : undefined;
      if (
        !isRecord(w) ||
        typeof wName !== 'string' ||
        wName.length > 1024 ||
        !Array.isArray(shape) ||
        own(w, 'dtype') !== 'float32'
      )
        return E.left(corrupt(`malformed weight entry ${specs.length}`));
      if (shape.length > limits.maxRank)
        return E.left(
          corrupt(
            `weight '${wName}' has too high a rank`,
            `at most ${limits.maxRank}`,
            String(shape.length),
          ),
        );
      let size = 1;
      const dims: number[] = [];
      const given: readonly unknown[] = shape;
      for (const d of given) {
        if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
          return E.left(
            corrupt(
              `weight '${wName}' has a dimension that is not a non-negative integer`,
              'integers ≥ 0',
              JSON.stringify(shape),
            ),
          );
        size *= d;
        dims.push(d);
      }
      total += size;
      if (!(total <= limits.maxParams))
        return E.left(
          corrupt(
            'manifest declares more parameters than the load limit',
            `at most ${limits.maxParams}`,
            `more (${total})`,
          ),
        );
      specs.push({ name: wName, shape: dims, dtype: 'float32' });
    }
    const byteLength = own(value, 'byteLength');
    if (byteLength !== 4 * total)
      return E.left(
        corrupt(
          'manifest byteLength is not 4 bytes per declared parameter',
          String(4 * total),
          String(byteLength),
        ),
      );
    const checksum = own(value, 'checksum');
    if (typeof checksum !== 'string' || !/^[0-9a-f]{8}$/.test(checksum))
      return E.left(corrupt('manifest checksum is missing or not 8 hex digits'));
    return E.right({
      format: 'bijective-flow',
      formatVersion,
      name,
      config: copyJsonObject(config),
      weightsManifest: [{ paths: [path], weights: specs }],
      byteLength: 4 * total,
      checksum,
    });
  } catch (e) {
    // Only reachable with a hand-made object (getters, proxies), never with JSON.parse output.
    return E.left(
      corrupt(`manifest could not be read: ${e instanceof Error ? e.message : String(e)}`),
    );
  }
};
