/**
 * Where the time goes on the `native` backend: wraps every kernel registered
 * for `native` with a timer and runs the benchmark app's hot cells (a MAF
 * training step, mafSpline logProb/sample, nsfCoupling logProb, a
 * flowMatching sample) at dim 2 (hidden [64, 64]) and dim 64 (hidden
 * [128, 128]), 5 transforms. Prints, per cell, the kernels by share of the
 * time spent inside kernels, and whether each runs in the addon or in
 * tfjs-backend-cpu's JavaScript. Not a test; run it by hand:
 *
 * ```sh
 * cd packages/backend-node
 * node --conditions=@bijective/source --import tsx bench/profile.ts [--dims 2,64] [--reps 3] [--threads N] [--baseline] [--cells maf.train,maf.logProb,...]
 * ```
 *
 * `--baseline` puts tfjs-backend-cpu's kernels back for everything except the
 * first set of native kernels (GEMM, binary, unary, Sum/Max), for before/after.
 * `--composite` unregisters the fused element-map kernels (`FUSED_SPLINE`,
 * `FUSED_AFFINE`, `STANDARD_NORMAL_LOG_PROB` and their backward kernels), so the
 * spline and affine maps and the base log-density run as composite tfjs ops
 * again: the kernel-call counts before/after those kernels. `--per-leaf-adam`
 * unregisters `FUSED_ADAM_MULTI`, so Adam runs one `FUSED_ADAM` call per
 * parameter tensor again (before/after the multi-leaf kernel). `--calls` also
 * lists, per cell, every distinct kernel call of one operation: kernel name,
 * input shapes and the first bijective source line on the stack, with its
 * count per operation (where the calls come from).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { type FlowDef, type Params, disposeParams, tf, useBackend } from '@bijective/core';
import { adamInit, disposeAdam, lossAndGrads, optimizerUpdate } from '@bijective/core/training';
import { flattenParams } from '@bijective/core/params';
import {
  FUSED_ADAM_MULTI,
  FUSED_AFFINE,
  FUSED_AFFINE_GRAD,
  FUSED_SPLINE,
  FUSED_SPLINE_GRAD,
  STANDARD_NORMAL_LOG_PROB,
  STANDARD_NORMAL_LOG_PROB_GRAD,
} from '@bijective/core/backend';
import { presets as autoregressive } from '@bijective/autoregressive';
import { presets as coupling } from '@bijective/coupling';
import { presets as continuous } from '@bijective/continuous';
import { nativeBackend } from '../src/index.js';
import { NATIVE_KERNELS } from '../src/entries/kernels.js';

const argValue = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const dims = argValue('--dims', '2,64').split(',').map(Number);
const reps = Number(argValue('--reps', '3'));
const baseline = process.argv.includes('--baseline');
const composite = process.argv.includes('--composite');
const perLeafAdam = process.argv.includes('--per-leaf-adam');
const listCalls = process.argv.includes('--calls');

/** `name x[256,2] raw[256,2,2] @ core/src/…:line`: what a kernel call was given and where from. */
const callSite = (
  name: string,
  inputs: Record<string, { shape: number[] } | undefined>,
): string => {
  const all = Object.entries(inputs).map(([k, t]) => `${k}[${t?.shape.join(',') ?? ''}]`);
  const shapes =
    all.length > 12 ? `${all.slice(0, 8).join(' ')} … (${all.length} inputs)` : all.join(' ');
  const site = (new Error().stack ?? '')
    .split('\n')
    .find((l) => l.includes('/packages/') && !l.includes('/bench/profile.ts'));
  return `${name} ${shapes} @ ${site?.replace(/.*\/packages\//, '').replace(/\)$/, '') ?? '(engine)'}`;
};
const sites = new Map<string, number>();
const threads = process.argv.includes('--threads') ? Number(argValue('--threads', '0')) : undefined;
const cells = argValue(
  '--cells',
  'maf.train,maf.logProb,mafSpline.train,mafSpline.logProb,mafSpline.sample,nsfCoupling.logProb,flowMatching.sample',
).split(',');

/** The kernels the addon implemented before the layout/compare/gather kernels were added. */
const FIRST_NATIVE = new Set([
  'BatchMatMul',
  '_FusedMatMul',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Maximum',
  'Minimum',
  'SquaredDifference',
  'Exp',
  'Log',
  'Tanh',
  'Softplus',
  'Sigmoid',
  'Sqrt',
  'Square',
  'Neg',
  'Relu',
  'Abs',
  'Sum',
  'Max',
]);
const isNative = (k: string): boolean =>
  NATIVE_KERNELS.includes(k) && (!baseline || FIRST_NATIVE.has(k));

type Stat = { ms: number; calls: number };
const stats = new Map<string, Stat>();
let recording = false;

/** Re-register every `native` kernel wrapped in a timer (tfjs has no per-backend kernel hooks). */
const instrument = (): void => {
  for (const config of tf.getKernelsForBackend('native')) {
    const cpu = tf.getKernel(config.kernelName, 'cpu');
    const inner =
      baseline && !isNative(config.kernelName) && cpu !== undefined
        ? cpu.kernelFunc
        : config.kernelFunc;
    const wrapped: KernelConfig = {
      ...config,
      kernelFunc: (args) => {
        if (!recording) return inner(args);
        const t0 = performance.now();
        const out = inner(args);
        if (listCalls) {
          const key = callSite(config.kernelName, args.inputs);
          sites.set(key, (sites.get(key) ?? 0) + 1);
        }
        const s = stats.get(config.kernelName) ?? { ms: 0, calls: 0 };
        s.ms += performance.now() - t0;
        s.calls++;
        stats.set(config.kernelName, s);
        return out;
      },
    };
    tf.unregisterKernel(config.kernelName, 'native');
    tf.registerKernel(wrapped);
  }
};

type Cell = { label: string; run: () => Promise<void>; dispose: () => void };

const trainCell = (def: FlowDef<Params>, batch: number, dim: number): Cell => {
  let params = def.init(1);
  let adam = adamInit(flattenParams(params).map((l) => l.tensor));
  const x = tf.randomNormal([batch, dim], 0, 1, 'float32', 3) as tf.Tensor2D;
  return {
    label: 'train',
    run: async () => {
      const r = lossAndGrads(params, (p) => tf.neg(tf.mean(def.apply(p).logProb(x))) as tf.Scalar);
      ({ params, adam } = optimizerUpdate(params, r, adam, { learningRate: 1e-3 }));
      await Promise.resolve();
    },
    dispose: () => (disposeParams(params), disposeAdam(adam), x.dispose()),
  };
};

const evalCell = (
  def: FlowDef<Params>,
  op: 'logProb' | 'sample',
  batch: number,
  dim: number,
): Cell => {
  const params = def.init(1);
  const x = tf.randomNormal([batch, dim], 0, 1, 'float32', 3) as tf.Tensor2D;
  let seed = 0;
  return {
    label: op,
    run: async () => {
      const t = tf.tidy(() =>
        op === 'logProb' ? def.apply(params).logProb(x) : def.apply(params).sample(batch, seed++),
      );
      await t.data();
      t.dispose();
    },
    dispose: () => (disposeParams(params), x.dispose()),
  };
};

const profileCell = async (name: string, make: () => Cell, op: string): Promise<void> => {
  if (!cells.includes(`${name}.${op}`)) return;
  const cell = make();
  await cell.run(); // warm-up
  stats.clear();
  sites.clear();
  recording = true;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await cell.run();
  const wall = (performance.now() - t0) / reps;
  recording = false;
  cell.dispose();
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const inKernels = rows.reduce((s, [, v]) => s + v.ms, 0) / reps;
  const calls = rows.reduce((s, [, v]) => s + v.calls, 0) / reps;
  console.log(
    `\n## ${name} ${cell.label}: ${wall.toFixed(1)} ms/call, ${inKernels.toFixed(1)} ms in ${calls.toFixed(0)} kernel calls (${((100 * inKernels) / wall).toFixed(0)}%)`,
  );
  for (const [k, v] of rows.slice(0, 14)) {
    const where = isNative(k) ? 'native' : 'cpu-JS';
    console.log(
      `${k.padEnd(18)} ${where.padEnd(7)} ${((100 * v.ms) / reps / wall).toFixed(1).padStart(5)}%  ${(v.ms / reps).toFixed(2).padStart(8)} ms  ${(v.calls / reps).toFixed(0).padStart(5)} calls`,
    );
  }
  if (listCalls)
    for (const [site, n] of [...sites.entries()].sort((a, b) => b[1] - a[1]))
      console.log(`  ${(n / reps).toFixed(0).padStart(4)} x ${site}`);
};

const main = async (): Promise<void> => {
  const r = await useBackend(nativeBackend(threads === undefined ? {} : { threads }))();
  if (E.isLeft(r)) throw new Error(r.left.message);
  if (composite)
    for (const k of [
      FUSED_SPLINE,
      FUSED_SPLINE_GRAD,
      FUSED_AFFINE,
      FUSED_AFFINE_GRAD,
      STANDARD_NORMAL_LOG_PROB,
      STANDARD_NORMAL_LOG_PROB_GRAD,
    ])
      tf.unregisterKernel(k, 'native');
  if (perLeafAdam) tf.unregisterKernel(FUSED_ADAM_MULTI, 'native');
  instrument();
  for (const dim of dims) {
    const hidden = dim <= 2 ? [64, 64] : [128, 128];
    const config = { dim, contextDim: 0, hidden, transforms: 5 };
    const make = (
      table: Readonly<Record<string, ((c: never) => unknown) | undefined>>,
      name: string,
    ): FlowDef<Params> => {
      const f = table[name] as ((c: typeof config) => E.Either<Error, FlowDef<Params>>) | undefined;
      if (f === undefined) throw new Error(`no preset ${name}`);
      const built = f(config); // presets validate their options and return an Either
      if (E.isLeft(built)) throw built.left;
      return built.right;
    };
    console.log(
      `\n# ${baseline ? 'baseline, ' : ''}${composite ? 'composite element maps, ' : ''}dim ${dim}, hidden [${hidden.join(', ')}], 5 transforms`,
    );
    const maf = (): FlowDef<Params> => make(autoregressive, 'maf');
    const spline = (): FlowDef<Params> => make(autoregressive, 'mafSpline');
    await profileCell('maf', () => trainCell(maf(), 256, dim), 'train');
    await profileCell('maf', () => evalCell(maf(), 'logProb', 1024, dim), 'logProb');
    await profileCell('mafSpline', () => trainCell(spline(), 256, dim), 'train');
    await profileCell('mafSpline', () => evalCell(spline(), 'logProb', 1024, dim), 'logProb');
    await profileCell('mafSpline', () => evalCell(spline(), 'sample', 1024, dim), 'sample');
    await profileCell(
      'nsfCoupling',
      () => evalCell(make(coupling, 'nsfCoupling'), 'logProb', 1024, dim),
      'logProb',
    );
    await profileCell(
      'flowMatching',
      () => evalCell(make(continuous, 'flowMatching'), 'sample', 1024, dim),
      'sample',
    );
    const ffjord = (): FlowDef<Params> => make(continuous, 'ffjord');
    await profileCell('ffjord', () => trainCell(ffjord(), 256, dim), 'train');
    await profileCell('ffjord', () => evalCell(ffjord(), 'logProb', 1024, dim), 'logProb');
    await profileCell('ffjord', () => evalCell(ffjord(), 'sample', 1024, dim), 'sample');
  }
};

await main();
