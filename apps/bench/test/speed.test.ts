import * as E from 'fp-ts/lib/Either.js';
import { type FlowDef, type JsonObject, type Params, flow, tf, valueError } from '@bijective/core';
import { affineTransform } from '@bijective/core/transforms';
import { describe, expect, it } from 'vitest';
import * as continuous from '@bijective/continuous';
import {
  type FamilyModule,
  type FlowCatalog,
  type FlowEntry,
  catalogFromModules,
  coreEntries,
  prioritize,
  selectFlows,
} from '../src/flows.js';
import { planMatrix, runCell, runGemm } from '../src/speed.js';
import { STORED_ORIGIN } from '../src/reference.js';
import { timeRepeated } from '../src/timing.js';
import { words } from './fixtures.js';

const size = { dim: 2, hidden: [4], transforms: 1, batch: 8, evalBatch: 8 };
const timing = { warmup: 1, reps: 3, maxSeconds: 10 };
const gaussian = coreEntries().find((e) => e.id === 'core/diagonalGaussianFlow')!;

/** A flow whose logProb keeps one tensor alive per call: the leak check must see it. */
const leaky: FlowEntry = {
  ...gaussian,
  id: 'test/leaky',
  build: (s) => {
    const def = gaussian.build(s);
    return {
      ...def,
      apply: (p: Params) => {
        const f = def.apply(p);
        return { ...f, logProb: (x: tf.Tensor2D) => (tf.keep(tf.zeros([1])), f.logProb(x)) };
      },
    } as FlowDef<Params>;
  },
};

describe('timeRepeated', () => {
  const busy = (ms: number) => () => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };

  it('runs the warm-up calls untimed, then at most `reps` timed ones', async () => {
    let calls = 0;
    const r = await timeRepeated(() => void calls++, { warmup: 2, reps: 4, maxSeconds: 100 });
    expect(calls).toBe(6);
    expect(r.calls).toBe(6);
    expect(r.seconds).toHaveLength(4);
    expect(r.seconds.every((s) => s >= 0)).toBe(true);
  });

  it('stops after maxSeconds of timed work, but not before minReps calls', async () => {
    const r = await timeRepeated(busy(5), { warmup: 0, reps: 50, maxSeconds: 0.001, minReps: 3 });
    expect(r.seconds).toHaveLength(3);
  });

  it('cuts the warm-up short once it took maxSeconds', async () => {
    const r = await timeRepeated(busy(5), { warmup: 10, reps: 3, maxSeconds: 0.001, minReps: 3 });
    expect(r.calls).toBe(1 + 3);
  });

  it('keeps warming up until warmupSeconds passed, then times `reps` calls', async () => {
    const r = await timeRepeated(busy(2), {
      warmup: 1,
      warmupSeconds: 0.05,
      reps: 3,
      maxSeconds: 1,
    });
    expect(r.calls).toBeGreaterThanOrEqual(3 + 20);
    expect(r.seconds).toHaveLength(3);
  });

  it('stops at the deadline once one timed call is in', async () => {
    const r = await timeRepeated(busy(2), {
      warmup: 0,
      reps: 50,
      maxSeconds: 100,
      deadline: performance.now() - 1,
    });
    expect(r.seconds).toHaveLength(1);
  });
});

describe('speed cells', () => {
  it('times every operation, counts parameters and finds no leak in a clean flow', async () => {
    const before = tf.memory().numTensors;
    for (const op of ['train', 'logProb', 'sample'] as const) {
      const row = await runCell(gaussian, op, size, timing, 0, 'cpu');
      expect(row.status, row.reason).toBe('ok');
      expect(row.params).toBe(8); // a 2-D affine (shift, log-scale) over a 2-D diagonal normal (mean, log-scale)
      expect(row.seconds?.n).toBe(3);
      expect(row.samplesPerSecond).toBeCloseTo(8 / row.seconds!.median, 6);
      expect(row.leakedTensors).toBe(0);
      expect(row.calls).toBe(7); // 1 warm-up + 3 timed + 3 counting kernels
      expect(row.kernels?.calls).toBeGreaterThan(0);
      expect(row.kernels?.outsideShare).toBeGreaterThanOrEqual(0);
      expect(row.kernels?.outsideShare).toBeLessThanOrEqual(1);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports a leak as the growth of numTensors over the calls', async () => {
    const before = tf.memory().numTensors;
    const row = await runCell(leaky, 'logProb', size, timing, 0, 'cpu');
    expect(row.leakedTensors).toBe(7); // one per call: 1 warm-up + 3 timed + 3 counting kernels
    expect(tf.memory().numTensors - before).toBe(7); // and nothing else stayed behind
  });

  it('turns a preset that throws into a failed row with the reason', async () => {
    const broken: FlowEntry = {
      ...gaussian,
      id: 'test/broken',
      build: () => {
        throw new Error('no such option');
      },
    };
    const row = await runCell(broken, 'train', size, timing, 0, 'cpu');
    expect(row.status).toBe('failed');
    expect(row.reason).toBe('build: no such option');
    // A comparable row keeps zuko's figure even when it fails, without a ratio.
    const moons = { dim: 2, hidden: [64, 64], transforms: 5, batch: 256, evalBatch: 1024 };
    const failedMaf = await runCell(
      { ...broken, reference: 'MAF' },
      'train',
      moons,
      timing,
      0,
      'cpu',
    );
    expect(failedMaf.reference).toEqual({
      dataset: 'moons',
      model: 'MAF',
      samplesPerSecond: 62000,
      source: 'stored',
      origin: STORED_ORIGIN,
      ratio: undefined,
    });
  });

  it('GEMM: 2·512·256·256 flops per call, timed disposed and read back', async () => {
    const gemmTiming = { warmup: 0, warmupSeconds: 0, reps: 2, maxSeconds: 10 };
    const row = await runGemm(gemmTiming, 'cpu');
    expect(row.status).toBe('ok');
    expect(row.gflops).toBeCloseTo(67108864 / row.seconds!.median / 1e9, 9);
    expect(row.readBackSeconds?.n).toBe(2);
    expect(row.calls).toBe(4);
    expect(row.leakedTensors).toBe(0);
  });
});

describe('flow catalog', () => {
  // Presets as core's contract has them: a JSON config to an Either of a definition.
  const fakeFlow = (name: string) => (config: JsonObject) =>
    typeof config['dim'] === 'number'
      ? E.right(flow({ name, dim: config['dim'], transform: affineTransform(config['dim']) }))
      : E.left(valueError('options.dim', 'a number', String(config['dim'])));

  const modules: FamilyModule[] = [
    {
      family: 'coupling',
      packageName: '@bijective/coupling',
      ok: true,
      module: { presets: { realNVP: fakeFlow('realNVP'), glow: fakeFlow('glow') } },
    },
    {
      family: 'autoregressive',
      packageName: '@bijective/autoregressive',
      ok: true,
      module: { presets: { maf: fakeFlow('maf') } },
    },
    {
      family: 'continuous',
      packageName: '@bijective/continuous',
      ok: false,
      reason: 'cannot import @bijective/continuous',
    },
    { family: 'extra', packageName: 'x', ok: true, module: { something: 1 } },
  ];
  const catalog = catalogFromModules(modules);

  it('collects presets, skips broken packages with the reason, adds core flows', () => {
    expect(catalog.entries.map((e) => e.id)).toEqual(
      words(
        'coupling/realNVP coupling/glow autoregressive/maf core/diagonalGaussianFlow core/splineMixtureFlow',
      ),
    );
    expect(catalog.missing).toEqual([
      { family: 'continuous', reason: 'cannot import @bijective/continuous' },
      { family: 'extra', reason: 'x exports no `presets` table' },
    ]);
    expect(catalog.entries.find((e) => e.id === 'coupling/realNVP')?.reference).toBe('RealNVP');
    expect(catalog.entries[0]!.build({ dim: 3, hidden: [8], transforms: 2 }).dim).toBe(3);
    // A preset's Left is thrown by build (its callers catch and report it).
    expect(() =>
      catalog.entries[0]!.build({ dim: 3, hidden: [8], transforms: 2 }, { dim: 'x' }),
    ).toThrow('options.dim');
  });

  it('selects by name, qualified name, all and default; unknown names list what exists', () => {
    const ids = (names: string[], mode: 'speed' | 'quality' = 'speed') => {
      const s = selectFlows(catalog, names, mode);
      return s.ok ? s.entries.map((e) => e.id) : s.message;
    };
    expect(ids(['default'])).toEqual(['coupling/realNVP', 'coupling/glow', 'autoregressive/maf']);
    expect(ids(['default'], 'quality')).toEqual(['coupling/realNVP', 'autoregressive/maf']);
    expect(ids(['maf', 'coupling/glow', 'maf'])).toEqual(['autoregressive/maf', 'coupling/glow']);
    expect(ids(['all'])).toHaveLength(5);
    const err = ids(['nope']);
    expect(err).toContain("unknown flow 'nope'");
    expect(err).toContain('Available: coupling/realNVP');
    expect(err).toContain('Not loaded: continuous');
  });

  it('orders the matrix: reference presets first, continuous last; backends innermost', () => {
    const cont: FlowEntry = { ...gaussian, id: 'continuous/ffjord', continuous: true };
    const order = prioritize([cont, ...catalog.entries.slice(0, 3)]).map((e) => e.id);
    expect(order).toEqual(
      words('coupling/realNVP autoregressive/maf coupling/glow continuous/ffjord'),
    );
    const cells = planMatrix(
      catalog.entries.slice(0, 2),
      ['train', 'sample'],
      [size],
      ['cpu', 'wasm'],
    );
    expect(cells.map((c) => `${c.entry.name}:${c.op}:${c.backend}`)).toEqual(
      words(
        'realNVP:train:cpu realNVP:train:wasm realNVP:sample:cpu realNVP:sample:wasm glow:train:cpu glow:train:wasm glow:sample:cpu glow:sample:wasm',
      ),
    );
  });

  it('trains the flow-matching preset on its flow-matching loss given the continuous trainers', async () => {
    const mods: FamilyModule[] = [
      { family: 'continuous', packageName: '@bijective/continuous', ok: true, module: continuous },
    ];
    const fm = (c: FlowCatalog) => c.entries.find((e) => e.id === 'continuous/flowMatching')!;
    expect(fm(catalogFromModules(mods)).trainLoss).toBeUndefined();
    const withTrainers = catalogFromModules(mods, continuous);
    expect(withTrainers.continuous).toBe(continuous);
    const before = tf.memory().numTensors;
    const row = await runCell(fm(withTrainers), 'train', size, { ...timing, warmup: 0 }, 0, 'cpu');
    expect(row.status, row.reason).toBe('ok');
    expect(row.note).toBe('flow-matching loss step');
    expect(tf.memory().numTensors).toBe(before);
  });
});
