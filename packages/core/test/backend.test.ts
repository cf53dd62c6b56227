import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { type BackendPlugin, cpuBackend, tf, useBackend } from '../src/index.js';
import { backendError } from '../src/entries/backend.js';

describe('backend plugins', () => {
  it('useBackend(cpuBackend) selects tfjs cpu', async () => {
    const r = await useBackend(cpuBackend)();
    expect(E.isRight(r)).toBe(true);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('a plugin that cannot load returns its BackendError and leaves the previous backend active', async () => {
    await useBackend(cpuBackend)();
    const broken: BackendPlugin = {
      name: 'broken',
      ready: () => TE.left(backendError('broken', 'addon not built; run pnpm rebuild')),
    };
    const r = await useBackend(broken)();
    expect(E.isLeft(r) && r.left.kind).toBe('BackendError');
    expect(E.isLeft(r) && r.left.message).toBe(
      "backend 'broken': addon not built; run pnpm rebuild",
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('a plugin whose name tfjs does not know is reported, not thrown', async () => {
    const unknown: BackendPlugin = { name: 'nonexistent', ready: () => TE.right(undefined) };
    const r = await useBackend(unknown)();
    expect(E.isLeft(r) && r.left.message).toMatch(/nonexistent.*could not be selected/);
  });
});
