/**
 * `@bijective/continuous/solvers`: the ODE solvers (fixed-step Runge–Kutta
 * methods, Dopri5), the adjoint method, and the divergence estimators of
 * the change of variables.
 */
export type { OdeState, OdeFunction, OdeSolver, OdeSolution, SolveStats } from './types.js';
export { type ButcherTableau, explicitRungeKutta, rungeKuttaStep } from './explicitRungeKutta.js';
export { euler } from './euler.js';
export { midpoint } from './midpoint.js';
export { rk4 } from './rk4.js';
export { type Dopri5Options, dopri5 } from './dopri5.js';
export { solverFromConfig } from './fromConfig.js';
export { odeintAdjoint } from '../adjoint.js';
export {
  type TraceMethod,
  type ProbeKind,
  type FieldAndDivergence,
  type RowMap,
  valueAndVjp,
  exactDivergence,
  hutchinsonDivergence,
  drawProbe,
  divergence,
} from '../trace.js';
