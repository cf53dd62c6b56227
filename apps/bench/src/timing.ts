export interface TimingOptions {
  /** Untimed calls first (JIT, kernel compilation, allocator warm-up). */
  readonly warmup: number;
  /** … and untimed calls until this many seconds passed (default 0: `warmup` calls only). */
  readonly warmupSeconds?: number;
  readonly reps: number;
  /** Stop early once the timed calls took this many seconds in total … */
  readonly maxSeconds: number;
  /** … but only after at least this many (default 3, or `reps` if smaller). */
  readonly minReps?: number;
  /** A `performance.now()` after which no timed call starts once one has run (matrix budget). */
  readonly deadline?: number;
}

/** Untimed seconds of products before each GEMM row timing: V8's tiers and the allocator settle. */
export const GEMM_WARMUP_SECONDS = 0.5;

/**
 * Warm up, then time up to `reps` calls of `run` (which must return once its result is computed:
 * read back on an asynchronous backend, or the timer measures the queueing); seconds and calls.
 */
export const timeRepeated = async (
  run: () => Promise<void> | void,
  options: TimingOptions,
): Promise<{ seconds: number[]; calls: number }> => {
  let calls = 0;
  const warmStart = performance.now();
  const warmed = () => (performance.now() - warmStart) / 1000;
  const warmSeconds = options.warmupSeconds ?? 0;
  for (let i = 0; i < options.warmup || warmed() < warmSeconds; i++) {
    await run();
    calls++;
    // One call that already takes the whole cell budget is warm enough; more would only cost time.
    if (warmed() >= Math.max(options.maxSeconds, warmSeconds)) break;
  }
  const minReps = Math.min(options.reps, options.minReps ?? 3);
  const seconds: number[] = [];
  let total = 0;
  const late = () =>
    options.deadline !== undefined && seconds.length >= 1 && performance.now() > options.deadline;
  while (
    seconds.length < options.reps &&
    !(seconds.length >= minReps && total >= options.maxSeconds) &&
    !late()
  ) {
    const t0 = performance.now();
    await run();
    const dt = (performance.now() - t0) / 1000;
    calls++;
    seconds.push(dt);
    total += dt;
  }
  return { seconds, calls };
};
