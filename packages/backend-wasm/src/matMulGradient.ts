import { tf } from '@bijective/core';
import { transposeLastTwo as t } from './transposeLastTwo.js';

/** tfjs's kernel name for `tf.matMul` (its gradient is registered under it). */
const BATCH_MAT_MUL = 'BatchMatMul';

/** The backend on which the explicit-transpose gradient is used. */
const FAST_ON = 'wasm';

const flag = (attrs: tf.NamedAttrMap, name: string): boolean => attrs[name] === true;

/**
 * The gradient of `c = op(a) · op(b)` (`op` = identity or transpose of the
 * last two axes, per the `transposeA` / `transposeB` flags), written with
 * explicit `tf.transpose` calls and flag-free `matMul`s only:
 *
 * | flags  | ∂L/∂a          | ∂L/∂b          |
 * |--------|----------------|----------------|
 * | a b    | dy · bᵀ        | aᵀ · dy        |
 * | a bᵀ   | dy · b         | dyᵀ · a        |
 * | aᵀ b   | b · dyᵀ        | a · dy         |
 * | aᵀ bᵀ  | (dy · b)ᵀ      | (a · dy)ᵀ      |
 *
 * Mathematically identical to tfjs's own `BatchMatMul` gradient (same
 * shapes, same broadcasting rules), which calls `matMul` with transpose
 * flags instead. The wasm backend's `matMul` is 6-20x slower with a
 * transpose flag than on a pre-transposed copy (measured, see README), so
 * on wasm this form makes every dense-layer backward pass fast.
 *
 * @example
 * ```ts
 * const { a: da, b: db } = explicitTransposeMatMulGrad(dy, a, b, false, false);
 * // da() = dy · bᵀ with shape of a; db() = aᵀ · dy with shape of b
 * ```
 */
export const explicitTransposeMatMulGrad = (
  dy: tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
): { a: () => tf.Tensor; b: () => tf.Tensor } => {
  if (!transposeA && !transposeB)
    return { a: () => tf.matMul(dy, t(b)), b: () => tf.matMul(t(a), dy) };
  if (!transposeA && transposeB) return { a: () => tf.matMul(dy, b), b: () => tf.matMul(t(dy), a) };
  if (transposeA && !transposeB) return { a: () => tf.matMul(b, t(dy)), b: () => tf.matMul(a, dy) };
  // bᵀ·dyᵀ = (dy·b)ᵀ: one transpose of the product instead of two of the operands.
  return { a: () => t(tf.matMul(dy, b)), b: () => t(tf.matMul(a, dy)) };
};

let installed:
  { readonly original: tf.GradConfig | undefined; readonly ours: tf.GradConfig } | undefined;

/**
 * Re-register tfjs's global `BatchMatMul` (`tf.matMul`) gradient so that,
 * while the active backend is `wasm`, backprop uses
 * {@link explicitTransposeMatMulGrad} (explicit transposes + plain matMul)
 * instead of `matMul` with transpose flags. On every other backend the
 * replaced gradient delegates to tfjs's original one unchanged.
 *
 * Why branch instead of installing it for all backends: the gradient
 * registry is global to tfjs, and on the cpu backend the explicit transpose
 * is an extra copy: it made a 2-64-64-4 MLP training step 15-40% slower
 * (measured, see README); native backends read transposed operands for
 * free as well. Idempotent; `wasmBackend().ready()` calls it unless
 * `fastMatMulGradient: false`. Returns `true` if it installed the gradient now.
 *
 * @example
 * ```ts
 * await tf.setBackend('wasm'); // loading tfjs's wasm backend yourself
 * installMatMulGradient();     // backprop through tf.matMul is now fast on wasm
 * ```
 */
export const installMatMulGradient = (): boolean => {
  const current = tf.getGradient(BATCH_MAT_MUL);
  if (installed !== undefined && current === installed.ours) return false;
  // undefined if nothing registered one (tfjs-core's Node bundle alone has no gradients).
  const original: tf.GradConfig | undefined = current;
  const ours: tf.GradConfig = {
    kernelName: BATCH_MAT_MUL,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== FAST_ON && original !== undefined) {
        return original.gradFunc(dy, saved, attrs);
      }
      const [a, b] = saved;
      const g = Array.isArray(dy) ? dy[0] : dy;
      if (a === undefined || b === undefined || g === undefined) {
        throw new Error(
          'BatchMatMul gradient: expected saved inputs a, b and one upstream gradient',
        );
      }
      return explicitTransposeMatMulGrad(
        g,
        a,
        b,
        flag(attrs, 'transposeA'),
        flag(attrs, 'transposeB'),
      );
    },
  };
  tf.registerGradient(ours);
  installed = { original, ours };
  return true;
};

/**
 * Put tfjs's original `BatchMatMul` gradient back (undoes
 * {@link installMatMulGradient}). Returns `true` if something was restored.
 * Meant for benchmarks comparing the two; applications have no need for it.
 *
 * @example
 * ```ts
 * uninstallMatMulGradient(); // time the stock gradient
 * installMatMulGradient();   // and the fast one again
 * ```
 */
export const uninstallMatMulGradient = (): boolean => {
  if (installed === undefined || tf.getGradient(BATCH_MAT_MUL) !== installed.ours) return false;
  if (installed.original === undefined) return false; // tfjs has no unregisterGradient
  tf.registerGradient(installed.original);
  installed = undefined;
  return true;
};

/** Whether the explicit-transpose `BatchMatMul` gradient is the registered one. */
export const matMulGradientInstalled = (): boolean =>
  installed !== undefined && tf.getGradient(BATCH_MAT_MUL) === installed.ours;
