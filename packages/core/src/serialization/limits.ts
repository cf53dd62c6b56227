/**
 * Upper bounds that a saved flow must respect before anything is allocated
 * or built from it. They make loading an untrusted file bounded in time and
 * memory: a manifest that declares more is refused with a `SerializationError`.
 *
 * @example
 * ```ts
 * loadFlow('./model', presets, { ...defaultLoadLimits, maxParams: 2 ** 28 });
 * ```
 */
export interface LoadLimits {
  /** Scalar parameters a file may declare (float32, so 4 bytes each). Default 2²⁶ (256 MiB). */
  readonly maxParams: number;
  /** Parameter tensors a file may declare. Default 65,536. */
  readonly maxTensors: number;
  /** Rank of one parameter tensor. Default 8. */
  readonly maxRank: number;
  /** Size of the manifest file in bytes. Default 16 MiB. */
  readonly maxManifestBytes: number;
  /** JSON values (numbers, strings, arrays, objects …) in the config. Default 10,000. */
  readonly maxConfigNodes: number;
  /** Nesting depth of the config. Default 32. */
  readonly maxConfigDepth: number;
}

/** The default {@link LoadLimits}. */
export const defaultLoadLimits: LoadLimits = {
  maxParams: 2 ** 26,
  maxTensors: 65_536,
  maxRank: 8,
  maxManifestBytes: 16 * 2 ** 20,
  maxConfigNodes: 10_000,
  maxConfigDepth: 32,
};
