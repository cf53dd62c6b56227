/**
 * An optimal assignment for a square cost matrix: `perm[i]` is the column
 * given to row `i`, minimising `Σᵢ cost[i][perm[i]]`. Exact, by the
 * Hungarian method in its shortest-augmenting-path form with potentials
 * (Kuhn 1955; Munkres 1957; Jonker & Volgenant 1987): `O(n³)` time, `O(n²)`
 * memory, plain float64 JavaScript. Used for mini-batch optimal-transport
 * coupling in flow matching (Tong et al. 2023; Pooladian et al. 2023), where
 * `n` is a batch size (a batch of 256 takes a few milliseconds).
 *
 * @example
 * ```ts
 * hungarian([[4, 1], [2, 3]]); // [1, 0]: total cost 1 + 2 = 3
 * ```
 */
export const hungarian = (cost: readonly (readonly number[])[]): number[] => {
  const n = cost.length;
  for (const row of cost)
    if (row.length !== n) throw new RangeError('hungarian: the cost matrix must be square');
  // 1-based arrays with a virtual column 0, as in the classical e-maxx formulation.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // p[j]: row matched to column j (0 = none)
  const way = new Int32Array(n + 1);
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      const row = cost[i0 - 1]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = row[j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const perm = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j]! > 0) perm[p[j]! - 1] = j - 1;
  return perm;
};

/**
 * The squared-Euclidean cost matrix `C[i][j] = ‖xᵢ - yⱼ‖²` between the rows of
 * two `[n, dim]` row-major float arrays.
 *
 * @example
 * ```ts
 * squaredDistances(Float32Array.from([0, 0, 1, 1]), Float32Array.from([1, 1, 0, 0]), 2, 2); // [[2, 0], [0, 2]]
 * ```
 */
export const squaredDistances = (
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  dim: number,
): number[][] =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const d = x[i * dim + k]! - y[j * dim + k]!;
        s += d * d;
      }
      return s;
    }),
  );
