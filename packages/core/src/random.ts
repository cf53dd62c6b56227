/**
 * A small seeded PRNG (mulberry32) for the fixed random choices made at
 * construction time (permutations, masks, degrees), so the same seed gives
 * the same flow on every backend. Tensor-valued randomness uses tfjs's seeded ops.
 */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** A uniformly random permutation of `0..n-1` (Fisher–Yates), fixed by `seed`. */
export const randomPermutationIndices = (n: number, seed: number): number[] => {
  const rand = mulberry32(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
};

/** What {@link tfSeed} hands tfjs for seed 0 (any fixed non-zero value would do). */
const ZERO_SEED = 0x2545f491;

/**
 * The seed to pass to tfjs's seeded random ops (`tf.randomNormal`,
 * `tf.randomUniform`, …). tfjs treats a falsy seed as no seed at all (its
 * generators do `seed ? seed : Math.random()`), so seed 0, the default of
 * every seeded function in bijective, would silently draw different numbers
 * in every process. `tfSeed` maps 0 to a fixed non-zero value and leaves
 * every other seed, and `undefined` (unseeded on purpose), unchanged, so
 * existing non-zero seeds keep their streams.
 *
 * @example
 * ```ts
 * tf.randomNormal([4, 2], 0, 1, 'float32', tfSeed(0)); // the same numbers in every run
 * ```
 */
export const tfSeed = <S extends number | undefined>(seed: S): S =>
  (seed === 0 ? ZERO_SEED : seed) as S;
