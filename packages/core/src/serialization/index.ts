export { fnv1a } from './checksum.js';
export { type LoadLimits, defaultLoadLimits } from './limits.js';
export {
  type WeightSpec,
  type FlowManifest,
  type UnsignedManifest,
  manifestChecksum,
  parseManifest,
} from './manifest.js';
export { encodeFlow } from './encode.js';
export { decodeFlow } from './decode.js';
export { type FlowBuilders, restoreFlow } from './restore.js';
