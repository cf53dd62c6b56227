/**
 * The spread of `native` timings, in one process: the GEMM row (matMul 512x256 @ 256x256 after
 * 0.5 s of untimed products, as the bench times it: disposed unread, and again read back), the
 * addon's GEMM alone (AVX-512 tiles on and off, 1 and 2 threads), and the bench's MAF, RealNVP and
 * mafSpline cells at dim 2 (hidden [64, 64]) and dim 64 (hidden [128, 128]), 5 transforms, train
 * batch 256, logProb and sample 1024. Each line gives the median, the IQR as a share of it, the
 * minimum and the minor page faults per call (a fresh 4 KiB page costs about 2 µs on the dev VM).
 * Not a test; run it by hand, ideally on an idle machine:
 *
 * ```sh
 * cd packages/backend-node
 * node --conditions=@bijective/source --import tsx bench/spread.ts [--reps 40] [--rounds 3] [--threads 2] \
 *   [--dims 2,64] [--only 'maf (train|logProb)'] [--no-gemm] [--addon path/to/bijective_native.node]
 * ```
 *
 * Cells slower than 20 ms a call get proportionally fewer repetitions (at least 3). `--warmup N`
 * (default 3, as the bench) untimed calls precede each model cell; the first ~150 calls of a fresh
 * cell still run while V8 compiles and grows its heap (50-250 page faults a call, medians up to
 * twice the steady state), so `--warmup 200` reads the steady state (0-10 faults a call). Set
 * FAULTS_DUMP=1 to print every call's faults:µs.
 *
 * Configurations are interleaved round by round, so a change of load hits all of them alike.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type FlowDef, type Params, disposeParams, tf, useBackend } from '@bijective/core';
import { adamInit, disposeAdam, lossAndGrads, optimizerUpdate } from '@bijective/core/training';
import { flattenParams } from '@bijective/core/params';
import { presets as autoregressive } from '@bijective/autoregressive';
import { presets as coupling } from '@bijective/coupling';
import { nativeBackend } from '../src/index.js';
import { defaultAddonPath, loadNativeAddon } from '../src/addon.js';

const argValue = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const reps = Number(argValue('--reps', '40'));
const rounds = Number(argValue('--rounds', '3'));
const warmup = Number(argValue('--warmup', '3'));
const threads = Number(argValue('--threads', '2'));
const dims = argValue('--dims', '2,64').split(',').map(Number);
const only = new RegExp(argValue('--only', '.'));
const gemmRows = !process.argv.includes('--no-gemm');
const addonPath = argValue('--addon', defaultAddonPath);

type Sample = { us: number; faults: number };
const samples = new Map<string, Sample[]>();
const faults = (): number => process.resourceUsage().minorPageFault;

/**
 * Time `n` calls of `run` under `label`, after `--warmup` untimed ones (the model cells
 * only; the GEMM rows always 3); fewer timed calls past 20 ms a call.
 */
const time = async (
  label: string,
  n: number,
  run: () => Promise<void> | void,
  untimed = 3,
): Promise<void> => {
  const w0 = performance.now();
  for (let i = 0; i < untimed; i++) await run();
  const warmMs = (performance.now() - w0) / Math.max(1, untimed);
  n = warmMs > 20 ? Math.max(3, Math.round((n * 20) / warmMs)) : n;
  const list = samples.get(label) ?? [];
  for (let i = 0; i < n; i++) {
    const f0 = faults();
    const t0 = performance.now();
    await run();
    list.push({ us: (performance.now() - t0) * 1000, faults: faults() - f0 });
  }
  samples.set(label, list);
};

const quantile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
};

const preset = (
  table: Readonly<Record<string, ((c: never) => unknown) | undefined>>,
  name: string,
  dim: number,
): FlowDef<Params> => {
  const f = table[name] as
    | ((c: {
        dim: number;
        contextDim: number;
        hidden: number[];
        transforms: number;
      }) => E.Either<Error, FlowDef<Params>>)
    | undefined;
  if (f === undefined) throw new Error(`no preset ${name}`);
  const hidden = dim === 2 ? [64, 64] : [128, 128];
  const built = f({ dim, contextDim: 0, hidden, transforms: 5 });
  if (E.isLeft(built)) throw built.left;
  return built.right;
};

/** One call of a bench cell: a training step (with Adam), a logProb or a sample. */
const cell = (def: FlowDef<Params>, dim: number, op: 'train' | 'logProb' | 'sample') => {
  let params = def.init(1);
  let adam = adamInit(flattenParams(params).map((l) => l.tensor));
  const x = tf.randomNormal([op === 'train' ? 256 : 1024, dim], 0, 1, 'float32', 3) as tf.Tensor2D;
  let seed = 0;
  const run = async (): Promise<void> => {
    if (op === 'train') {
      const r = lossAndGrads(params, (p) => tf.neg(tf.mean(def.apply(p).logProb(x))) as tf.Scalar);
      ({ params, adam } = optimizerUpdate(params, r, adam, { learningRate: 1e-3 }));
      return;
    }
    const t = tf.tidy(() =>
      op === 'logProb' ? def.apply(params).logProb(x) : def.apply(params).sample(1024, seed++),
    );
    await t.data();
    t.dispose();
  };
  return { run, dispose: () => (disposeParams(params), disposeAdam(adam), x.dispose()) };
};

const main = async (): Promise<void> => {
  const r = await useBackend(nativeBackend({ threads, addonPath }))();
  if (E.isLeft(r)) throw new Error(r.left.message);
  const loaded = loadNativeAddon(addonPath);
  if (E.isLeft(loaded)) throw new Error(loaded.left);
  const addon = loaded.right;
  const a = tf.randomNormal([512, 256], 0, 1, 'float32', 1);
  const b = tf.randomNormal([256, 256], 0, 1, 'float32', 2);
  const av = Float32Array.from(a.dataSync());
  const bv = Float32Array.from(b.dataSync());
  const out = new Float32Array(512 * 256);
  const readBack = async (): Promise<void> => {
    const t = tf.matMul(a, b);
    await t.data();
    t.dispose();
  };
  // As the bench: 0.5 s of untimed products first (V8's tiers and the allocator settle).
  const warmGemm = async (run: () => Promise<void> | void): Promise<void> => {
    for (const end = performance.now() + 500; performance.now() < end;) await run();
  };
  const gemmRound = async (): Promise<void> => {
    await warmGemm(() => tf.matMul(a, b).dispose());
    await time("GEMM row (the bench's: disposed unread)", 20, () => tf.matMul(a, b).dispose());
    await warmGemm(readBack);
    await time('GEMM row + data() (read back)', 20, readBack);
    for (const wide of [true, false])
      for (const t of [1, threads]) {
        addon.setThreads(t);
        addon.setAvx512(wide);
        await time(`addon.gemm, ${wide ? 'AVX-512' : 'AVX2'} tiles, ${t} thread(s)`, 20, () =>
          addon.gemm(av, bv, out, 1, 1, 1, 512, 256, 256, false, false, null, 0, 0, 0, 0, 0),
        );
      }
    addon.setAvx512(true);
    addon.setThreads(threads);
  };
  const defs = dims.flatMap((dim) =>
    (
      [
        ['maf', autoregressive],
        ['realNVP', coupling],
        ['mafSpline', autoregressive],
      ] as const
    ).map(([name, table]) => ({ dim, name, def: preset(table, name, dim) })),
  );
  for (let round = 0; round < rounds; round++) {
    if (gemmRows) await gemmRound();
    for (const { dim, name, def } of defs)
      for (const op of ['train', 'logProb', 'sample'] as const) {
        const label = `dim ${dim} ${name} ${op}`;
        if (!only.test(label)) continue;
        const c = cell(def, dim, op);
        await time(label, reps, c.run, warmup);
        c.dispose();
      }
  }
  tf.dispose([a, b]);
  console.log(
    `# native spread: ${rounds} rounds, ${threads} threads, ${JSON.stringify(addon.info())}, load ${process.env['LOAD'] ?? 'see uptime'}`,
  );
  for (const [label, list] of samples) {
    if (process.env['FAULTS_DUMP'] !== undefined)
      console.log(label, list.map((x) => `${x.faults}:${x.us.toFixed(0)}`).join(' '));
    const us = list.map((s) => s.us);
    const med = quantile(us, 0.5);
    const iqr = quantile(us, 0.75) - quantile(us, 0.25);
    const gflops =
      label.includes('GEMM') || label.includes('gemm') ? (2 * 512 * 256 * 256) / med / 1e3 : 0;
    console.log(
      `${label.padEnd(40)} median ${med.toFixed(0).padStart(6)} µs${gflops > 0 ? ` (${gflops.toFixed(0)} GFLOP/s)` : ''}  IQR ${((100 * iqr) / med).toFixed(0).padStart(3)}%  min ${Math.min(
        ...us,
      )
        .toFixed(0)
        .padStart(
          6,
        )} µs  faults/call ${(list.reduce((s, x) => s + x.faults, 0) / list.length).toFixed(0)}`,
    );
  }
};

void main();
