import {
  type Batch,
  type Params,
  type TransformDef,
  chain,
  cloneParams,
  tf,
} from '@bijective/core';
import { type InitializableTransformDef, isDataInitializable } from './dataInit.js';

/**
 * Core's `chain` (forward applies `parts[0]` first; log-dets add; seeds
 * split per part) plus data-dependent initialisation: `initFromData(params,
 * x)` walks the parts in the forward (data → base) direction, initialising
 * each part that supports it (e.g. {@link actNorm}) on the data transformed
 * by the parts before it, and copying the others' parameters (Glow's
 * data-dependent initialisation, Kingma & Dhariwal 2018). Stacks nest.
 * `initFromData` returns new tensors only; `params` is left untouched. Its
 * `contextDim` is the one its parts declare (as `chain`'s; parts that disagree throw).
 *
 * @example
 * ```ts
 * const t = stack(actNorm(2), luLinear({ dim: 2 }), affineCoupling({ dim: 2 }));
 * const p0 = t.init(0);
 * const p1 = t.initFromData(p0, x); // ActNorm now standardizes x; new tensors
 * ```
 */
export const stack = (
  ...parts: readonly TransformDef<Params>[]
): InitializableTransformDef<Params[]> => {
  const c = chain(...parts);
  return {
    init: (seed) => c.init(seed),
    apply: (params) => c.apply(params),
    ...(c.contextDim === undefined ? {} : { contextDim: c.contextDim }),
    initFromData: (params, x, context) => {
      const out: Params[] = [];
      let h: Batch = x;
      parts.forEach((part, i) => {
        const p = isDataInitializable<Params, TransformDef<Params>>(part)
          ? part.initFromData(params[i]!, h, context)
          : cloneParams(params[i]!);
        out.push(p);
        if (i < parts.length - 1) {
          const next = tf.tidy(() => part.apply(p).forward(h, context).y);
          if (h !== x) h.dispose();
          h = next;
        }
      });
      if (h !== x) h.dispose();
      return out;
    },
  };
};
