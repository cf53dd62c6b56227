import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type FlowDef,
  type Params,
  disposeParams,
  evaluate,
  logProb,
  sample,
  standardized,
  tf,
  withStandardized,
} from '../src/index.js';
import { manifestChecksum } from '../src/serialization/index.js';
import { loadFlow, saveFlow } from '../src/node.js';
import {
  build,
  builders,
  freshFolder,
  removeFolders,
  trainedLike,
} from './serializationFixtures.js';

afterAll(removeFolders);

const inner = build({ dim: 3, bins: 4 });
const stats = { mean: [10, -200, 0.5], std: [2, 50, 0.01] };
const def = E.getOrElseW((e: Error) => {
  throw e;
})(standardized(inner, stats));
const raw = [
  [11, -150, 0.49],
  [7, -260, 0.52],
  [10, -200, 0.5],
];
const z = raw.map((r) => r.map((v, j) => (v - stats.mean[j]!) / stats.std[j]!));

const lpOf = (d: FlowDef<Params>, p: Params, x: number[][]): number[] => {
  const r = logProb(d, p, x);
  if (E.isLeft(r)) throw r.left;
  const v = Array.from(r.right.dataSync());
  r.right.dispose();
  return v;
};

describe('standardized(def, stats)', () => {
  it('log p(x) = log p_inner((x − mean)/std) − Σ log std, with the inner flow’s parameters', () => {
    const params = trainedLike(inner, 4);
    const logStd = stats.std.reduce((a, s) => a + Math.log(s), 0);
    const outer = lpOf(def, params, raw);
    const expected = lpOf(inner, params, z).map((v) => v - logStd);
    // float32: the inputs are standardized in float32 before the inner flow, so allow 1e-4 relative.
    outer.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 3));
    disposeParams(params);
  });

  it('samples in raw units: x = z·std + mean of the inner flow’s samples', () => {
    const params = trainedLike(inner, 6);
    const before = tf.memory().numTensors;
    const xs = sample(def, params, 500, { seed: 2 });
    const zs = sample(inner, params, 500, { seed: 2 });
    if (E.isLeft(xs) || E.isLeft(zs)) throw new Error('sample failed');
    const x = xs.right.arraySync();
    const zz = zs.right.arraySync();
    x.forEach((row, i) =>
      row.forEach((v, j) => expect(v).toBeCloseTo(zz[i]![j]! * stats.std[j]! + stats.mean[j]!, 2)),
    );
    tf.dispose([xs.right, zs.right]);
    expect(tf.memory().numTensors).toBe(before);
    disposeParams(params);
  });

  it('refuses statistics of the wrong length, non-finite means and non-positive stds', () => {
    const bad = (s: { mean: number[]; std: number[] }) => {
      const r = standardized(inner, s);
      return E.isLeft(r) ? r.left.message : 'Right';
    };
    expect(bad({ mean: [0, 0], std: [1, 1, 1] })).toContain('stats.mean');
    expect(bad({ mean: [0, Number.NaN, 0], std: [1, 1, 1] })).toContain('stats.mean[1]');
    expect(bad({ mean: [0, 0, 0], std: [1, 0, 1] })).toContain('stats.std[1]');
    expect(bad({ mean: [0, 0, 0], std: [1, 1, -2] })).toContain('stats.std[2]');
  });

  it('saves and loads with its statistics: same logProb and samples after saveFlow → loadFlow', async () => {
    const dir = freshFolder();
    const params = trainedLike(inner, 9);
    const saved = await saveFlow(dir, def, params)();
    expect(E.isRight(saved)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dir, 'flow.json'), 'utf8'));
    expect(manifest.name).toBe('standardized');
    expect(manifest.config).toEqual({ flow: 'demo', config: { dim: 3, bins: 4 }, ...stats });
    const loaded = await loadFlow(dir, withStandardized(builders))();
    if (E.isLeft(loaded)) throw loaded.left;
    expect(lpOf(loaded.right.def, loaded.right.params, raw)).toEqual(lpOf(def, params, raw));
    // Without the wrapper's builder the loader says what is missing.
    const plain = await loadFlow(dir, builders)();
    expect(E.isLeft(plain) && plain.left.message).toContain(
      "no builder for saved flow 'standardized'",
    );
    [params, loaded.right.params].forEach(disposeParams);
  });

  it('a hostile saved config (bad stats, unknown or nested inner flow) is a SerializationError', async () => {
    const dir = freshFolder();
    const params = trainedLike(inner, 3);
    await saveFlow(dir, def, params)();
    disposeParams(params);
    const original = JSON.parse(readFileSync(join(dir, 'flow.json'), 'utf8'));
    const weights = new Uint8Array(readFileSync(join(dir, original.weightsManifest[0].paths[0])));
    const edits: [string, Record<string, unknown>][] = [
      ['stats.std[0]', { std: [0, 1, 1] }],
      ['stats.mean', { mean: [1, 2] }],
      ['stats.mean[2]', { mean: [1, 2, 'x'] }],
      ['config.flow', { flow: 'constructor' }],
      ['config.flow', { flow: 'standardized' }],
      ['config.config', { config: 3 }],
    ];
    for (const [needle, edit] of edits) {
      const { checksum: _, ...rest } = original;
      const m = { ...rest, config: { ...original.config, ...edit } };
      writeFileSync(
        join(dir, 'flow.json'),
        JSON.stringify({ ...m, checksum: manifestChecksum(m, weights) }),
      );
      const r = await loadFlow(dir, withStandardized(builders))();
      expect(E.isLeft(r) && r.left.kind).toBe('SerializationError');
      expect(E.isLeft(r) && r.left.message).toContain(needle);
    }
  });
});

describe('evaluate(def, params, rows)', () => {
  it('reports mean, standard error and median of the log-densities, in chunks, without leaks', () => {
    const params = trainedLike(inner, 5);
    const rows = Array.from({ length: 37 }, (_, i) => [
      10 + 0.1 * i,
      -200 + i,
      0.5 + 0.001 * (i % 5),
    ]);
    const lp = lpOf(def, params, rows);
    const before = tf.memory().numTensors;
    const r = evaluate(def, params, rows, { chunkSize: 5 });
    if (E.isLeft(r)) throw r.left;
    expect(tf.memory().numTensors).toBe(before);
    const mean = lp.reduce((a, v) => a + v, 0) / lp.length;
    const sd = Math.sqrt(lp.reduce((a, v) => a + (v - mean) ** 2, 0) / (lp.length - 1));
    const sorted = [...lp].sort((a, b) => a - b);
    expect(r.right.n).toBe(37);
    expect(r.right.nonFinite).toBe(0);
    expect(r.right.meanLogProb).toBeCloseTo(mean, 4);
    expect(r.right.standardError).toBeCloseTo(sd / Math.sqrt(37), 4);
    expect(r.right.median).toBeCloseTo(sorted[18]!, 4);
    disposeParams(params);
  });

  it('counts non-finite log-densities instead of averaging them in', () => {
    // A flow whose forward map (x ↦ log x) has no density at x ≤ 0: those rows score −∞ or NaN.
    const params = trainedLike(inner, 5);
    const logDef: FlowDef<Params> = {
      ...inner,
      apply: (p) => {
        const f = inner.apply(p);
        return { ...f, logProb: (x) => f.logProb(tf.log(x)) };
      },
    };
    const r = evaluate(logDef, params, [
      [1, 1, 1],
      [-1, 1, 1],
      [2, 2, 2],
    ]);
    if (E.isLeft(r)) throw r.left;
    expect(r.right.nonFinite).toBe(1);
    expect(Number.isFinite(r.right.meanLogProb)).toBe(true);
    disposeParams(params);
  });

  it('refuses bad rows and chunk sizes with typed errors', () => {
    const params = trainedLike(inner, 5);
    const kind = (r: E.Either<Error & { kind?: string }, unknown>) =>
      E.isLeft(r) ? r.left.kind : 'Right';
    expect(kind(evaluate(def, params, [[1, 2]]))).toBe('ShapeError');
    expect(kind(evaluate(def, params, [[1, 2, Number.NaN]]))).toBe('ValueError');
    expect(kind(evaluate(def, params, raw, { chunkSize: 0 }))).toBe('ValueError');
    disposeParams(params);
  });
});
