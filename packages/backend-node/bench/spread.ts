/**
 * The spread of `native` timings, in one process: the GEMM row (matMul 512x256 @ 256x256, as the
 * bench times it, read back, and again disposed unread), the addon's GEMM alone (AVX-512 tiles on and
 * off, 1 and 2 threads), and the bench's dim-2 MAF and RealNVP cells (hidden [64, 64], 5 transforms;
 * train batch 256, logProb and sample 1024). Each line gives the median, the IQR as a share of it, the
 * minimum and the minor page faults per call (a fresh 4 KiB page costs about 2 µs on the dev VM). Not a
 * test; run it by hand, ideally on an idle machine:
 *
 * ```sh
 * cd packages/backend-node
 * node --conditions=@bijective/source --import tsx bench/spread.ts [--reps 40] [--rounds 3] [--threads 2]
 * ```
 *
 * Configurations are interleaved round by round, so a change of load hits all of them alike.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type FlowDef, type Params, disposeParams, tf, useBackend } from '@bijective/core';
import { adamInit, adamStep, disposeAdam, lossAndGrads } from '@bijective/core/training';
import { flattenParams, unflattenParams } from '@bijective/core/params';
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
const threads = Number(argValue('--threads', '2'));

type Sample = { us: number; faults: number };
const samples = new Map<string, Sample[]>();
const faults = (): number => process.resourceUsage().minorPageFault;

/** Time `n` calls of `run` under `label` (after 3 untimed ones). */
const time = async (label: string, n: number, run: () => Promise<void> | void): Promise<void> => {
  for (let i = 0; i < 3; i++) await run();
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
  const built = f({ dim: 2, contextDim: 0, hidden: [64, 64], transforms: 5 });
  if (E.isLeft(built)) throw built.left;
  return built.right;
};

/** One call of a bench cell: a training step (with Adam), a logProb or a sample. */
const cell = (def: FlowDef<Params>, op: 'train' | 'logProb' | 'sample') => {
  let params = def.init(1);
  let adam = adamInit(flattenParams(params).map((l) => l.tensor));
  const x = tf.randomNormal([op === 'train' ? 256 : 1024, 2], 0, 1, 'float32', 3) as tf.Tensor2D;
  let seed = 0;
  const run = async (): Promise<void> => {
    if (op === 'train') {
      const r = lossAndGrads(params, (p) => tf.neg(tf.mean(def.apply(p).logProb(x))) as tf.Scalar);
      const leaves = flattenParams(params).map((l) => l.tensor);
      const next = adamStep(leaves, r.grads, adam, { learningRate: 1e-3 });
      tf.dispose(r.grads);
      disposeAdam(adam);
      adam = next.state;
      const old = params;
      params = unflattenParams(old, next.leaves);
      disposeParams(old);
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
  const r = await useBackend(nativeBackend({ threads }))();
  if (E.isLeft(r)) throw new Error(r.left.message);
  const loaded = loadNativeAddon(defaultAddonPath);
  if (E.isLeft(loaded)) throw new Error(loaded.left);
  const addon = loaded.right;
  const a = tf.randomNormal([512, 256], 0, 1, 'float32', 1);
  const b = tf.randomNormal([256, 256], 0, 1, 'float32', 2);
  const av = Float32Array.from(a.dataSync());
  const bv = Float32Array.from(b.dataSync());
  const out = new Float32Array(512 * 256);
  const defs = {
    maf: preset(autoregressive, 'maf'),
    realNVP: preset(coupling, 'realNVP'),
  };
  for (let round = 0; round < rounds; round++) {
    await time('GEMM row: tf.matMul + data()', 20, async () => {
      const t = tf.matMul(a, b);
      await t.data();
      t.dispose();
    });
    await time('GEMM row, disposed unread', 20, () => tf.matMul(a, b).dispose());
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
    for (const [name, def] of Object.entries(defs))
      for (const op of ['train', 'logProb', 'sample'] as const) {
        const c = cell(def, op);
        await time(`dim 2 ${name} ${op}`, reps, c.run);
        c.dispose();
      }
  }
  tf.dispose([a, b]);
  console.log(
    `# native spread: ${rounds} rounds, ${threads} threads, ${JSON.stringify(addon.info())}, load ${process.env['LOAD'] ?? 'see uptime'}`,
  );
  for (const [label, list] of samples) {
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
