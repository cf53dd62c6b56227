/**
 * `@bijective/core/backend`: for backend plugins — the fused kernels a
 * backend may register (and the reference implementations), and the error a
 * plugin reports. Users select a backend with `useBackend` from the main entry.
 */
export { type BackendPlugin, backendError } from '../backend/plugin.js';
export {
  FUSED_ADAM,
  SQUARED_NORM,
  type FusedAdamAttrs,
  hasFusedKernel,
  squaredNorm,
} from '../backend/fusedKernels.js';
