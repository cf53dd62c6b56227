import * as E from 'fp-ts/lib/Either.js';
import { tf } from '../tf.js';
import { disposeParams } from '../params.js';
import { type FlowManifest, manifestChecksum } from '../serialization/manifest.js';
import { type FlowBuilders, restoreFlow } from '../serialization/restore.js';

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

/**
 * Rebuild a saved flow whose config `edit` rewrote (re-signed, see
 * {@link resignManifest}) with `builders`, and return the refusal's message.
 * Throws unless `restoreFlow` gives a `Left(SerializationError)` within
 * `maxMs` milliseconds and leaves no tensor allocated: what a preset must do
 * with a config from an untrusted file (`steps: 1e9`, `hidden: [1e5, 1e5]`).
 *
 * @example
 * ```ts
 * const saved = encodeFlow(def, params);
 * expect(hostileConfigRefusal(presets, saved, (c) => (c.steps = 1e9))).toMatch(/options\.steps/);
 * ```
 */
export const hostileConfigRefusal = (
  builders: FlowBuilders,
  saved: { readonly manifest: FlowManifest; readonly weightData: ArrayBuffer },
  edit: (config: Record<string, unknown>) => void,
  maxMs = 1_000,
): string => {
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const manifest = resignManifest(saved.manifest, saved.weightData, (m) => edit(m.config));
  const r = restoreFlow(builders, manifest, saved.weightData);
  const ms = performance.now() - t0;
  if (E.isRight(r)) {
    disposeParams(r.right.params);
    throw new Error('the edited config was accepted and loaded');
  }
  if (r.left.kind !== 'SerializationError')
    throw new Error(`expected a SerializationError, got ${r.left.kind}: ${r.left.message}`);
  if (ms > maxMs)
    throw new Error(
      `refused only after ${ms.toFixed(0)} ms (more than ${maxMs} ms): ${r.left.message}`,
    );
  const after = tf.memory().numTensors;
  if (after !== before)
    throw new Error(`tensor leak: ${after - before} tensors left by the refused load`);
  return r.left.message;
};
