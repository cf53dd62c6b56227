export { type ElementMap, rawComponent } from './elementMap.js';
export { additiveMap } from './additiveMap.js';
export { affineMap } from './affineMap.js';
export { splineMap } from './splineMap.js';
