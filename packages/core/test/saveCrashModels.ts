import type { FlowDef, Params } from '../src/index.js';
import { build, trainedLike } from './serializationFixtures.js';

/** A flow with 789,504 parameters (3.2 MB of weights), so that a save takes long enough to be interrupted. */
export const bigDef = (): FlowDef<Params> => build({ dim: 1024, bins: 256 });
export const modelA = (def: FlowDef<Params>): Params => trainedLike(def, 1);
export const modelB = (def: FlowDef<Params>): Params => trainedLike(def, 2);
