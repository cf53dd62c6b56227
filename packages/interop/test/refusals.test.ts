import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { type BijectiveError, tf } from '@bijective/core';
import { iaf, maf, mafSpline } from '@bijective/autoregressive';
import { nsfCoupling, realNVP } from '@bijective/coupling';
import { type SafeTensor, type StateDict, fromZuko, toZuko } from '../src/index.js';
import { loadCase, readFixture } from './fixtures.js';

const left = <A>(r: E.Either<BijectiveError, A>): BijectiveError => {
  if (E.isRight(r)) throw new Error('expected a Left');
  return r.left;
};

const maf2 = loadCase('maf-2').stateDict.tensors;
const edit = (sd: StateDict, f: (m: Map<string, SafeTensor>) => void): StateDict => {
  const m = new Map(sd);
  f(m);
  return m;
};

describe('fromZuko refuses what it cannot read exactly, naming the key', () => {
  const before = tf.memory().numTensors;

  it.each([
    [
      'NAF (zuko flow without a bijective preset)',
      'unsupported-naf',
      'MAF',
      'transform.transforms.0.univariate.network.0.bias',
    ],
    ['NCSF (circular spline, box-uniform base)', 'unsupported-ncsf', 'NSF', 'base.lower'],
    [
      'MAF(residual=True)',
      'unsupported-maf-residual',
      'MAF',
      'transform.transforms.0.hyper.1.0.bias',
    ],
    [
      'MAF(passes=2) (coarsened order)',
      'unsupported-maf-passes2',
      'MAF',
      'transform.transforms.0.order',
    ],
  ])('%s', (_, file, flow, key) => {
    const e = left(fromZuko(readFixture(`${file}.safetensors`), { flow: flow as 'MAF' | 'NSF' }));
    expect(e.argument).toBe(key);
  });

  it('something that is not a state dict (null, a plain object) is a Left, not a TypeError', () => {
    for (const bad of [null, {}, 'maf.safetensors'] as unknown as StateDict[]) {
      const r = fromZuko(bad, { flow: 'MAF' });
      expect(E.isLeft(r) && r.left.argument).toBe('stateDict');
    }
  });

  it('a MAF state dict read as RealNVP or NSF, an NSF read as MAF', () => {
    expect(left(fromZuko(maf2, { flow: 'RealNVP' })).argument).toBe(
      'transform.transforms.0.hyper.0.mask',
    ); // RealNVP's Linear layers have no mask
    expect(left(fromZuko(maf2, { flow: 'NSF' })).argument).toBe(
      'transform.transforms.0.hyper.4.weight',
    );
    expect(left(fromZuko(loadCase('nsf-2').stateDict, { flow: 'MAF' })).message).toMatch(
      /is this an NSF/,
    );
  });

  it('an nflows-style state dict: its first key is named', () => {
    const nflows = new Map<string, SafeTensor>([
      [
        '_transform._transforms.0.autoregressive_net.initial_layer.weight',
        { dtype: 'F32', shape: [1], data: new Float32Array(1) },
      ],
    ]);
    const e = left(fromZuko(nflows, { flow: 'MAF' }));
    expect(e.argument).toBe('_transform._transforms.0.autoregressive_net.initial_layer.weight');
    expect(e.kind).toBe('ValueError');
  });

  it('tampered buffers and weights', () => {
    const mask = 'transform.transforms.1.hyper.2.mask';
    const flipped = edit(maf2, (m) => {
      const t = m.get(mask)!;
      const data = Uint8Array.from(t.data as Uint8Array);
      data[5] = 1 - data[5]!;
      m.set(mask, { ...t, data } as SafeTensor);
    });
    expect(left(fromZuko(flipped, { flow: 'MAF' })).argument).toBe(mask);
    const order = 'transform.transforms.2.order';
    const badOrder = edit(maf2, (m) =>
      m.set(order, { dtype: 'I64', shape: [2], data: BigInt64Array.from([0n, 0n]) }),
    );
    expect(left(fromZuko(badOrder, { flow: 'MAF' })).argument).toBe(order);
    const w = 'transform.transforms.0.hyper.2.weight';
    const nan = edit(maf2, (m) => {
      const t = m.get(w)!;
      const data = Float32Array.from(t.data as Float32Array);
      data[3] = NaN;
      m.set(w, { ...t, data } as SafeTensor);
    });
    expect(left(fromZuko(nan, { flow: 'MAF' })).argument).toBe(w);
    const shifted = edit(maf2, (m) =>
      m.set('base.loc', { dtype: 'F32', shape: [2], data: Float32Array.from([0, 1]) }),
    );
    expect(left(fromZuko(shifted, { flow: 'MAF' })).argument).toBe('base.loc');
    const missing = edit(maf2, (m) => m.delete('transform.transforms.1.hyper.4.bias'));
    expect(left(fromZuko(missing, { flow: 'MAF' })).argument).toBe(
      'transform.transforms.1.hyper.4.bias',
    );
    const rnvp = loadCase('realnvp-2').stateDict.tensors;
    // A coupling mask that keeps every coordinate (nothing transformed).
    const allKept = edit(rnvp, (m) =>
      m.set('transform.transforms.0.mask', {
        dtype: 'BOOL',
        shape: [2],
        data: Uint8Array.from([1, 1]),
      }),
    );
    expect(left(fromZuko(allKept, { flow: 'RealNVP' })).argument).toBe(
      'transform.transforms.0.mask',
    );
  });

  it('expectations given in the options are checked', () => {
    expect(left(fromZuko(maf2, { flow: 'MAF', features: 3 })).argument).toBe('base.loc');
    expect(left(fromZuko(maf2, { flow: 'MAF', context: 1 })).argument).toBe(
      'transform.transforms.0.hyper.0.weight',
    );
    expect(left(fromZuko(maf2, { flow: 'MAF', transforms: 5 })).argument).toBe(
      'transform.transforms',
    );
    expect(left(fromZuko(maf2, { flow: 'MAF', hiddenFeatures: [64] })).argument).toBe(
      'transform.transforms.0.hyper',
    );
    expect(left(fromZuko(loadCase('nsf-2').stateDict, { flow: 'NSF', bins: 4 })).argument).toBe(
      'transform.transforms.0.hyper.4.weight',
    );
    expect(E.isRight(fromZuko(new Map(), { flow: 'Glow' as 'MAF' }))).toBe(false);
  });

  it('leaves no tensors behind on any of these Lefts', () => {
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('toZuko refuses definitions zuko cannot load, naming the option', () => {
  const cases: [string, () => { def: Parameters<typeof toZuko>[0]; argument: string }][] = [
    [
      'iaf (zuko has no IAF flow class)',
      () => ({ def: iaf({ dim: 2, transforms: 1 }), argument: 'def.name' }),
    ],
    ['nsfCoupling', () => ({ def: nsfCoupling({ dim: 2, steps: 1 }), argument: 'def.name' })],
    [
      'maf with batch norm',
      () => ({
        def: maf({ dim: 2, transforms: 2, batchNorm: true }),
        argument: 'def.config.batchNorm',
      }),
    ],
    [
      'conditional maf with the context in every hidden layer',
      () => ({
        def: maf({ dim: 2, contextDim: 1, transforms: 1 }),
        argument: 'def.config.contextEntry',
      }),
    ],
    [
      'mafSpline in the floor parametrization',
      () => ({ def: mafSpline({ dim: 2, transforms: 1 }), argument: 'def.config.parametrization' }),
    ],
    [
      'mafSpline with bound 3',
      () => ({
        def: mafSpline({ dim: 2, transforms: 1, bound: 3, parametrization: 'zuko' }),
        argument: 'def.config.bound',
      }),
    ],
    [
      "realNVP with random masks of other sizes than zuko's (odd dim, odd step)",
      () => ({ def: realNVP({ dim: 5, steps: 2, mask: 'random' }), argument: 'def.config.mask' }),
    ],
    [
      'realNVP with tanh',
      () => ({
        def: realNVP({ dim: 2, steps: 1, activation: 'tanh' }),
        argument: 'def.config.activation',
      }),
    ],
  ];
  it.each(cases)('%s', (_, make) => {
    const { def, argument } = make();
    const params = def.init(0);
    const e = left(toZuko(def, params));
    tf.dispose(params as unknown as tf.TensorContainer);
    expect(e.argument).toBe(argument);
  });

  it('parameters of the wrong shape, or disposed', () => {
    const def = maf({ dim: 2, transforms: 1, hidden: [8] });
    const other = maf({ dim: 2, transforms: 1, hidden: [9] });
    const p = other.init(0);
    expect(left(toZuko(def, p)).argument).toBe('params.transform.0.layers.0.w');
    tf.dispose(p as unknown as tf.TensorContainer);
    const q = def.init(0);
    tf.dispose(q as unknown as tf.TensorContainer);
    expect(left(toZuko(def, q)).message).toMatch(/disposed/);
  });
});
