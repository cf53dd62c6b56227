import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { tf } from '@bijective/core';
import { chooseBackend } from '../src/backend.js';

describe('chooseBackend', () => {
  it("'auto' picks the native backend when @bijective/backend-node loads (it is built in this workspace)", async () => {
    const r = await chooseBackend('auto');
    expect(r).toEqual(E.right('native'));
    expect(tf.getBackend()).toBe('native');
  });

  it('a named backend is selected, or refused with the reason', async () => {
    expect(await chooseBackend('cpu')).toEqual(E.right('cpu'));
    expect(tf.getBackend()).toBe('cpu');
  });
});
