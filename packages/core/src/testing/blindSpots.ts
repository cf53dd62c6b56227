import { tfSeed } from '../random.js';
import { tf } from '../tf.js';
import type { Batch } from '../bijection.js';
import { disposeParams, splitSeed } from '../params.js';
import { checkBijection, flowAsTransform } from './checkBijection.js';
import {
  type Mutation,
  biasLogDet,
  flipLogDetSign,
  ignoreContext,
  leakTensors,
  mutateFlow,
  mutateTransform,
  offsetInverse,
} from './mutants.js';
import { perturbParams } from './perturb.js';
import type { RegistryEntry, Shape } from './registry.js';

/** A planted bug and the checker property that must reject it. */
export interface PlantedBug {
  readonly name: string;
  readonly mutation: Mutation;
  /** The checker's error for it, e.g. `/checkBijection: round trip/`. */
  readonly caughtBy: RegExp;
  /** A sign flip is no bug where the log-det is identically 0 (permutations, additive couplings). */
  readonly needsLogDet?: boolean;
  /** Only for a conditional shape whose entry requires the context to matter. */
  readonly needsContext?: boolean;
}

/**
 * The planted bugs of {@link checkerBlindSpots}: the log-det sign flipped in
 * forward only and in both directions, a log-det biased by 1e-3 per
 * coordinate, an inverse off by 0.01, a forward pass that leaks a tensor
 * (pushed to `sink`), and a conditional bijection that ignores its context.
 */
export const plantedBugs = (sink: tf.Tensor[]): readonly PlantedBug[] => [
  {
    name: 'log-det sign flipped in forward only',
    mutation: flipLogDetSign('forward'),
    caughtBy: /checkBijection: inverse log-det: row \d+: .* but minus the forward one is/,
    needsLogDet: true,
  },
  {
    name: 'log-det sign flipped in both directions',
    mutation: flipLogDetSign('both'),
    caughtBy: /checkBijection: forward log-det: row \d+: returned .*, brute force/,
    needsLogDet: true,
  },
  {
    name: 'log-det biased by 1e-3 per coordinate',
    mutation: biasLogDet(1e-3),
    caughtBy: /checkBijection: forward log-det: row \d+: returned .*, brute force/,
  },
  {
    name: 'inverse off by 0.01',
    mutation: offsetInverse(0.01),
    caughtBy: /checkBijection: round trip: row \d+ col \d+/,
  },
  {
    name: 'a tensor leaked per forward pass',
    mutation: leakTensors(sink),
    caughtBy: /checkBijection: tensor leak: \d+ tensors left behind/,
  },
  {
    name: 'context ignored',
    mutation: ignoreContext,
    caughtBy: /checkBijection: context: changing the context does not change the output/,
    needsContext: true,
  },
];

/** Whether the entry's forward log-det is 0 on perturbed parameters and `N(0, 1)` inputs (then a sign flip is harmless). */
const logDetVanishes = (entry: RegistryEntry, shape: Shape): boolean => {
  const def = entry.kind === 'flow' ? flowAsTransform(entry.build(shape)) : entry.build(shape);
  const initial = def.init(0);
  const params = perturbParams(initial, entry.check?.perturb ?? 0.3, 1);
  disposeParams(initial);
  try {
    const largest = tf.tidy(() => {
      const x = (
        entry.check?.input ?? ((s, b, d) => tf.randomNormal([b, d], 0, 1, 'float32', tfSeed(s)))
      )(splitSeed(7, 1), 4, shape.dim);
      const context: Batch | undefined =
        shape.contextDim > 0
          ? tf.randomNormal([4, shape.contextDim], 0, 1, 'float32', tfSeed(8))
          : undefined;
      return tf.max(tf.abs(def.apply(params).forward(x, context).logDet));
    });
    const value = largest.dataSync()[0]!;
    largest.dispose();
    return value < 1e-6;
  } finally {
    disposeParams(params);
  }
};

/**
 * The checker, itself tested on one registry case: each {@link plantedBugs}
 * mutant of the entry (its transform, or its preset's bijection) goes
 * through {@link checkBijection} with the entry's own options. Returns the
 * blind spots: a description of every mutant that was accepted, or rejected
 * for another reason than the property that guards against it. `[]` means
 * the checker caught every planted bug. Leaked tensors are disposed.
 *
 * @example
 * ```ts
 * for (const c of registryCases(registry)) it(c.name, () => expect(checkerBlindSpots(c.entry, c.shape)).toEqual([]));
 * ```
 */
export const checkerBlindSpots = (entry: RegistryEntry, shape: Shape): string[] => {
  const sink: tf.Tensor[] = [];
  const volumePreserving = logDetVanishes(entry, shape);
  const conditional = shape.contextDim > 0 && (entry.check?.contextMatters ?? true);
  const found: string[] = [];
  try {
    for (const bug of plantedBugs(sink)) {
      if ((bug.needsLogDet && volumePreserving) || (bug.needsContext && !conditional)) continue;
      const def =
        entry.kind === 'flow'
          ? flowAsTransform(mutateFlow(entry.build(shape), bug.mutation))
          : mutateTransform(entry.build(shape), bug.mutation);
      try {
        checkBijection(def, { ...entry.check, dim: shape.dim, contextDim: shape.contextDim });
        found.push(`${bug.name}: accepted`);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (!bug.caughtBy.test(message))
          found.push(
            `${bug.name}: rejected for another reason: ${message.split('\n').find((l) => l.includes('checkBijection:')) ?? message}`,
          );
      }
    }
  } finally {
    tf.dispose(sink);
  }
  return found;
};
