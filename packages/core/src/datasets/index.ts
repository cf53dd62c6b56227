/**
 * `@bijective/core/datasets`: seeded generators of the classic 2-D toy
 * densities, for examples, tests and playgrounds. Plain rows, no tensors:
 * nothing to dispose, and they cross a worker boundary as they are.
 */
export {
  type Rows,
  type Toy2dOptions,
  type Toy2dName,
  twoMoons,
  eightGaussians,
  checkerboard,
  pinwheel,
  twoSpirals,
  toy2d,
} from './toy2d.js';
