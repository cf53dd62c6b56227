/**
 * Node-only entry point of `@bijective/core`: saving and loading flows on the
 * file system. Browsers use `encodeFlow` / `decodeFlow` from the main entry.
 */
export { type FlowBuilders, saveFlow, loadFlow } from './serialization/files.js';
