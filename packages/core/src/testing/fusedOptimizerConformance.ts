import { tf } from '../tf.js';
import {
  FUSED_ADAM,
  FUSED_ADAM_MULTI,
  type FusedAdamAttrs,
  SQUARED_NORM,
  hasFusedKernel,
  squaredNorm,
} from '../backend/fusedKernels.js';
import { adamInit, adamStep, disposeAdam } from '../training/adam.js';

/** Leaf shapes of the Adam case: a scalar-like vector, matrices, a 3-d tensor (several sizes, one odd). */
const SHAPES: readonly number[][] = [[1], [3, 17], [64, 33], [5, 2, 7], [64]];

const draws = (seed: number, n: number, lo: number, hi: number): number[] => {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + (s / 2 ** 32) * (hi - lo));
  }
  return out;
};
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const tensors = (seed: number, lo: number, hi: number): tf.Tensor[] =>
  SHAPES.map((s, i) => tf.tensor(draws(seed + 97 * i, size(s), lo, hi), [...s]));

/** Three Adam steps (lr 0.05, gradients of growing spread) from fixed leaves; the final leaves, m and v, read back. */
const threeSteps = (seed: number): Float32Array[] => {
  let leaves = tensors(seed, -1, 1);
  let state = adamInit(leaves);
  for (let step = 0; step < 3; step++) {
    const grads = tensors(seed + 1000 * (step + 1), -step - 1, step + 1);
    const next = adamStep(leaves, grads, state, { learningRate: 0.05 });
    tf.dispose([...leaves, ...grads]);
    disposeAdam(state);
    leaves = next.leaves;
    state = next.state;
  }
  const out = [...leaves, ...state.m, ...state.v].map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(leaves);
  disposeAdam(state);
  return out;
};

/** Problems where `got` differs from `ref` by more than `rel` of the largest `|ref|` of the tensor. */
const compare = (what: string, ref: Float32Array, got: Float32Array, rel: number): string[] => {
  if (ref.length !== got.length) return [`${what}: length ${got.length}, expected ${ref.length}`];
  let scale = 0;
  for (const r of ref) scale = Math.max(scale, Math.abs(r));
  const bad: string[] = [];
  for (let i = 0; i < ref.length; i++)
    if (!(Math.abs(ref[i]! - got[i]!) <= rel * scale))
      bad.push(`${what}[${i}]: ${got[i]} vs reference ${ref[i]}`);
  return bad.slice(0, 3);
};

/** The squared global norm of fixed tensors (one of them int32), read back. */
const normReadout = (seed: number): number => {
  const xs = [...tensors(seed, -3, 3), tf.tensor([1, -2, 3], [3], 'int32')];
  const n = squaredNorm(xs);
  const v = n.dataSync()[0]!;
  tf.dispose([n, ...xs]);
  return v;
};

/** One leaf through the one-leaf {@link FUSED_ADAM} kernel and through {@link FUSED_ADAM_MULTI}; both read back. */
const singleVersusMulti = (seed: number): { single: Float32Array[]; multi: Float32Array[] } => {
  const [p, m, v, g] = [0, 1, 2, 3].map((k) => tensors(seed + 10 * k, k === 2 ? 0 : -1, 1));
  const attrs: FusedAdamAttrs = { beta1: 0.9, beta2: 0.999, stepSize: 0.01, epsHat: 1e-8 };
  const inputs: Record<string, tf.Tensor> = {};
  SHAPES.forEach((_, i) => {
    inputs[`p${i}`] = p![i]!;
    inputs[`m${i}`] = m![i]!;
    inputs[`v${i}`] = v![i]!;
    inputs[`g${i}`] = g![i]!;
  });
  const multiOut = tf.engine().runKernel(FUSED_ADAM_MULTI, inputs, { ...attrs }) as tf.Tensor[];
  const singleOut = SHAPES.flatMap(
    (_, i) =>
      tf
        .engine()
        .runKernel(
          FUSED_ADAM,
          { param: p![i]!, m: m![i]!, v: v![i]!, grad: g![i]! },
          { ...attrs },
        ) as tf.Tensor[],
  );
  const read = (ts: tf.Tensor[]): Float32Array[] => ts.map((t) => Float32Array.from(t.dataSync()));
  const out = { single: read(singleOut), multi: read(multiOut) };
  tf.dispose([...multiOut, ...singleOut, ...p!, ...m!, ...v!, ...g!]);
  return out;
};

/**
 * Conformance of a backend's fused optimizer kernels ({@link FUSED_ADAM_MULTI},
 * {@link FUSED_ADAM}, {@link SQUARED_NORM}) with the composite tfjs ops on the
 * reference backend (default `cpu`, which registers none of them): three
 * `adamStep`s over five leaves of different shapes give the same leaves and
 * moments to `1e-6` of each tensor's largest value (Adam is elementwise:
 * a few float32 ulps at most); `squaredNorm` of float32 and int32 tensors
 * agrees to `1e-6`; when the backend registers both Adam kernels, the
 * multi-leaf kernel's outputs equal the one-leaf kernel's bit for bit, leaf
 * by leaf; a multi-leaf call with a leaf missing an input is an error; no
 * leaked tensor. Returns the problems (empty when conformant) and restores
 * the active backend.
 *
 * @example
 * ```ts
 * expect(await checkFusedOptimizer('wasm')).toEqual([]);
 * ```
 */
export const checkFusedOptimizer = async (
  backend: string,
  options: { reference?: string; seed?: number } = {},
): Promise<string[]> => {
  const previous = tf.getBackend();
  const seed = options.seed ?? 3;
  const problems: string[] = [];
  try {
    if (!(await tf.setBackend(backend))) return [`backend '${backend}' could not be selected`];
    const multi = hasFusedKernel(FUSED_ADAM_MULTI);
    const single = hasFusedKernel(FUSED_ADAM);
    const norm = hasFusedKernel(SQUARED_NORM);
    if (!multi && !single && !norm)
      return [`backend '${backend}' registers no fused optimizer kernel`];
    await tf.setBackend(options.reference ?? 'cpu');
    const ref = threeSteps(seed);
    const refNorm = normReadout(seed);
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const got = threeSteps(seed);
    const gotNorm = normReadout(seed);
    const names = ['leaf', 'm', 'v'];
    got.forEach((g, i) => {
      const what = `adamStep on '${backend}' ${names[Math.floor(i / SHAPES.length)]}${i % SHAPES.length}`;
      problems.push(...compare(what, ref[i]!, g, 1e-6));
    });
    if (!(Math.abs(gotNorm - refNorm) <= 1e-6 * Math.abs(refNorm)))
      problems.push(`squaredNorm on '${backend}': ${gotNorm} vs reference ${refNorm}`);
    if (multi && single) {
      const { single: s, multi: m } = singleVersusMulti(seed + 5);
      if (m.length !== s.length)
        problems.push(`${FUSED_ADAM_MULTI}: ${m.length} outputs, expected ${s.length}`);
      s.forEach((si, i) => {
        const mi = m[i];
        if (mi === undefined || mi.length !== si.length || mi.some((x, j) => x !== si[j]))
          problems.push(`${FUSED_ADAM_MULTI} output ${i} differs from ${FUSED_ADAM}'s`);
      });
    }
    if (multi) {
      const p = tf.ones([3]);
      let threw = false;
      try {
        tf.dispose(
          tf.engine().runKernel(
            FUSED_ADAM_MULTI,
            { p0: p, m0: p, v0: p },
            {
              beta1: 0.9,
              beta2: 0.999,
              stepSize: 0.01,
              epsHat: 1e-8,
            },
          ) as tf.Tensor[],
        );
      } catch {
        threw = true;
      }
      p.dispose();
      if (!threw) problems.push(`${FUSED_ADAM_MULTI} accepted a leaf without its gradient`);
    }
    const after = tf.memory().numTensors;
    if (after !== before)
      problems.push(`fused optimizer on '${backend}': ${after - before} leaked tensors`);
  } finally {
    await tf.setBackend(previous);
  }
  return problems;
};
