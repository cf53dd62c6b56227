export { wasmBackend, type WasmBackendOptions, type WasmFileMap } from './wasmBackend.js';
export { type WasmFlavour, type WasmBinaryInfo, WASM_BINARIES, wasmBinaryInfo } from './binary.js';
export {
  explicitTransposeMatMulGrad,
  installMatMulGradient,
  uninstallMatMulGradient,
  matMulGradientInstalled,
} from './matMulGradient.js';
export {
  installExplicitTransposeKernels,
  uninstallExplicitTransposeKernels,
  explicitTransposeKernelsInstalled,
} from './explicitTransposeKernels.js';
export { swapLastTwoPerm, transposeLastTwo } from './transposeLastTwo.js';
export { installFusedMlpKernels, uninstallFusedMlpKernels } from './fusedMlp.js';
export {
  installFusedOptimizerKernels,
  uninstallFusedOptimizerKernels,
} from './fusedOptimizerKernels.js';
export { adamLoop, sumSquaresLoop, type AdamLoopConstants } from './kernels/adamLoop.js';
export {
  installFusedElementMapKernels,
  uninstallFusedElementMapKernels,
} from './fusedElementMapKernels.js';
export { splineLoop, splineGradLoop } from './kernels/splineLoops.js';
export { affineLoop, affineGradLoop } from './kernels/affineLoops.js';
export { normalLogProbLoop, normalLogProbGradLoop } from './kernels/normalLoops.js';
