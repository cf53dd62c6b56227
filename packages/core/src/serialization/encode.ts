import type { FlowDef } from '../flow.js';
import { type Params, flattenParams } from '../params.js';
import { type FlowManifest, type UnsignedManifest, manifestChecksum } from './manifest.js';

/**
 * The weight bytes of `params` (float32 in `flattenParams` order) and the
 * manifest describing them, before its checksum is computed (see
 * {@link encodeFlow}, which adds it).
 *
 * @example
 * ```ts
 * const { unsigned, bytes } = encodeUnsigned(def, params, 'weights.bin');
 * ```
 */
export const encodeUnsigned = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  weightsPath: string,
): { unsigned: UnsignedManifest; bytes: Uint8Array<ArrayBuffer> } => {
  const leaves = flattenParams(params);
  const total = leaves.reduce((n, l) => n + l.tensor.size, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const l of leaves) {
    data.set(l.tensor.dataSync() as Float32Array, offset);
    offset += l.tensor.size;
  }
  const bytes = new Uint8Array(data.buffer);
  const unsigned: UnsignedManifest = {
    format: 'bijective-flow',
    formatVersion: 2,
    name: def.name,
    config: def.config,
    weightsManifest: [
      {
        paths: [weightsPath],
        weights: leaves.map((l) => ({
          name: l.path,
          shape: l.tensor.shape,
          dtype: 'float32' as const,
        })),
      },
    ],
    byteLength: bytes.byteLength,
  };
  return { unsigned, bytes };
};

/**
 * Encode a flow's definition and parameters: a manifest (format version 2,
 * whose checksum covers the manifest and the weights) and one `ArrayBuffer`
 * of little-endian float32 weights in manifest order (works in Node and in
 * browsers). It does not check the parameters; `saveFlow` does
 * (`checkParamsMatch`, finiteness) before calling it.
 *
 * @example
 * ```ts
 * const { manifest, weightData } = encodeFlow(def, params);
 * const back = decodeFlow(def, manifest, weightData); // Right(params')
 * ```
 */
export const encodeFlow = <P extends Params>(
  def: FlowDef<P>,
  params: P,
  weightsPath = 'weights.bin',
): { manifest: FlowManifest; weightData: ArrayBuffer } => {
  const { unsigned, bytes } = encodeUnsigned(def, params, weightsPath);
  return {
    manifest: { ...unsigned, checksum: manifestChecksum(unsigned, bytes) },
    weightData: bytes.buffer,
  };
};
