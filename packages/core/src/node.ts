/**
 * Node-only entry point of `@bijective/core`: saving and loading flows on the
 * file system. Browsers use `encodeFlow` / `decodeFlow` from the main entry.
 */
export { saveFlow } from './serialization/save.js';
export { type FlowBuilders, loadFlow } from './serialization/load.js';
export { MAX_CSV_BYTES, readCsvFile } from './data/readCsvFile.js';
export { type FamilyPackage, familyPackages, loadFamilies } from './familyPackages.js';
