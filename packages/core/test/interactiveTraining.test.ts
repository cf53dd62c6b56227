import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  type FitProgress,
  disposeParams,
  fit,
  fitReverseKL,
  logProb,
  tf,
} from '../src/index.js';
import { yieldToEventLoop } from '../src/training/index.js';
import { paramsAreFinite } from '../src/entries/params.js';
import { gaussianData, gaussianFlow } from './fixtures.js';

const def = gaussianFlow;
type P = ReturnType<typeof def.init>;

describe('training in any runtime: no setImmediate, abort, progress', () => {
  const saved = globalThis.setImmediate;
  afterEach(() => {
    globalThis.setImmediate = saved;
  });

  it('fit runs where there is no setImmediate (browsers, Web Workers)', async () => {
    // @ts-expect-error: simulate a browser, which has no setImmediate
    delete globalThis.setImmediate;
    expect(typeof globalThis.setImmediate).toBe('undefined');
    const before = tf.memory().numTensors;
    const x = gaussianData(1000, 1);
    const r = await fit(def, x, { seed: 0, epochs: 3, learningRate: 0.03 });
    x.dispose();
    expect(E.isRight(r) ? r.right.history.length : r.left.message).toBe(3);
    if (E.isRight(r)) disposeParams(r.right.params);
    const rk = await fitReverseKL(def, (z) => tf.mul(-0.5, tf.sum(tf.square(z), 1)), {
      steps: 5,
      batchSize: 64,
    });
    expect(E.isRight(rk) ? rk.right.steps : rk.left.message).toBe(5);
    if (E.isRight(rk)) disposeParams(rk.right.params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('yieldToEventLoop lets a pending timer run', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    for (let i = 0; i < 50 && !fired; i++) await yieldToEventLoop();
    expect(fired).toBe(true);
  });

  it('onProgress sees every epoch with its figures and can stop training', async () => {
    const x = gaussianData(2000, 2);
    const seen: FitProgress[] = [];
    const r = await fit(def, x, {
      seed: 0,
      epochs: 50,
      learningRate: 0.03,
      onProgress: (p) => {
        seen.push(p);
        return p.epoch === 4 ? 'stop' : undefined;
      },
    });
    x.dispose();
    expect(E.isRight(r)).toBe(true);
    if (E.isLeft(r)) return;
    expect(r.right.stoppedBy).toBe('callback');
    expect(seen.map((p) => p.epoch)).toEqual([0, 1, 2, 3, 4]);
    for (const p of seen) {
      expect(Number.isFinite(p.trainLoss) && Number.isFinite(p.valLoss ?? NaN)).toBe(true);
      expect(p.steps).toBe((p.epoch + 1) * Math.ceil(1800 / 256));
      expect(p.bestValLoss).toBeLessThanOrEqual(p.valLoss!);
    }
    disposeParams(r.right.params);
  });

  it('an AbortSignal fired mid-training returns AbortedError with the best parameters so far', async () => {
    const before = tf.memory().numTensors;
    const x = gaussianData(2000, 3);
    const controller = new AbortController();
    const r = await fit(def, x, {
      seed: 0,
      epochs: 1000,
      patience: 1000,
      learningRate: 0.03,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.epoch === 2) controller.abort();
      },
    });
    expect(E.isLeft(r)).toBe(true);
    if (E.isRight(r)) return;
    expect(r.left).toBeInstanceOf(AbortedError);
    const err = r.left as AbortedError<P>;
    expect(err.kind).toBe('AbortedError');
    expect(err.steps).toBe(3 * Math.ceil(1800 / 256));
    expect(paramsAreFinite(err.params)).toBe(true);
    const lp = logProb(def, err.params, x);
    expect(E.isRight(lp)).toBe(true);
    if (E.isRight(lp)) lp.right.dispose();
    x.dispose();
    disposeParams(err.params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a timer can abort a long run: training yields to the event loop while it runs', async () => {
    const before = tf.memory().numTensors;
    const x = gaussianData(20_000, 4);
    const started = performance.now();
    // One epoch is ~80 steps; 10,000 epochs would take many minutes. Only a yielding loop lets
    // the timeout's timer fire before the end.
    const r = await fit(def, x, {
      seed: 0,
      epochs: 10_000,
      patience: 10_000,
      signal: AbortSignal.timeout(300),
    });
    const seconds = (performance.now() - started) / 1000;
    x.dispose();
    expect(E.isLeft(r) && r.left instanceof AbortedError).toBe(true);
    expect(seconds).toBeLessThan(30);
    if (E.isLeft(r) && r.left instanceof AbortedError) disposeParams(r.left.params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an already-aborted signal stops before the first step, and fitReverseKL honours it too', async () => {
    const before = tf.memory().numTensors;
    const x = gaussianData(500, 5);
    const signal = AbortSignal.abort();
    const r = await fit(def, x, { signal });
    x.dispose();
    expect(E.isLeft(r) && r.left instanceof AbortedError && r.left.steps).toBe(0);
    if (E.isLeft(r) && r.left instanceof AbortedError) disposeParams(r.left.params);
    const rk = await fitReverseKL(def, (z) => tf.mul(-0.5, tf.sum(tf.square(z), 1)), { signal });
    expect(E.isLeft(rk) && rk.left instanceof AbortedError).toBe(true);
    if (E.isLeft(rk) && rk.left instanceof AbortedError) disposeParams(rk.left.params);
    expect(tf.memory().numTensors).toBe(before);
  });
});
