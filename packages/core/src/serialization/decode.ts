import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import { type BijectiveError, serializationError } from '../errors.js';
import type { FlowDef } from '../flow.js';
import { type Params, disposeParams, flattenParams, unflattenParams } from '../params.js';
import { canonicalJson } from './json.js';
import { type LoadLimits, defaultLoadLimits } from './limits.js';
import { manifestChecksum, parseManifest } from './manifest.js';

const corrupt = (message: string, expected?: string, actual?: string) =>
  serializationError(message, 'file', expected, actual);

const describe = (shape: readonly number[]) => `[${shape.join(', ')}]`;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Decode parameters for `def` from a manifest and its weight bytes. Total:
 * every failure is a `Left(SerializationError)`, nothing throws and nothing
 * stays allocated. In order it checks the manifest itself
 * (`parseManifest` with `limits`), the definition name and config, the byte
 * length, the checksum (manifest and weights for format 2, weights for
 * format 1), every weight name and shape against `def.init(0)` (drawn inside
 * `tf.tidy`) and finiteness, and only then creates tensors.
 *
 * @example
 * ```ts
 * const params = decodeFlow(def, manifest, weightData); // Either<BijectiveError, P>
 * ```
 */
export const decodeFlow = <P extends Params>(
  def: FlowDef<P>,
  manifestValue: unknown,
  weightData: ArrayBuffer,
  limits: LoadLimits = defaultLoadLimits,
): E.Either<BijectiveError, P> => {
  const parsed = parseManifest(manifestValue, limits);
  if (E.isLeft(parsed)) return parsed;
  const manifest = parsed.right;
  let template: P | undefined;
  const created: tf.Tensor[] = [];
  try {
    if (manifest.name !== def.name)
      return E.left(
        corrupt(
          `saved flow is '${manifest.name}' but the definition is '${def.name}'`,
          def.name,
          manifest.name,
        ),
      );
    if (canonicalJson(manifest.config) !== canonicalJson(def.config))
      return E.left(
        corrupt(
          `saved flow's config does not match the definition`,
          JSON.stringify(def.config),
          canonicalJson(manifest.config),
        ),
      );
    if (weightData.byteLength !== manifest.byteLength)
      return E.left(
        corrupt(
          'weight file is truncated or padded',
          `${manifest.byteLength} bytes`,
          `${weightData.byteLength} bytes`,
        ),
      );
    const bytes = new Uint8Array(weightData);
    const sum = manifestChecksum(manifest, bytes);
    if (sum !== manifest.checksum)
      return E.left(
        corrupt(
          manifest.formatVersion === 1
            ? 'weight file is corrupted (checksum mismatch)'
            : 'manifest or weight file is corrupted or was edited (checksum mismatch)',
          manifest.checksum,
          sum,
        ),
      );
    const specs = manifest.weightsManifest[0].weights;
    try {
      // tidy: if init throws half way (say, an allocation too large), what it drew is released.
      let drawn: P | undefined;
      tf.tidy(() => {
        drawn = def.init(0);
        return flattenParams(drawn).map((l) => l.tensor);
      });
      template = drawn;
    } catch (e) {
      return E.left(corrupt(`could not build the definition's parameters: ${message(e)}`));
    }
    if (template === undefined) return E.left(corrupt('the definition’s init returned nothing'));
    const leaves = flattenParams(template);
    if (specs.length !== leaves.length)
      return E.left(
        corrupt(
          'saved weights do not match the definition',
          `${leaves.length} tensors`,
          `${specs.length} tensors`,
        ),
      );
    for (let i = 0; i < leaves.length; i++) {
      const want = leaves[i]!;
      const got = specs[i]!;
      if (got.name !== want.path)
        return E.left(corrupt(`weight ${i} has the wrong name`, want.path, got.name));
      if (
        got.shape.length !== want.tensor.shape.length ||
        got.shape.some((d, j) => d !== want.tensor.shape[j])
      )
        return E.left(
          corrupt(
            `weight '${got.name}' has the wrong shape`,
            describe(want.tensor.shape),
            describe(got.shape),
          ),
        );
    }
    const floats = new Float32Array(weightData.slice(0));
    const bad = floats.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      return E.left(
        corrupt(`weight value ${bad} is not finite`, 'finite values', String(floats[bad])),
      );
    let offset = 0;
    for (const l of leaves) {
      created.push(
        tf.tensor(floats.subarray(offset, offset + l.tensor.size), l.tensor.shape, 'float32'),
      );
      offset += l.tensor.size;
    }
    const params = unflattenParams(template, created);
    created.length = 0; // now owned by the caller
    return E.right(params);
  } catch (e) {
    return E.left(corrupt(`could not decode the saved flow: ${message(e)}`));
  } finally {
    created.forEach((t) => t.dispose());
    if (template !== undefined) disposeParams(template);
  }
};
