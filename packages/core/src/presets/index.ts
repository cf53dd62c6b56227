export {
  type Decoder,
  arrayOf,
  boolean,
  field,
  finite,
  integerAtLeast,
  object,
  oneOf,
  optional,
  orElse,
  positive,
} from './decoder.js';
export { type PresetBuilder, type Presets, preset } from './preset.js';
export { WIDE_FROM_DIM, defaultHidden, presetTransforms } from '../presetDefaults.js';
export { presetLimits, mlpParamCount, presetSizeProblem } from '../presetLimits.js';
