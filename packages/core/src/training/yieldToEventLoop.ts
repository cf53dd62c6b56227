/**
 * Let the event loop run (timers, I/O, messages, user input, an `AbortSignal`
 * firing) and resume on the next macrotask. Works in every runtime bijective
 * targets: browsers, Web Workers, Node, Deno and Bun all have `MessageChannel`,
 * whose messages are macrotasks without the 4 ms clamp of nested `setTimeout`;
 * `setTimeout(0)` is the fallback. Node's `setImmediate` is deliberately not
 * used: browsers and workers lack it.
 *
 * @example
 * ```ts
 * for (let step = 0; step < steps; step++) {
 *   trainOneStep();
 *   if (step % 50 === 0) await yieldToEventLoop(); // the page stays responsive
 * }
 * ```
 */
export const yieldToEventLoop = (): Promise<void> =>
  new Promise<void>((resolve) => {
    if (typeof MessageChannel === 'undefined') {
      setTimeout(resolve, 0);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });

/**
 * A yield that only yields when at least `intervalMs` have passed since the
 * last one: training loops call it after every step and stay responsive
 * (an abort or a click is seen within about `intervalMs`) without paying for
 * a macrotask per step.
 *
 * @example
 * ```ts
 * const pace = throttledYield(25);
 * for (...) { step(); await pace(); if (signal?.aborted) break; }
 * ```
 */
export const throttledYield = (intervalMs = 25): (() => Promise<void>) => {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < intervalMs) return;
    await yieldToEventLoop();
    last = performance.now();
  };
};
