export { type AdamOptions, type AdamState, adamInit, adamStep, disposeAdam } from './adam.js';
export { type LossAndGrads, lossAndGrads } from './step.js';
export { type UpdateOptions, isFiniteStep, optimizerStep, optimizerUpdate } from './update.js';
export { DivergedError } from './diverged.js';
export { AbortedError } from './aborted.js';
export { type TrainingOptionsInput, validateTrainingOptions } from './options.js';
export { yieldToEventLoop, throttledYield } from './yieldToEventLoop.js';
export {
  type EpochFigures,
  type EpochRecord,
  type FitProgress,
  type FitOptions,
  type FitResult,
  fit,
  meanNll,
} from './fit.js';
export type { FitHooks, WithExtras } from './fitHooks.js';
export {
  type LogDensity,
  type ReverseKLOptions,
  type ReverseKLResult,
  fitReverseKL,
} from './fitReverseKL.js';
export {
  type StepObjective,
  type StepReport,
  type StepState,
  type TrainLoopHooks,
  type TrainLoopMessages,
  type TrainLoopOptions,
  type TrainLoopResult,
  trainLoop,
} from './trainLoop.js';
