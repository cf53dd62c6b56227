/**
 * FNV-1a (32 bit) state after hashing `bytes`, starting from `state`
 * (default the FNV offset basis 0x811c9dc5). Chaining calls hashes the
 * concatenation: `fnv1aUpdate(fnv1aUpdate(h, a), b) = fnv1aUpdate(h, a ++ b)`.
 * Each step `h = (h ⊕ byte) · 16777619 mod 2³²` is a bijection of `h`, so any
 * single changed byte always changes the result.
 *
 * @example
 * ```ts
 * fnv1aUpdate(0x811c9dc5, new Uint8Array([97])); // 0xe40c292c ("a")
 * ```
 */
export const fnv1aUpdate = (state: number, bytes: Uint8Array): number => {
  let h = state;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

/** The FNV-1a offset basis, the state before any byte. */
export const FNV1A_BASIS = 0x811c9dc5;

/** Eight lower-case hex digits of a 32-bit hash. */
export const hex32 = (h: number): string => (h >>> 0).toString(16).padStart(8, '0');

/**
 * FNV-1a 32-bit hash of `bytes`, as eight hex digits: cheap corruption
 * detection (Fowler, Noll & Vo), not a cryptographic hash — it does not stop
 * someone who edits a file on purpose and recomputes it.
 *
 * @example
 * ```ts
 * fnv1a(new TextEncoder().encode('a')); // 'e40c292c'
 * ```
 */
export const fnv1a = (bytes: Uint8Array): string => hex32(fnv1aUpdate(FNV1A_BASIS, bytes));
