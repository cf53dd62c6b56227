import { type FlowManifest, manifestChecksum } from '../serialization/manifest.js';

/**
 * A copy of a saved manifest edited by `edit` and with its checksum
 * recomputed over the edited manifest and `weightData` — what someone
 * crafting a hostile file would do — so that tests reach the checks behind
 * the checksum. A manifest too broken to hash keeps its old checksum.
 *
 * @example
 * ```ts
 * const { manifest, weightData } = encodeFlow(def, params);
 * const hostile = resignManifest(manifest, weightData, (m) => (m.config.steps = 1e9));
 * restoreFlow(presets, hostile, weightData); // Left(SerializationError), at once
 * ```
 */
export const resignManifest = (
  manifest: FlowManifest,
  weightData: ArrayBuffer,
  edit: (m: { config: Record<string, unknown> } & Record<string, unknown>) => void,
): unknown => {
  const m = structuredClone(manifest) as unknown as { config: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  edit(m);
  try {
    const { checksum: _, ...unsigned } = m;
    m['checksum'] = manifestChecksum(
      unsigned as unknown as FlowManifest,
      new Uint8Array(weightData),
    );
  } catch {
    // keeps its checksum
  }
  return m;
};
