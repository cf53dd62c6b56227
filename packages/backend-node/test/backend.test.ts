import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { tf, useBackend } from '@bijective/core';
import * as pkg from '../src/index.js';
import * as kernels from '../src/entries/kernels.js';
import { SKIP_REASON, addonBuilt } from './helpers.js';

const { nativeBackend, tensorflowBackend } = pkg;
const { broadcastPlan, reductionView } = kernels;

describe('nativeBackend().ready() failure paths', () => {
  it('importing the package has no side effects on tfjs', () => {
    expect(typeof pkg.nativeBackend).toBe('function');
    expect(tf.findBackendFactory('native')).toBeNull();
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
  });

  it('the main entry is the plugins, their names and fixes; the addon and kernels are on ./kernels', () => {
    expect(Object.keys(pkg).sort()).toEqual([
      'NATIVE_BACKEND_NAME',
      'NATIVE_BUILD_FIX',
      'TENSORFLOW_BACKEND_NAME',
      'TFJS_NODE_FIX',
      'nativeBackend',
      'tensorflowBackend',
    ]);
    expect(Object.keys(kernels).sort()).toEqual([
      'NATIVE_KERNELS',
      'addonFileProblem',
      'broadcastPlan',
      'defaultAddonPath',
      'elfProblem',
      'loadNativeAddon',
      'nativeBackendRegistered',
      'reductionView',
      'registerNativeBackend',
    ]);
  });

  it('a missing addon file gives Left(BackendError) naming the build command; cpu stays active', async () => {
    await tf.setBackend('cpu');
    const plugin = nativeBackend({ addonPath: '/nonexistent/bijective_native.node' });
    const r = await useBackend(plugin)();
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.kind).toBe('BackendError');
      expect(r.left.message).toContain("backend 'native'");
      expect(r.left.message).toContain('/nonexistent/bijective_native.node');
      expect(r.left.message).toContain('pnpm -F @bijective/backend-node build:addon');
      expect(r.left.message).toContain('C++17 compiler');
    }
    expect(tf.getBackend()).toBe('cpu');
    expect(plugin.describe?.()).toMatchObject({ addon: 'missing' });
  });

  it.runIf(!addonBuilt)(
    'without a built addon the default nativeBackend() gives the same Left',
    async () => {
      const r = await nativeBackend().ready()();
      expect(E.isLeft(r) && r.left.message).toContain('build:addon');
    },
  );

  it('an injected loader that throws (ABI mismatch, missing library) gives Left with the cause', async () => {
    const plugin = nativeBackend({
      loadModule: () => {
        throw new Error('The module was compiled against a different Node.js version');
      },
    });
    const r = await plugin.ready()();
    expect(E.isLeft(r) && r.left.message).toMatch(/different Node\.js version.*build:addon/);
  });

  it('a module that is not the addon gives Left', async () => {
    const r = await nativeBackend({ loadModule: () => ({ gemm: 1 }) }).ready()();
    expect(E.isLeft(r) && r.left.message).toContain('is not the bijective addon');
  });

  it('invalid options give Left', async () => {
    const r = await nativeBackend({ threads: 0 }).ready()();
    expect(E.isLeft(r) && r.left.message).toContain('threads must be an integer');
  });
});

describe.skipIf(!addonBuilt)(
  `nativeBackend() loads${addonBuilt ? '' : ` (skipped: ${SKIP_REASON})`}`,
  () => {
    it('switches in one call and describes what loaded', async () => {
      const plugin = nativeBackend({ threads: 2 });
      expect(plugin.describe?.()).toMatchObject({ addon: 'not loaded (call ready())' });
      const r = await useBackend(plugin)();
      expect(E.isRight(r)).toBe(true);
      expect(tf.getBackend()).toBe('native');
      const d = plugin.describe?.() ?? {};
      expect(d['addon']).toBe('loaded');
      expect(['avx512f', 'avx2+fma', 'portable']).toContain(d['simd']);
      expect(d['threads']).toBe(2);
      expect(kernels.nativeBackendRegistered()).toBe(true);
      // Every cpu kernel is available on native.
      for (const k of tf.getKernelsForBackend('cpu')) {
        expect(tf.getKernel(k.kernelName, 'native'), k.kernelName).toBeDefined();
      }
      const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 4])).dataSync());
      expect(Array.from(y)).toEqual(new Array(8).fill(3));
      // ready() is idempotent.
      expect(E.isRight(await plugin.ready()())).toBe(true);
      await tf.setBackend('cpu');
    });

    it('tensors move between cpu and native in both directions', async () => {
      await tf.setBackend('cpu');
      const a = tf.ones([2, 3]);
      expect(E.isRight(await useBackend(nativeBackend())())).toBe(true);
      const c = tf.matMul(a, tf.ones([3, 2]));
      expect(Array.from(c.dataSync())).toEqual([3, 3, 3, 3]);
      await tf.setBackend('cpu');
      const d = tf.add(c, tf.sum(a));
      expect(Array.from(d.dataSync())).toEqual([9, 9, 9, 9]);
      tf.dispose([a, c, d]);
    });

    it("simd: 'portable' selects the portable micro-kernel", async () => {
      const plugin = nativeBackend({ simd: 'portable' });
      expect(E.isRight(await plugin.ready()())).toBe(true);
      expect(plugin.describe?.()['simd']).toBe('portable');
      expect(E.isRight(await nativeBackend({ simd: 'auto' }).ready()())).toBe(true);
    });

    it("simd: 'avx2' keeps to AVX2+FMA; 'auto' takes AVX-512 tiles where the CPU has them", async () => {
      const avx2 = nativeBackend({ simd: 'avx2' });
      expect(E.isRight(await avx2.ready()())).toBe(true);
      const has = avx2.describe?.()['cpuHasAvx2Fma'] === true;
      expect(avx2.describe?.()['simd']).toBe(has ? 'avx2+fma' : 'portable');
      const auto = nativeBackend({ simd: 'auto' });
      expect(E.isRight(await auto.ready()())).toBe(true);
      expect(has ? ['avx512f', 'avx2+fma'] : ['portable']).toContain(auto.describe?.()['simd']);
    });
  },
);

describe('tensorflowBackend() (optional @tensorflow/tfjs-node bridge)', () => {
  it('absent tfjs-node gives Left naming npm i @tensorflow/tfjs-node', async () => {
    const plugin = tensorflowBackend({
      importer: () => Promise.reject(new Error("Cannot find package '@tensorflow/tfjs-node'")),
    });
    const r = await useBackend(plugin)();
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.kind).toBe('BackendError');
      expect(r.left.message).toContain("Cannot find package '@tensorflow/tfjs-node'");
      expect(r.left.message).toContain('npm i @tensorflow/tfjs-node');
      expect(r.left.message).toContain('network');
    }
    expect(plugin.describe?.()).toMatchObject({ status: 'missing' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('an import that registers nothing gives Left about two tfjs-core copies', async () => {
    const r = await tensorflowBackend({ importer: () => Promise.resolve({}) }).ready()();
    expect(E.isLeft(r) && r.left.message).toContain('two tfjs-core copies');
  });

  it('the real import either works or fails with the same clear Left (never throws)', async () => {
    const r = await tensorflowBackend().ready()();
    console.info(`real @tensorflow/tfjs-node: ${E.isLeft(r) ? r.left.message : 'loaded'}`);
    if (E.isLeft(r)) expect(r.left.message).toContain('npm i @tensorflow/tfjs-node');
    else expect(tf.findBackendFactory('tensorflow')).not.toBeNull();
  });

  it('when tfjs-node registers `tensorflow`, useBackend switches to it', async () => {
    const plugin = tensorflowBackend({
      importer: async () => {
        // Stand-in for tfjs-node's import side effect: register a backend named 'tensorflow'.
        if (tf.findBackendFactory('tensorflow') === null) {
          const { MathBackendCPU } = await import('@tensorflow/tfjs-backend-cpu');
          tf.registerBackend('tensorflow', () => new MathBackendCPU(), 0);
          for (const k of tf.getKernelsForBackend('cpu'))
            tf.registerKernel({ ...k, backendName: 'tensorflow' });
        }
        return {};
      },
    });
    const r = await useBackend(plugin)();
    expect(E.isRight(r)).toBe(true);
    expect(tf.getBackend()).toBe('tensorflow');
    expect(plugin.describe?.()).toMatchObject({ status: 'loaded' });
    await tf.setBackend('cpu');
  });
});

describe('shape planning (pure)', () => {
  it('broadcastPlan merges contiguous dims and zeroes broadcast strides', () => {
    const p = broadcastPlan([33, 17], [17]);
    expect(p.outShape).toEqual([33, 17]);
    expect(Array.from(p.shape)).toEqual([33, 17]);
    expect(Array.from(p.stridesA)).toEqual([17, 1]);
    expect(Array.from(p.stridesB)).toEqual([0, 1]);
    const same = broadcastPlan([2, 3, 4], [2, 3, 4]);
    expect(Array.from(same.shape)).toEqual([24]);
    const scalar = broadcastPlan([], [1, 1]);
    expect(scalar.outShape).toEqual([1, 1]);
    expect(Array.from(scalar.shape)).toEqual([]);
    expect(() => broadcastPlan([3], [4])).toThrow();
  });

  it('reductionView accepts one contiguous block of axes only', () => {
    expect(reductionView([3, 17, 33], [1])).toEqual({ outer: 3, red: 17, inner: 33 });
    expect(reductionView([3, 17, 33], [2, 1])).toEqual({ outer: 3, red: 561, inner: 1 });
    expect(reductionView([3, 17, 33], [0, 2])).toBeUndefined();
    expect(reductionView([3], [])).toBeUndefined();
  });
});
