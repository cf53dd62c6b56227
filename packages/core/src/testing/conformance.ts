import { tf } from '../tf.js';
import { tfSeed } from '../random.js';
import type { Batch } from '../bijection.js';
import type { FlowDef } from '../flow.js';
import {
  type Params,
  disposeParams,
  flattenParams,
  splitSeed,
  unflattenParams,
} from '../params.js';
import type { Tolerance } from './checkBijection.js';
import { perturbParams } from './perturb.js';
import { type RegistryEntry, type Shape, checkEntry } from './registry.js';

/** Everything conformance compares, read back as plain numbers. */
export interface FlowFingerprint {
  readonly logProb: number[];
  readonly samples: number[];
  readonly gradients: number[][];
  readonly gradientNames: string[];
}

/** Options of {@link flowFingerprint}. */
export interface FingerprintOptions {
  readonly batch?: number;
  readonly seed?: number;
  /** Noise added to the initial parameters so no transform sits at the identity (default 0.1). */
  readonly perturb?: number;
  /** Draws `[batch, dim]` inputs; default `N(0, 1)`. */
  readonly input?: (seed: number, batch: number, dim: number) => Batch;
}

/**
 * Evaluate a flow preset on the *current* tfjs backend and read back its
 * log-densities at fixed inputs, samples from a fixed seed, and the gradient
 * of the mean log-density with respect to every parameter. Parameters and
 * inputs are built from seeded JS-side random draws, so the numbers are
 * comparable across backends. Disposes everything it creates.
 *
 * @example
 * ```ts
 * await tf.setBackend('cpu'); const ref = flowFingerprint(def);
 * await tf.setBackend('wasm'); const got = flowFingerprint(def);
 * compareFingerprints(ref, got); // [] when they agree
 * ```
 */
export const flowFingerprint = (
  def: FlowDef<Params>,
  options: FingerprintOptions = {},
): FlowFingerprint => {
  const batch = options.batch ?? 8;
  const seed = options.seed ?? 3;
  const initial = def.init(seed);
  const params = perturbParams(initial, options.perturb ?? 0.1, seed, 50);
  disposeParams(initial);
  const x =
    options.input?.(splitSeed(seed, 1), batch, def.dim) ??
    (tf.randomNormal([batch, def.dim], 0, 1, 'float32', tfSeed(splitSeed(seed, 1))) as Batch);
  const context =
    def.contextDim > 0
      ? (tf.randomNormal(
          [batch, def.contextDim],
          0,
          1,
          'float32',
          tfSeed(splitSeed(seed, 2)),
        ) as Batch)
      : undefined;
  try {
    const flow = def.apply(params);
    const [lp, smp] = tf.tidy(() => [
      flow.logProb(x, context),
      flow.sample(batch, splitSeed(seed, 3), context),
    ]);
    const leaves = flattenParams(params);
    const grads = tf.tidy(() =>
      tf.grads((...ts: tf.Tensor[]) => {
        const unused = tf.mul(0, tf.addN(ts.map((t) => tf.sum(t))));
        return tf.add(tf.mean(def.apply(unflattenParams(params, ts)).logProb(x, context)), unused);
      })(leaves.map((l) => l.tensor)),
    );
    const out: FlowFingerprint = {
      logProb: Array.from(lp!.dataSync()),
      samples: Array.from(smp!.dataSync()),
      gradients: grads.map((g) => Array.from(g.dataSync())),
      gradientNames: leaves.map((l) => l.path),
    };
    tf.dispose([lp!, smp!, ...grads]);
    return out;
  } finally {
    disposeParams(params);
    x.dispose();
    context?.dispose();
  }
};

/**
 * Differences between two fingerprints beyond the tolerances (default:
 * values `rtol 1e-4`, gradients `rtol 1e-3`, each with a small `atol` for
 * entries near zero). Gradients are compared per parameter tensor relative
 * to that tensor's largest entry, since float32 summation order differs
 * between backends. Returns human-readable mismatch descriptions; empty means conformant.
 */
export const compareFingerprints = (
  reference: FlowFingerprint,
  actual: FlowFingerprint,
  values: Tolerance = { atol: 1e-4, rtol: 1e-4 },
  gradients: Tolerance = { atol: 1e-4, rtol: 1e-3 },
): string[] => {
  const problems: string[] = [];
  const cmp = (
    what: string,
    a: readonly number[],
    b: readonly number[],
    tol: Tolerance,
    scale?: number,
  ) => {
    if (a.length !== b.length)
      return problems.push(`${what}: length ${b.length} instead of ${a.length}`);
    for (let i = 0; i < a.length; i++) {
      const ref = a[i]!;
      const got = b[i]!;
      const bound = tol.atol + tol.rtol * (scale ?? Math.abs(ref));
      if (!(Math.abs(got - ref) <= bound)) {
        problems.push(
          `${what}[${i}]: ${got} vs cpu ${ref} (|Δ| ${Math.abs(got - ref).toExponential(2)} > ${bound.toExponential(2)})`,
        );
        return;
      }
    }
    return 0;
  };
  cmp('logProb', reference.logProb, actual.logProb, values);
  cmp('samples', reference.samples, actual.samples, values);
  reference.gradients.forEach((g, i) => {
    const scale = g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    cmp(`gradient '${reference.gradientNames[i]}'`, g, actual.gradients[i] ?? [], gradients, scale);
  });
  return problems;
};

/** The flow cases of registries for conformance: every preset (kind 'flow') at its first dim, with and without context. */
export const conformanceCases = (
  registries: Readonly<Record<string, Readonly<Record<string, RegistryEntry>>>>,
  contextDim = 3,
): { name: string; entry: RegistryEntry & { kind: 'flow' }; shape: Shape }[] =>
  Object.entries(registries).flatMap(([pkg, registry]) =>
    Object.entries(registry).flatMap(([name, entry]) => {
      if (entry.kind !== 'flow') return [];
      const dim = entry.dims[entry.dims.length - 1]!;
      return [
        { name: `${pkg}/${name} dim=${dim}`, entry, shape: { dim, contextDim: 0 } },
        ...(entry.conditional
          ? [
              {
                name: `${pkg}/${name} dim=${dim} context=${contextDim}`,
                entry,
                shape: { dim, contextDim },
              },
            ]
          : []),
      ];
    }),
  );

/**
 * The cross-backend conformance check for one preset: on `reference`
 * (default `cpu`) and on `backend`, compare {@link flowFingerprint}s
 * (log-densities, samples, parameter gradients); then, on `backend`, run the
 * shared {@link checkBijection} once and a leak check. Returns the problems
 * found (empty when conformant) and restores the backend that was active.
 *
 * @example
 * ```ts
 * for (const c of conformanceCases({ coupling: registry }))
 *   it(c.name, async () => expect(await checkConformance(c.entry, c.shape, 'wasm')).toEqual([]));
 * ```
 */
export const checkConformance = async (
  entry: RegistryEntry & { kind: 'flow' },
  shape: Shape,
  backend: string,
  options: {
    reference?: string;
    values?: Tolerance;
    gradients?: Tolerance;
    fingerprint?: FingerprintOptions;
  } = {},
): Promise<string[]> => {
  const previous = tf.getBackend();
  const def = entry.build(shape);
  const fp: FingerprintOptions = {
    ...(entry.check?.input ? { input: entry.check.input } : {}),
    ...options.fingerprint,
  };
  const problems: string[] = [];
  try {
    await tf.setBackend(options.reference ?? 'cpu');
    const ref = flowFingerprint(def, fp);
    if (!(await tf.setBackend(backend))) return [`backend '${backend}' could not be selected`];
    const got = flowFingerprint(def, fp);
    problems.push(...compareFingerprints(ref, got, options.values, options.gradients));
    try {
      checkEntry(entry, shape, { numRuns: 1 });
    } catch (e) {
      problems.push(
        `checkBijection on '${backend}': ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const before = tf.memory().numTensors;
    flowFingerprint(def, fp);
    const after = tf.memory().numTensors;
    if (after !== before) problems.push(`tensor leak on '${backend}': ${after - before} tensors`);
  } finally {
    await tf.setBackend(previous);
  }
  return problems;
};
