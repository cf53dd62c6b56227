/**
 * The standard-normal log-density plus a flow's log-det (core's
 * `STANDARD_NORMAL_LOG_PROB`) as a plain loop:
 * `out[r] = -½ Σⱼ z[r, j]² - (dim/2) log 2π + sign · logDet[r]`, double accumulation.
 *
 * @example
 * ```ts
 * normalLogProbLoop(z, logDet, rows, dim, 1, out);
 * ```
 */
export const normalLogProbLoop = (
  z: Float32Array,
  logDet: Float32Array,
  rows: number,
  dim: number,
  sign: number,
  out: Float32Array,
): void => {
  const norm = 0.5 * dim * Math.log(2 * Math.PI);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < dim; j++) {
      const v = z[r * dim + j]!;
      ss += v * v;
    }
    out[r] = -0.5 * ss - norm + sign * logDet[r]!;
  }
};

/**
 * Gradient of {@link normalLogProbLoop}: `dz[r, j] = -z[r, j] · dy[r]`, `dLogDet[r] = sign · dy[r]`.
 *
 * @example
 * ```ts
 * normalLogProbGradLoop(z, dy, rows, dim, 1, dz, dLogDet);
 * ```
 */
export const normalLogProbGradLoop = (
  z: Float32Array,
  dy: Float32Array,
  rows: number,
  dim: number,
  sign: number,
  dz: Float32Array,
  dLogDet: Float32Array,
): void => {
  for (let r = 0; r < rows; r++) {
    const g = dy[r]!;
    for (let j = 0; j < dim; j++) dz[r * dim + j] = -z[r * dim + j]! * g;
    dLogDet[r] = sign * g;
  }
};
