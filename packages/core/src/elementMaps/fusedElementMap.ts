import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { tf } from '../tf.js';
import type { Batch, PerRow } from '../bijection.js';
import type { ElementwiseResult } from '../spline/rationalQuadraticSpline.js';

/**
 * Register, once, the gradient of the fused element-map kernel `name`: its
 * backward kernel `gradName` run on the saved inputs `{ x, raw }` and the
 * cotangents of the three outputs that reach the loss (`dOut`, `dLogAbsDeriv`,
 * `dLogDet`; tfjs passes `null` for an output off the gradient path, which the
 * backward kernel reads as zero). Registered on first use rather than at import,
 * so the module has no side effect a bundler could drop; a fused kernel always
 * runs (and so registers) before the tape that needs its gradient is walked.
 */
const ensureGradient = (name: string, gradName: string): void => {
  if (tf.getGradient(name) !== undefined) return;
  tf.registerGradient({
    kernelName: name,
    inputsToSave: ['x', 'raw'],
    gradFunc: (dy, saved, attrs) => {
      const [x, raw] = saved;
      if (x === undefined || raw === undefined) throw new Error(`${name}: inputs were not saved`);
      // tfjs passes null for an output that is off the gradient path (its types say Tensor).
      const dys: readonly (tf.Tensor | null | undefined)[] = Array.isArray(dy) ? dy : [dy];
      const inputs: Record<string, tf.Tensor> = { x, raw };
      const [dOut, dLogAbsDeriv, dLogDet] = dys;
      if (dOut) inputs.dOut = dOut;
      if (dLogAbsDeriv) inputs.dLogAbsDeriv = dLogAbsDeriv;
      if (dLogDet) inputs.dLogDet = dLogDet;
      // One backward call for both inputs (computed here, in the backward pass's scope).
      const [dx, dRaw] = tf.engine().runKernel(gradName, inputs, attrs) as tf.Tensor[];
      if (dx === undefined || dRaw === undefined)
        throw new Error(`${gradName}: expected two outputs`);
      return { x: () => dx, raw: () => dRaw };
    },
  });
};

/**
 * Run a fused element-map kernel (`FUSED_SPLINE`, `FUSED_AFFINE`, see
 * `backend/fusedKernels.ts`) on `x: [B, D]`, `raw: [B, D, P]`: one kernel call
 * forward and one backward instead of the element map's composite ops. The
 * result also carries the per-row log-det (`logDet`, the row sum of
 * `logAbsDeriv`), so a layer needs no extra reduction. Call only when
 * `hasFusedKernel(name)` holds.
 *
 * @example
 * ```ts
 * const r = runFusedElementMap(FUSED_AFFINE, FUSED_AFFINE_GRAD, x, raw, { bound: 6.9, inverse: false });
 * ```
 */
export const runFusedElementMap = (
  name: string,
  gradName: string,
  x: Batch,
  raw: tf.Tensor3D,
  attrs: NamedAttrMap,
): ElementwiseResult => {
  ensureGradient(name, gradName);
  const [out, logAbsDeriv, logDet] = tf.engine().runKernel(name, { x, raw }, attrs) as [
    Batch,
    Batch,
    PerRow,
  ];
  return { out, logAbsDeriv, logDet };
};
