/**
 * `@bijective/backend-wasm/kernels`: the kernels and gradients `wasmBackend()` installs on tfjs's
 * `wasm` backend — the explicit-transpose matMul gradient and kernels, the fused MLP, optimizer and
 * element-map kernels (each with its installer and uninstaller), and the JavaScript loops the
 * element-map kernels run on the wasm heap. `ready()` installs them (options `fastMatMulGradient`,
 * `explicitTranspose`, `fusedMlp`, `fusedElementMaps`); these exports are for tests, same-process
 * timing and kernel work. `installFusedFieldTraceKernels` (FFJORD's exact trace) is the opt-in one:
 * pass it as `wasmBackend({ extraKernels: [installFusedFieldTraceKernels] })`.
 *
 * @example
 * ```ts
 * import { installFusedMlpKernels, uninstallFusedMlpKernels } from '@bijective/backend-wasm/kernels';
 * uninstallFusedMlpKernels(); // time tfjs's composite ops
 * installFusedMlpKernels(); // and the fused kernels again
 * ```
 */
export {
  explicitTransposeMatMulGrad,
  installMatMulGradient,
  uninstallMatMulGradient,
  matMulGradientInstalled,
} from '../matMulGradient.js';
export {
  installExplicitTransposeKernels,
  uninstallExplicitTransposeKernels,
  explicitTransposeKernelsInstalled,
} from '../explicitTransposeKernels.js';
export { swapLastTwoPerm, transposeLastTwo } from '../transposeLastTwo.js';
export { installFusedMlpKernels, uninstallFusedMlpKernels } from '../fusedMlp.js';
export { installFusedFieldTraceKernels } from '../fusedFieldTrace.js';
export {
  installFusedOptimizerKernels,
  uninstallFusedOptimizerKernels,
} from '../fusedOptimizerKernels.js';
export { adamLoop, sumSquaresLoop, type AdamLoopConstants } from '../kernels/adamLoop.js';
export {
  installFusedElementMapKernels,
  uninstallFusedElementMapKernels,
} from '../fusedElementMapKernels.js';
export { splineLoop, splineGradLoop } from '../kernels/splineLoops.js';
export { affineLoop, affineGradLoop } from '../kernels/affineLoops.js';
export { normalLogProbLoop, normalLogProbGradLoop } from '../kernels/normalLoops.js';
