/**
 * The training worker: owns the tensors and the training loop, so the page
 * never freezes. The loop runs a slice of Adam steps (about 40 ms), then
 * yields to the message queue (pause, stop, learning-rate changes and hover
 * queries are handled between any two slices) and, a few times a second,
 * sends the views: the density on a grid, samples, the learning curves and
 * optionally the layers.
 */
import { tf, useBackend } from '@bijective/core';
import { FUSED_FIELD_TRACE, hasFusedKernel } from '@bijective/core/backend';
import * as E from 'fp-ts/lib/Either.js';
import { BOUND } from './datasets.js';
import { settingsFromConfig } from './flows.js';
import type { FromWorker, LiveOptions, RunState, ToWorker } from './protocol.js';
import { backendPlugin } from './backends.js';
import { type Trainer, createTrainer, loadModel, splitRows } from './trainer.js';

const GRID = 72;
const SAMPLES = 1000;
const LAYER_POINTS = 500;
const SLICE_MS = 40;
const VIEW_MS = 300;
const PROGRESS_MS = 120;

const post = (m: FromWorker, transfer: Transferable[] = []): void =>
  (self as unknown as Worker).postMessage(m, transfer);

let trainer: Trainer | undefined;
let state: RunState = 'idle';
let options: LiveOptions = { learningRate: 1e-3, batchSize: 256, maxSteps: 0, layers: false };
let bestVal = -Infinity;
let lastLoss = NaN;
let seed = 0;
/** Recent marks: wall time, step count, and time spent inside training steps so far. */
let marks: { t: number; step: number; inSteps: number }[] = [];
let stepTime = 0;

const gridPoints = (() => {
  const pts = new Float32Array(GRID * GRID * 2);
  for (let r = 0; r < GRID; r++)
    for (let c = 0; c < GRID; c++) {
      const k = r * GRID + c;
      pts[2 * k] = -BOUND + ((c + 0.5) * 2 * BOUND) / GRID;
      pts[2 * k + 1] = BOUND - ((r + 0.5) * 2 * BOUND) / GRID;
    }
  return pts;
})();

const rates = (): { wall: number; stepOnly: number } => {
  // The marks of the last ~2 s of training (measured from the last mark, so a slow view or a
  // pause does not empty the window).
  const end = marks[marks.length - 1]?.t ?? 0;
  marks = marks.filter((m) => end - m.t < 2000);
  const first = marks[0];
  const last = marks[marks.length - 1];
  const wall =
    first !== undefined && last !== undefined && last.t > first.t
      ? ((last.step - first.step) * 1000) / (last.t - first.t)
      : 0;
  const stepOnly =
    first !== undefined && last !== undefined && last.inSteps > first.inSteps
      ? ((last.step - first.step) * 1000) / (last.inSteps - first.inSteps)
      : 0;
  return { wall, stepOnly };
};

const progress = (message?: string): void => {
  if (trainer === undefined) return;
  const r = rates();
  post({
    type: 'progress',
    state,
    step: trainer.stepCount(),
    stepsPerSecond: r.wall,
    stepOnlyPerSecond: r.stepOnly,
    loss: lastLoss,
    ...(message === undefined ? {} : { message }),
  });
};

const view = (): void => {
  const t = trainer;
  if (t === undefined) return;
  const val = t.validate();
  if (val > bestVal) {
    bestVal = val;
    t.keepBest();
  }
  const train = t.trainLogLik(1000);
  const grid = t.logProb(gridPoints);
  const samples = t.sample(SAMPLES, t.stepCount() + 1);
  const layers = options.layers ? t.layers(LAYER_POINTS) : undefined;
  post(
    {
      type: 'view',
      step: t.stepCount(),
      gridSize: GRID,
      grid,
      samples,
      curve: { step: t.stepCount(), train, val },
      bestVal,
      ...(layers === undefined ? {} : { layers }),
    },
    [grid.buffer, samples.buffer, ...(layers ?? []).map((l) => l.points.buffer)],
  );
};

/** A yield to the event loop that is not clamped like nested setTimeout(0). */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToEvents = (): Promise<void> =>
  new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });

let looping = false;
const loop = async (): Promise<void> => {
  if (looping) return;
  looping = true;
  let chunk = 1;
  let lastView = performance.now();
  let viewEvery = VIEW_MS;
  let lastProgress = 0;
  try {
    while (state === 'running' && trainer !== undefined) {
      const t = trainer;
      const left = options.maxSteps > 0 ? options.maxSteps - t.stepCount() : Infinity;
      if (left <= 0) {
        state = 'finished';
        break;
      }
      const n = Math.max(1, Math.min(chunk, left));
      const t0 = performance.now();
      const r = t.steps(n, options.learningRate, options.batchSize);
      const dt = performance.now() - t0;
      stepTime += dt;
      marks.push({ t: performance.now(), step: t.stepCount(), inSteps: stepTime });
      if (r.steps > 0) lastLoss = r.loss;
      if (r.diverged !== undefined) {
        state = 'diverged';
        progress(r.diverged);
        break;
      }
      // Size the next slice so that one slice lasts about SLICE_MS.
      chunk = Math.max(1, Math.min(200, Math.round((n * SLICE_MS) / Math.max(dt, 1))));
      const now = performance.now();
      if (now - lastProgress > PROGRESS_MS) {
        progress();
        lastProgress = now;
      }
      if (now - lastView > viewEvery) {
        view();
        lastView = performance.now();
        // Views of slow flows (spline autoregressive sampling, ODEs) take long: keep them under
        // about a third of the time, so training still makes progress.
        viewEvery = Math.max(VIEW_MS, 2 * (lastView - now));
      }
      await yieldToEvents();
    }
  } catch (e) {
    state = 'stopped';
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  } finally {
    looping = false;
  }
  if (trainer !== undefined && state !== 'running') {
    view();
    progress();
  }
};

const setup = (m: Extract<ToWorker, { type: 'setup' }>): void => {
  state = 'idle';
  trainer?.dispose();
  trainer = undefined;
  bestVal = -Infinity;
  lastLoss = NaN;
  marks = [];
  stepTime = 0;
  seed = m.seed;
  const { train, val } = splitRows(m.data, 0.1, seed);
  let settings = m.settings;
  let initial;
  if (m.model !== undefined) {
    const loaded = loadModel(m.model, settingsFromConfig);
    if (E.isLeft(loaded)) {
      post({ type: 'error', message: `could not load the model: ${loaded.left}` });
      return;
    }
    settings = loaded.right.settings;
    initial = loaded.right.params;
  }
  trainer = createTrainer(settings, train, val, seed, initial);
  post({
    type: 'ready',
    settings,
    parameters: trainer.parameterCount(),
    loaded: m.model !== undefined,
  });
  view();
  progress();
};

const handle = async (m: ToWorker): Promise<void> => {
  switch (m.type) {
    case 'backend': {
      const plugin = backendPlugin(m.backend, m.wasmPaths);
      const r = await useBackend(plugin)();
      post({
        type: 'backend',
        ok: E.isRight(r),
        backend: m.backend,
        details: {
          active: tf.getBackend(),
          fieldTraceKernel: hasFusedKernel(FUSED_FIELD_TRACE),
          ...(plugin.describe?.() ?? {}),
        },
        ...(E.isLeft(r) ? { error: r.left.message } : {}),
      });
      return;
    }
    case 'setup':
      setup(m);
      return;
    case 'options':
      options = m.options;
      return;
    case 'run':
      if (trainer === undefined) return;
      state = 'running';
      marks = [{ t: performance.now(), step: trainer.stepCount(), inSteps: stepTime }];
      progress();
      void loop();
      return;
    case 'pause':
      if (state === 'running') state = 'paused';
      if (!looping) progress();
      return;
    case 'stop': {
      if (trainer === undefined) return;
      state = 'stopped';
      const restored = trainer.restoreBest();
      if (!looping) {
        view();
        progress(restored ? 'kept the parameters with the best validation score' : undefined);
      }
      return;
    }
    case 'query': {
      if (trainer === undefined) return;
      const v = trainer.logProb(new Float32Array([m.x, m.y]))[0]!;
      post({ type: 'logp', id: m.id, x: m.x, y: m.y, value: v });
      return;
    }
    case 'save':
      if (trainer === undefined) return;
      {
        const model = trainer.save();
        post({ type: 'saved', model }, [model.weights]);
      }
      return;
    case 'refresh':
      if (!looping) view();
      return;
  }
};

/** Messages are handled one after another (a backend switch finishes before the next setup). */
let queue: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent<ToWorker>) => {
  queue = queue
    .then(() => handle(ev.data))
    .catch((e: unknown) =>
      post({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
};
