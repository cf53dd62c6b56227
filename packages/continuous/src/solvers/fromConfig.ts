import { dopri5 } from './dopri5.js';
import { euler } from './euler.js';
import { midpoint } from './midpoint.js';
import { rk4 } from './rk4.js';
import type { OdeSolver } from './types.js';

/**
 * A JSON description of a solver, as stored in a preset's `config`:
 * a fixed-step method with its number of steps, or Dopri5 with its tolerances.
 */
export type SolverConfig =
  | { readonly kind: 'euler' | 'midpoint' | 'rk4'; readonly steps: number }
  | {
      readonly kind: 'dopri5';
      readonly rtol?: number;
      readonly atol?: number;
      readonly maxSteps?: number;
      readonly firstStep?: number;
    };

/**
 * Build a solver from its JSON description.
 *
 * @example
 * ```ts
 * const s = solverFromConfig({ kind: 'rk4', steps: 20 });
 * const d = solverFromConfig({ kind: 'dopri5', rtol: 1e-5, atol: 1e-5 });
 * ```
 */
export const solverFromConfig = (config: SolverConfig): OdeSolver => {
  switch (config.kind) {
    case 'euler':
      return euler(config);
    case 'midpoint':
      return midpoint(config);
    case 'rk4':
      return rk4(config);
    case 'dopri5':
      return dopri5(config);
  }
};
