import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { SCRATCH_KEEP_BYTES, defaultAddonPath, loadNativeAddon } from '../src/addon.js';
import { SKIP_REASON, addonBuilt, uniform } from './helpers.js';

/**
 * native/scratch.h: kernels keep their temporaries per thread between calls, and free them on
 * return when one call needed more than SCRATCH_KEEP_BYTES. Probed through the fused MLP forward
 * with a context term, whose only scratch is the context product c V ([batch, width] floats).
 */
describe.skipIf(!addonBuilt)(
  `per-thread kernel scratch${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    const loaded = addonBuilt ? loadNativeAddon(defaultAddonPath) : E.left('not built');
    const addon = E.isRight(loaded) ? loaded.right : undefined;

    /** One linear layer z = x w + b + c v ([batch, 1] inputs, width outputs); returns z. */
    const layer = (batch: number, width: number): Float32Array => {
      const x = uniform(batch, 1);
      const c = uniform(batch, 2);
      const w = uniform(width, 3);
      const b = uniform(width, 4);
      const v = uniform(width, 5);
      const out = new Float32Array(batch * width);
      addon!.mlpForward(
        x,
        c,
        new Int32Array([1, width]),
        batch,
        1,
        0,
        [w],
        [b],
        [null],
        [v],
        [out],
      );
      // The product is right whichever way the scratch went (spot-check rows and columns).
      for (const r of [0, batch >> 1, batch - 1])
        for (const k of [0, width - 1]) {
          const want = x[r]! * w[k]! + b[k]! + c[r]! * v[k]!;
          expect(out[r * width + k]).toBeCloseTo(want, 5);
        }
      return out;
    };

    it('keeps a call’s scratch up to SCRATCH_KEEP_BYTES and frees a larger one on return', () => {
      const batch = 16384;
      // 16384 x 1023 floats: 4 KiB under the limit, kept for the next call.
      const under = batch * 1023 * 4;
      expect(under).toBeLessThanOrEqual(SCRATCH_KEEP_BYTES);
      layer(batch, 1023);
      expect(addon!.scratchBytes()).toBeGreaterThanOrEqual(under);
      expect(addon!.scratchBytes()).toBeLessThanOrEqual(SCRATCH_KEEP_BYTES);
      // 16384 x 1025 floats: over the limit, freed.
      expect(batch * 1025 * 4).toBeGreaterThan(SCRATCH_KEEP_BYTES);
      layer(batch, 1025);
      expect(addon!.scratchBytes()).toBe(0);
      // A small call afterwards allocates afresh and keeps what it used (8 x 16 floats).
      layer(8, 16);
      expect(addon!.scratchBytes()).toBe(8 * 16 * 4);
    });
  },
);
