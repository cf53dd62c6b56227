import { tf } from '../tf.js';

/** One kernel's share of a profiled call: its name, how often the engine called it, and the seconds inside it. */
export interface KernelTally {
  readonly name: string;
  readonly calls: number;
  readonly seconds: number;
}

/** What one instrumented call did: kernel calls, the time inside them, and its wall time. */
export interface KernelProfile {
  /** Registered-kernel invocations through the tfjs engine (outermost only: a kernel that runs others through the engine counts once). */
  readonly kernelCalls: number;
  /** Seconds spent inside the backend's kernel functions. */
  readonly kernelSeconds: number;
  /** Wall seconds of the whole call (engine bookkeeping, autodiff tape, JavaScript glue and kernels). */
  readonly wallSeconds: number;
  /** `1 − kernelSeconds / wallSeconds`, clamped to [0, 1]: the share of the call spent outside kernels. */
  readonly outsideShare: number;
  /** Calls and seconds inside each kernel name, most frequent first. */
  readonly byKernel: readonly KernelTally[];
}

/**
 * Run `run` once with every kernel registered for `backend` wrapped by a counter and a timer,
 * then restore the kernels exactly as they were (also when `run` throws). Each call the engine
 * makes through its kernel registry (`runKernel`, which every op, gradient and optimizer step goes
 * through) is counted once; the time inside the backend's kernel function is summed. Kernels that a
 * kernel calls through the engine while it runs are not counted again, and their time is already
 * inside the outer one. A `customGrad` scope is not a kernel: only the registered kernels it runs
 * count. Meant for extra untimed calls next to timed ones, so the timed calls run unwrapped.
 *
 * `outsideShare = 1 − Σ kernel seconds / wall seconds` is the share of the call spent in the
 * engine's per-kernel bookkeeping (tensor records, the gradient tape, `tidy` scopes), JavaScript
 * glue and reading the result back: what fusing kernels saves besides arithmetic.
 *
 * @example
 * ```ts
 * import { profileKernels } from '@bijective/core/backend';
 * const p = await profileKernels(() => tf.tidy(() => tf.sum(tf.mul(a, b))).data(), 'cpu');
 * p.kernelCalls; // 2 (Multiply, Sum)
 * ```
 */
export const profileKernels = async (
  run: () => Promise<unknown> | unknown,
  backend: string,
): Promise<KernelProfile> => {
  const configs = tf.getKernelsForBackend(backend);
  const originals = configs.map((c) => c.kernelFunc);
  const tally = new Map<string, { calls: number; ms: number }>();
  let depth = 0;
  configs.forEach((config, i) => {
    const original = originals[i]!;
    config.kernelFunc = (args) => {
      if (depth > 0) return original(args);
      depth++;
      const t0 = performance.now();
      try {
        return original(args);
      } finally {
        depth--;
        const t = tally.get(config.kernelName) ?? { calls: 0, ms: 0 };
        tally.set(config.kernelName, { calls: t.calls + 1, ms: t.ms + performance.now() - t0 });
      }
    };
  });
  const t0 = performance.now();
  try {
    await run();
  } finally {
    configs.forEach((config, i) => {
      config.kernelFunc = originals[i]!;
    });
  }
  const wallMs = performance.now() - t0;
  const all = [...tally.entries()];
  const kernelMs = all.reduce((a, [, t]) => a + t.ms, 0);
  return {
    kernelCalls: all.reduce((a, [, t]) => a + t.calls, 0),
    kernelSeconds: kernelMs / 1000,
    wallSeconds: wallMs / 1000,
    outsideShare: wallMs > 0 ? Math.min(1, Math.max(0, 1 - kernelMs / wallMs)) : 0,
    byKernel: all
      .map(([name, t]) => ({ name, calls: t.calls, seconds: t.ms / 1000 }))
      .sort((a, b) => b.calls - a.calls || (a.name < b.name ? -1 : 1)),
  };
};
