import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeBackend } from '../src/index.js';
import {
  addonFileProblem,
  defaultAddonPath,
  elfProblem,
  loadNativeAddon,
} from '../src/entries/kernels.js';
import { SKIP_REASON, addonBuilt } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bijective-addon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!addonBuilt)(
  `a corrupt addon binary (${addonBuilt ? 'built' : SKIP_REASON})`,
  () => {
    const good = addonBuilt ? readFileSync(defaultAddonPath) : Buffer.alloc(0);

    it('the built addon passes the check', () => {
      expect(addonFileProblem(defaultAddonPath)).toBeUndefined();
    });

    // Each of these, handed to dlopen, killed the process with SIGBUS (exit 135) before the check.
    for (const keep of [0.999, 0.9, 0.5, 0.1, 1000 / 260_072, 64 / 260_072]) {
      it(`a copy truncated to ${(keep * 100).toFixed(1)}% is refused with a Left, and the process lives`, async () => {
        const path = join(dir, `truncated-${keep}.node`);
        writeFileSync(path, good.subarray(0, Math.max(1, Math.floor(good.length * keep))));
        const r = loadNativeAddon(path);
        expect(E.isLeft(r) && r.left).toMatch(
          /not a complete shared object: .*(truncated|ELF header)/,
        );
        const plugin = await nativeBackend({ addonPath: path }).ready()();
        expect(E.isLeft(plugin) && plugin.left.kind).toBe('BackendError');
      });
    }

    it('a file that is not ELF, or an ELF file that is not a shared object, is refused', () => {
      const text = join(dir, 'text.node');
      writeFileSync(
        text,
        'not a binary at all, just some text that is long enough to have a header',
      );
      expect(loadNativeAddon(text)).toEqual(E.left(expect.stringMatching(/magic/)));
      const exe = Buffer.from(good);
      exe.writeUInt16LE(2, 16); // ET_EXEC
      expect(elfProblem(exe)).toMatch(/not a shared object/);
      const copy = join(dir, 'copy.node');
      copyFileSync(defaultAddonPath, copy);
      expect(addonFileProblem(copy)).toBeUndefined();
    });
  },
);
