import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { FUSED_ADAM, SQUARED_NORM, hasFusedKernel, squaredNorm } from '../src/entries/backend.js';
import { checkFusedElementMaps, expectNoLeaks } from '../src/testing/index.js';

describe('fused kernels: composite fallbacks on cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('cpu registers neither fused kernel', () => {
    expect(tf.getBackend()).toBe('cpu');
    expect(hasFusedKernel(FUSED_ADAM)).toBe(false);
    expect(hasFusedKernel(SQUARED_NORM)).toBe(false);
  });

  it('squaredNorm sums the squares of every tensor, whatever its dtype, and frees its temporaries', async () => {
    const xs = [tf.tensor([[3, 4]]), tf.tensor([1, -2], [2], 'int32'), tf.scalar(0.5)];
    await expectNoLeaks(() => {
      const n = squaredNorm(xs);
      expect(n.shape).toEqual([]);
      expect(n.dataSync()[0]).toBeCloseTo(9 + 16 + 1 + 4 + 0.25, 5);
      n.dispose();
    });
    expect(squaredNorm([]).dataSync()[0]).toBe(0);
    tf.dispose(xs);
  });
});

describe('checkFusedElementMaps', () => {
  it('answers bad sizes with a problem, not a tfjs throw, and leaves the backend as it was', async () => {
    await tf.setBackend('cpu');
    expect(await checkFusedElementMaps('cpu', { dim: 0 })).toEqual([
      'options.dim must be an integer ≥ 1, got 0',
    ]);
    expect(await checkFusedElementMaps('cpu', { rows: -3, dim: 2.5 })).toEqual([
      'options.rows must be an integer ≥ 1, got -3',
      'options.dim must be an integer ≥ 1, got 2.5',
    ]);
    expect(await checkFusedElementMaps('cpu', { rows: 1, dim: 2 })).toEqual([
      'options.rows × options.dim must be at least 3 (three fixed edge inputs), got 2',
    ]);
    expect(tf.getBackend()).toBe('cpu');
  });
});
