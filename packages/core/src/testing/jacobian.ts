import { tf } from '../tf.js';

/**
 * The Jacobian `∂f(x)ᵢ/∂xⱼ` of a row-wise map at every row of `x`, assembled
 * from `dim` reverse-mode passes (pass `i` differentiates the sum over rows
 * of output column `i`; rows are independent, so each row's gradient is that
 * row's `i`-th Jacobian row). Returns plain float64 arrays `[batch][dim][dim]`.
 *
 * @example
 * ```ts
 * const J = jacobianRows((x) => b.forward(x).y, tf.randomNormal([4, 3]));
 * ```
 */
export const jacobianRows = (f: (x: tf.Tensor2D) => tf.Tensor2D, x: tf.Tensor2D): number[][][] => {
  const [batch, dim] = x.shape;
  const rows: number[][][] = Array.from({ length: batch }, () => []);
  for (let i = 0; i < dim; i++) {
    const g = tf.tidy(() =>
      tf.grad((xx: tf.Tensor) => tf.sum(tf.slice(f(xx as tf.Tensor2D), [0, i], [batch, 1])))(x),
    );
    const values = g.arraySync() as number[][];
    g.dispose();
    for (let b = 0; b < batch; b++) rows[b]!.push(values[b]!);
  }
  return rows;
};

/**
 * `log |det A|` of a square matrix in float64, by LU decomposition with
 * partial pivoting (tfjs has no determinant). `-Infinity` when singular.
 */
export const logAbsDet = (matrix: readonly (readonly number[])[]): number => {
  const n = matrix.length;
  const a = matrix.map((r) => Float64Array.from(r));
  let sum = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[p]![k]!)) p = i;
    if (a[p]![k] === 0) return -Infinity;
    [a[k], a[p]] = [a[p]!, a[k]!];
    const pivot = a[k]![k]!;
    sum += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const m = a[i]![k]! / pivot;
      if (m === 0) continue;
      for (let j = k; j < n; j++) a[i]![j]! -= m * a[k]![j]!;
    }
  }
  return sum;
};
