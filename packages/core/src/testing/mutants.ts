import { tf } from '../tf.js';
import type { Batch, Bijection } from '../bijection.js';
import { type FlowDef, makeFlow } from '../flow.js';
import type { Params } from '../params.js';
import type { TransformDef } from '../transform.js';

/**
 * A planted bug: a real bijection rewritten into a subtly wrong one. The
 * checkers are themselves tested by showing that each mutant of a real
 * transform is rejected (mutation testing); a checker that accepts a mutant
 * has a blind spot.
 */
export type Mutation = (b: Bijection) => Bijection;

/**
 * The log-det with the wrong sign. `'forward'` flips only the forward one
 * (so the inverse no longer returns minus the forward log-det); `'both'`
 * flips both consistently (forward returns `-logDet`, inverse `+logDet` of
 * the forward at the same point), which only a comparison with the true
 * Jacobian or a density that no longer integrates to one can see.
 *
 * @example
 * ```ts
 * const bad = mutateTransform(affineCoupling({ dim: 2 }), flipLogDetSign('both'));
 * ```
 */
export const flipLogDetSign =
  (direction: 'forward' | 'both'): Mutation =>
  (b) => ({
    forward: (x, context) => {
      const f = b.forward(x, context);
      return { y: f.y, logDet: tf.neg(f.logDet) };
    },
    inverse: (y, context) => {
      const i = b.inverse(y, context);
      return direction === 'both' ? { x: i.x, logDet: tf.neg(i.logDet) } : i;
    },
  });

/**
 * A log-det off by `perCoordinate` per coordinate, consistently: forward
 * returns `logDet + dim·c`, inverse `logDet − dim·c`. The density is then
 * wrong by the constant factor `exp(dim·c)`, invisible to a round trip, to the
 * inverse/forward antisymmetry and (for small `c`) to a density integral.
 */
export const biasLogDet =
  (perCoordinate: number): Mutation =>
  (b) => ({
    forward: (x, context) => {
      const f = b.forward(x, context);
      return { y: f.y, logDet: tf.add(f.logDet, perCoordinate * x.shape[1]) };
    },
    inverse: (y, context) => {
      const i = b.inverse(y, context);
      return { x: i.x, logDet: tf.sub(i.logDet, perCoordinate * y.shape[1]) };
    },
  });

/** An inverse that is not the forward's: it returns `x + offset` (log-dets untouched). */
export const offsetInverse =
  (offset: number): Mutation =>
  (b) => ({
    forward: b.forward,
    inverse: (y, context) => {
      const i = b.inverse(y, context);
      return { x: tf.add(i.x, offset) as Batch, logDet: i.logDet };
    },
  });

/**
 * A forward pass that leaves one tensor behind per call (kept out of any
 * enclosing `tf.tidy`, as a cache written from inside a bijection would be).
 * The leaked tensors are pushed to `sink` so a test can dispose them.
 */
export const leakTensors =
  (sink: tf.Tensor[]): Mutation =>
  (b) => ({
    forward: (x, context) => {
      sink.push(tf.keep(tf.clone(x)));
      return b.forward(x, context);
    },
    inverse: b.inverse,
  });

/**
 * A conditional bijection that ignores its context: both directions see a
 * zero context of the same shape, so the output no longer depends on it.
 */
export const ignoreContext: Mutation = (b) => ({
  forward: (x, context) => b.forward(x, context && (tf.zerosLike(context) as Batch)),
  inverse: (y, context) => b.inverse(y, context && (tf.zerosLike(context) as Batch)),
});

/**
 * A transform definition whose bijection is mutated (same parameters).
 *
 * @example
 * ```ts
 * expect(() => checkBijection(mutateTransform(t, offsetInverse(0.01)), { dim: 2 })).toThrow(/round trip/);
 * ```
 */
export const mutateTransform = <P extends Params>(
  def: TransformDef<P>,
  mutation: Mutation,
): TransformDef<P> => ({
  init: def.init,
  apply: (params) => mutation(def.apply(params)),
});

/** A flow definition whose bijection is mutated (same parameters and base). */
export const mutateFlow = <P extends Params>(def: FlowDef<P>, mutation: Mutation): FlowDef<P> => ({
  ...def,
  apply: (params) => {
    const f = def.apply(params);
    return makeFlow(f.dim, f.contextDim, mutation(f.bijection), f.base);
  },
});
