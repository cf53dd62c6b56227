/**
 * `@bijective/interop`: exact model exchange with PyTorch. safetensors files (read/write,
 * validated like hostile input) and zuko's `MAF`, `RealNVP` and `NSF` state dicts ↔ bijective's
 * `maf`, `realNVP` and `mafSpline`. File paths are in `@bijective/interop/node`.
 */
export {
  type SafetensorsDtype,
  type SafetensorsArrays,
  type SafeTensor,
  type SafetensorsFile,
  type SafetensorsLimits,
  parseSafetensors,
  encodeSafetensors,
} from './safetensors.js';
export { readSafetensorsBlob, safetensorsBlob } from './blob.js';
export { type StateDict } from './stateDict.js';
export {
  type ZukoFlowName,
  type ZukoFlowParams,
  type ZukoModel,
  type ZukoArguments,
  type FromZukoOptions,
  fromZuko,
} from './fromZuko.js';
export { toZuko } from './toZuko.js';
export { zukoMasks, madeDegrees } from './zukoMasks.js';
