import type { FlowDef, Params } from '../src/index.js';
import { build, trainedLike } from './serializationFixtures.js';

/** A flow with 394,752 parameters (1.6 MB of weights), so that a save takes long enough to be interrupted. */
export const bigDef = (): FlowDef<Params> => build({ dim: 512, bins: 256 });
export const modelA = (def: FlowDef<Params>): Params => trainedLike(def, 1);
export const modelB = (def: FlowDef<Params>): Params => trainedLike(def, 2);
