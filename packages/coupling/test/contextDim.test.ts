import { BijectiveError } from '@bijective/core';
import { withContextDim } from '@bijective/core/transforms';
import { describe, expect, it } from 'vitest';
import { actNorm, affineCoupling, initializableFlow, stack } from '../src/layers.js';

describe('contextDim through stack and initializableFlow', () => {
  const conditional = () => withContextDim(affineCoupling({ dim: 2, contextDim: 1 }), 1);

  it('stack declares its parts’ contextDim, so a disagreeing flow is refused when built', () => {
    const t = stack(actNorm(2), conditional());
    expect(t.contextDim).toBe(1);
    expect(initializableFlow({ name: 'ok', dim: 2, transform: t }).contextDim).toBe(1);
    let e: unknown;
    try {
      initializableFlow({ name: 'bad', dim: 2, contextDim: 0, transform: t });
    } catch (err) {
      e = err;
    }
    expect(e instanceof BijectiveError && e.kind).toBe('ShapeError');
    expect(e instanceof BijectiveError && e.argument).toBe('options.contextDim');
  });
});
