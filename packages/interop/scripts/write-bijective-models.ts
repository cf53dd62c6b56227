/**
 * Writes bijective models (fresh, not converted from zuko) as zuko state dicts with `toZuko`,
 * plus rows and bijective's log-densities of them, for `check-to-zuko.py` to load into zuko
 * (a local check with torch, not run in CI):
 *
 *   node --conditions=@bijective/source --import tsx packages/interop/scripts/write-bijective-models.ts /tmp/interop-check
 *   PYTHONPATH=/tmp/zuko /usr/bin/python3 packages/interop/scripts/check-to-zuko.py /tmp/interop-check
 */
import { mkdirSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { type Batch, type FlowDef, type Params, tf } from '@bijective/core';
import { maf, mafSpline } from '@bijective/autoregressive';
import { realNVP } from '@bijective/coupling';
import { toZuko } from '../src/index.js';
import { writeSafetensorsFile } from '../src/node.js';

const out = process.argv[2] ?? '/tmp/interop-check';
mkdirSync(out, { recursive: true });

/** Perturb every parameter so masked and unmasked entries and biases are all non-trivial. */
const jitter = <P extends Params>(p: P, seed: number): P =>
  tf.tidy(() => {
    let s = seed;
    const walk = (v: unknown): unknown =>
      v instanceof tf.Tensor
        ? tf.keep(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', ++s)))
        : Array.isArray(v)
          ? v.map(walk)
          : typeof v === 'object' && v !== null
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
            : v;
    return walk(p) as P;
  });

const cases: [string, FlowDef<Params>, Record<string, unknown>][] = [
  [
    'maf-3',
    maf({ dim: 3, transforms: 3, hidden: [16, 16] }),
    { features: 3, context: 0, transforms: 3, hidden_features: [16, 16] },
  ],
  [
    'maf-4-ctx2-random',
    maf({
      dim: 4,
      contextDim: 2,
      transforms: 2,
      hidden: [20, 12],
      contextEntry: 'input',
      orderings: 'random',
      orderSeed: 3,
    }),
    { features: 4, context: 2, transforms: 2, hidden_features: [20, 12] },
  ],
  [
    'nsf-3-ctx1',
    mafSpline({
      dim: 3,
      contextDim: 1,
      transforms: 2,
      hidden: [24, 24],
      bins: 6,
      parametrization: 'zuko',
      contextEntry: 'input',
    }),
    { features: 3, context: 1, transforms: 2, hidden_features: [24, 24], bins: 6 },
  ],
  [
    'realnvp-5-ctx2',
    realNVP({ dim: 5, contextDim: 2, steps: 3, hidden: [32] }),
    { features: 5, context: 2, transforms: 3, hidden_features: [32] },
  ],
  [
    'realnvp-4-random-masks',
    realNVP({ dim: 4, steps: 3, hidden: [16, 16], mask: 'random', structureSeed: 5 }),
    { features: 4, context: 0, transforms: 3, hidden_features: [16, 16] },
  ],
  [
    'realnvp-5',
    realNVP({ dim: 5, steps: 1, hidden: [32] }),
    { features: 5, context: 0, transforms: 1, hidden_features: [32] },
  ],
  [
    'realnvp-4-ctx2',
    realNVP({ dim: 4, contextDim: 2, steps: 2, hidden: [32] }),
    { features: 4, context: 2, transforms: 2, hidden_features: [32] },
  ],
];

for (const [i, [name, def, args]] of cases.entries()) {
  const params = jitter(def.init(i), 100 * i);
  const sd = toZuko(def, params);
  if (E.isLeft(sd)) throw sd.left;
  const x = tf.randomNormal([64, def.dim], 0, 1, 'float32', 7 + i) as Batch;
  const c =
    def.contextDim > 0
      ? (tf.randomNormal([64, def.contextDim], 0, 1, 'float32', 9 + i) as Batch)
      : undefined;
  const lp = tf.tidy(() => def.apply(params).logProb(x, c));
  const meta = {
    flow: sd.right.flow,
    ...Object.fromEntries(Object.entries(args).map(([k, v]) => [k, JSON.stringify(v)])),
  };
  const w = await writeSafetensorsFile(`${out}/${name}.safetensors`, sd.right.stateDict)();
  if (E.isLeft(w)) throw w.left;
  const f32 = (t: tf.Tensor) => ({
    dtype: 'F32' as const,
    shape: t.shape,
    data: t.dataSync() as Float32Array,
  });
  const data = new Map([
    ['x', f32(x)],
    ['log_prob', f32(lp)],
    ...(c === undefined ? [] : [['context', f32(c)] as const]),
  ]);
  const d = await writeSafetensorsFile(`${out}/${name}.data.safetensors`, data, meta)();
  if (E.isLeft(d)) throw d.left;
  console.log(`${name}: wrote ${sd.right.stateDict.size} tensors for zuko.flows.${sd.right.flow}`);
}
