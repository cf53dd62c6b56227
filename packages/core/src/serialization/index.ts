export { type WeightSpec, type FlowManifest, fnv1a, encodeFlow, decodeFlow, parseManifest } from './encode.js';
