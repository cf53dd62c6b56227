/**
 * `@bijective/core/backend`: for backend plugins — the fused kernels a
 * backend may register (and the reference implementations), the error a
 * plugin reports, and a profiler of the kernel calls an operation makes. Users select a backend with `useBackend` from the main entry.
 */
export { type BackendPlugin, backendError } from '../backend/plugin.js';
export {
  FUSED_ADAM,
  FUSED_ADAM_MULTI,
  SQUARED_NORM,
  type FusedAdamAttrs,
  FUSED_MLP,
  FUSED_MLP_GRAD,
  type FusedMlpActivation,
  type FusedMlpAttrs,
  type FusedMlpWorkspace,
  type WorkspacePiece,
  fusedMlpWorkspace,
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  FUSED_AFFINE,
  FUSED_AFFINE_GRAD,
  type FusedSplineAttrs,
  type FusedAffineAttrs,
  STANDARD_NORMAL_LOG_PROB,
  STANDARD_NORMAL_LOG_PROB_GRAD,
  hasFusedKernel,
  squaredNorm,
  FUSED_FIELD_TRACE,
  FUSED_FIELD_TRACE_GRAD,
  FIELD_TRACE_ACTIVATIONS,
  type FieldTraceActivation,
  type FusedFieldTraceAttrs,
} from '../backend/fusedKernels.js';
export {
  type FieldTraceOperands,
  fieldTraceCotangent,
  fieldTraceOperands,
} from '../backend/fieldTraceOperands.js';
export { type KernelProfile, type KernelTally, profileKernels } from '../backend/profileKernels.js';
