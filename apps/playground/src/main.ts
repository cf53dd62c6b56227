/**
 * The page: controls, the training worker and the views. Plain TypeScript
 * and canvas. Every change of data or flow rebuilds the model in the worker
 * (so the views always show the current choice); learning rate, batch size
 * and the step limit change live, between two steps.
 */
import { BOUND, DATASETS, DATASET_LABELS, generate, jitter } from './datasets.js';
import { type FlowSettings, PRESETS, PRESET_INFO, defaultSettings, isPresetName } from './flows.js';
import { type SavedFile, parseSavedFile, savedFile } from './modelFile.js';
import {
  BACKENDS,
  type BackendName,
  type CurvePoint,
  type FromWorker,
  type ToWorker,
} from './protocol.js';
import { DEFAULTS, type PageSettings, fromHash, toHash } from './settings.js';
import { drawCurves } from './views/curves.js';
import type { Frame } from './views/canvas.js';
import { drawHeatmap } from './views/heatmap.js';
import { type Cloud, drawScatter } from './views/scatter.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`missing #${id}`);
  return el as T;
};

const els = {
  dataset: $<HTMLSelectElement>('dataset'),
  seed: $<HTMLInputElement>('seed'),
  points: $<HTMLInputElement>('points'),
  drawTools: $<HTMLDivElement>('draw-tools'),
  clearDrawing: $<HTMLButtonElement>('clear-drawing'),
  drawnCount: $<HTMLSpanElement>('drawn-count'),
  preset: $<HTMLSelectElement>('preset'),
  presetBlurb: $<HTMLParagraphElement>('preset-blurb'),
  transforms: $<HTMLInputElement>('transforms'),
  transformsLabel: $<HTMLLabelElement>('transforms-label'),
  hidden: $<HTMLInputElement>('hidden'),
  bins: $<HTMLInputElement>('bins'),
  binsField: $<HTMLDivElement>('bins-field'),
  paramCount: $<HTMLParagraphElement>('param-count'),
  backend: $<HTMLSelectElement>('backend'),
  backendStatus: $<HTMLParagraphElement>('backend-status'),
  lr: $<HTMLSelectElement>('lr'),
  batch: $<HTMLSelectElement>('batch'),
  maxSteps: $<HTMLInputElement>('max-steps'),
  train: $<HTMLButtonElement>('train'),
  pause: $<HTMLButtonElement>('pause'),
  stop: $<HTMLButtonElement>('stop'),
  reset: $<HTMLButtonElement>('reset'),
  save: $<HTMLButtonElement>('save'),
  loadFile: $<HTMLInputElement>('load-file'),
  share: $<HTMLButtonElement>('share'),
  modelStatus: $<HTMLParagraphElement>('model-status'),
  state: $<HTMLElement>('state'),
  step: $<HTMLElement>('step'),
  sps: $<HTMLElement>('sps'),
  spsSteps: $<HTMLElement>('sps-steps'),
  trainLl: $<HTMLElement>('train-ll'),
  valLl: $<HTMLElement>('val-ll'),
  bestLl: $<HTMLElement>('best-ll'),
  message: $<HTMLParagraphElement>('message'),
  heatmap: $<HTMLCanvasElement>('heatmap'),
  hover: $<HTMLParagraphElement>('hover'),
  samples: $<HTMLCanvasElement>('samples'),
  curves: $<HTMLCanvasElement>('curves'),
  showLayers: $<HTMLInputElement>('show-layers'),
  layers: $<HTMLDivElement>('layers'),
};

const LEARNING_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2];
const BATCH_SIZES = [32, 64, 128, 256, 512, 1024];

// ---- Menus ----------------------------------------------------------------------------------

const option = (value: string, label: string): HTMLOptionElement => {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
};

for (const d of DATASETS) els.dataset.append(option(d, DATASET_LABELS[d]));
els.dataset.append(option('draw', 'Draw your own points'));
const families = new Map<string, HTMLOptGroupElement>();
for (const p of PRESETS) {
  const info = PRESET_INFO[p];
  let g = families.get(info.family);
  if (g === undefined) {
    g = document.createElement('optgroup');
    g.label = info.family;
    families.set(info.family, g);
    els.preset.append(g);
  }
  g.append(option(p, info.label));
}
const webglAvailable = (() => {
  try {
    const c = new OffscreenCanvas(1, 1);
    return (c.getContext('webgl2') ?? c.getContext('webgl')) !== null;
  } catch {
    return false;
  }
})();
for (const b of BACKENDS) {
  const label =
    b === 'wasm'
      ? 'WebAssembly (wasm)'
      : b === 'cpu'
        ? 'JavaScript (cpu)'
        : `WebGL${webglAvailable ? '' : ' (not available here)'}`;
  const o = option(b, label);
  o.disabled = b === 'webgl' && !webglAvailable;
  els.backend.append(o);
}
for (const lr of LEARNING_RATES) els.lr.append(option(String(lr), String(lr)));
for (const b of BATCH_SIZES) els.batch.append(option(String(b), String(b)));

// ---- State ----------------------------------------------------------------------------------

let settings: PageSettings = fromHash(location.hash);
if (settings.backend === 'webgl' && !webglAvailable) settings = { ...settings, backend: 'wasm' };
let drawn: number[] = [...settings.drawn];
let data: Float32Array = new Float32Array(0);
let curve: CurvePoint[] = [];
let lastView: Extract<FromWorker, { type: 'view' }> | undefined;
let heatFrame: Frame | undefined;
let samplesFrame: Frame | undefined;
let runState = 'idle';
let worker: Worker | undefined;
let queryId = 0;
let pendingSave: ((m: Extract<FromWorker, { type: 'saved' }>) => void) | undefined;

const fmt = (v: number | undefined, digits = 3): string =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);

const flowSettings = (): FlowSettings => ({
  preset: settings.preset,
  transforms: settings.transforms,
  hidden: settings.hidden,
  bins: settings.bins,
});

/** Write the settings into the controls. */
const showSettings = (): void => {
  els.dataset.value = settings.dataset;
  els.seed.value = String(settings.seed);
  els.points.value = String(settings.points);
  els.preset.value = settings.preset;
  els.transforms.value = String(settings.transforms);
  els.hidden.value = String(settings.hidden);
  els.bins.value = String(settings.bins);
  els.backend.value = settings.backend;
  els.lr.value = String(
    LEARNING_RATES.reduce((a, b) =>
      Math.abs(Math.log(b / settings.learningRate)) < Math.abs(Math.log(a / settings.learningRate))
        ? b
        : a,
    ),
  );
  els.batch.value = String(settings.batchSize);
  els.maxSteps.value = String(settings.maxSteps);
  const info = PRESET_INFO[settings.preset];
  els.presetBlurb.textContent = info.blurb;
  els.binsField.hidden = !info.spline;
  els.transformsLabel.textContent =
    settings.preset === 'flowMatching' ? 'ODE steps (RK4)' : 'Transforms';
  const drawing = settings.dataset === 'draw';
  els.drawTools.hidden = !drawing;
  els.seed.disabled = false;
  els.points.disabled = drawing;
  els.drawnCount.textContent = `${drawn.length / 2} points drawn`;
  history.replaceState(null, '', toHash({ ...settings, drawn }));
};

/** The training data: generated from the seed, or the drawn points, each jittered into a small cloud. */
const makeData = (): Float32Array => {
  if (settings.dataset !== 'draw')
    return generate(settings.dataset, settings.points, settings.seed);
  const n = drawn.length / 2;
  if (n === 0) return new Float32Array(0);
  return jitter(Float32Array.from(drawn), Math.max(2, Math.ceil(2000 / n)), 0.12, settings.seed);
};

const send = (m: ToWorker, transfer: Transferable[] = []): void => worker?.postMessage(m, transfer);

const liveOptions = (): void =>
  send({
    type: 'options',
    options: {
      learningRate: settings.learningRate,
      batchSize: settings.batchSize,
      maxSteps: settings.maxSteps,
      layers: els.showLayers.checked,
    },
  });

const showMessage = (text: string | undefined): void => {
  els.message.hidden = text === undefined;
  els.message.textContent = text ?? '';
};

/** Rebuild the model in the worker (from scratch, or from a loaded file). */
const setup = (model?: SavedFile['model']): void => {
  data = makeData();
  curve = [];
  lastView = undefined;
  drawCurves(els.curves, curve);
  drawSamples();
  if (data.length < 2 * 10) {
    runState = 'idle';
    showMessage(
      settings.dataset === 'draw'
        ? 'Draw a few points on the Samples & data plot first (at least 3).'
        : 'Not enough data.',
    );
    updateButtons();
    return;
  }
  showMessage(undefined);
  liveOptions();
  const copy = data.slice();
  send(
    {
      type: 'setup',
      settings: flowSettings(),
      data: copy,
      seed: settings.seed,
      ...(model === undefined ? {} : { model }),
    },
    [copy.buffer, ...(model === undefined ? [] : [model.weights])],
  );
};

const startWorker = (): void => {
  worker?.terminate();
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => onWorker(ev.data);
  worker.onerror = (ev) => showMessage(`The training worker failed: ${ev.message}`);
  els.backendStatus.textContent = `loading ${settings.backend}…`;
  send({
    type: 'backend',
    backend: settings.backend,
    wasmPaths: new URL('tfjs/', document.baseURI).href,
  });
};

// ---- Views ----------------------------------------------------------------------------------

const DATA_COLOR = 'rgba(75, 85, 99, 0.45)';
const SAMPLE_COLOR = 'rgba(234, 88, 12, 0.75)';

function drawSamples(): void {
  const clouds: Cloud[] = [{ points: data, color: DATA_COLOR, radius: 1.2 }];
  if (lastView !== undefined)
    clouds.push({ points: lastView.samples, color: SAMPLE_COLOR, radius: 1.4 });
  if (settings.dataset === 'draw')
    clouds.push({ points: Float32Array.from(drawn), color: '#111827', radius: 2.2 });
  samplesFrame = drawScatter(els.samples, clouds);
  if (drawCursor !== undefined && samplesFrame !== undefined) {
    const ctx = els.samples.getContext('2d');
    if (ctx !== null) {
      const [px, py] = samplesFrame.toPx(drawCursor[0], drawCursor[1]);
      ctx.strokeStyle = '#2563eb';
      ctx.lineWidth = 1.5;
      ctx.strokeRect(px - 5, py - 5, 10, 10);
    }
  }
}

const LAYER_COLORS = (i: number, n: number): string =>
  `hsl(${Math.round((i / n) * 330)}, 75%, 45%)`;

const drawLayers = (): void => {
  const layers = lastView?.layers;
  els.layers.hidden = !els.showLayers.checked;
  if (!els.showLayers.checked) return;
  if (layers === undefined) {
    els.layers.textContent = 'computing…';
    return;
  }
  // Colour each point by its angle around the data's mean, so one can follow it through the layers.
  const first = layers[0]!.points;
  const n = first.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += first[2 * i]! / n;
    my += first[2 * i + 1]! / n;
  }
  const hues = new Array<number>(n);
  for (let i = 0; i < n; i++) hues[i] = Math.atan2(first[2 * i + 1]! - my, first[2 * i]! - mx);
  if (els.layers.childElementCount !== layers.length) {
    els.layers.textContent = '';
    for (const l of layers) {
      const fig = document.createElement('figure');
      const c = document.createElement('canvas');
      c.setAttribute('role', 'img');
      const cap = document.createElement('figcaption');
      fig.append(c, cap);
      els.layers.append(fig);
      void l;
    }
  }
  layers.forEach((l, k) => {
    const fig = els.layers.children[k] as HTMLElement;
    const c = fig.querySelector('canvas')!;
    fig.querySelector('figcaption')!.textContent = l.label;
    c.setAttribute('aria-label', `points ${l.label}`);
    const groups = 8;
    const clouds = Array.from({ length: groups }, (_, g) => {
      const pts: number[] = [];
      for (let i = 0; i < n; i++) {
        const bucket = Math.min(
          groups - 1,
          Math.floor(((hues[i]! + Math.PI) / (2 * Math.PI)) * groups),
        );
        if (bucket === g) pts.push(l.points[2 * i]!, l.points[2 * i + 1]!);
      }
      return { points: Float32Array.from(pts), color: LAYER_COLORS(g, groups), radius: 1.3 };
    });
    drawScatter(c, clouds, { axes: false, unitCircles: k === layers.length - 1 });
  });
};

/** Where log p was last read (a ring on the heat map), until the pointer leaves. */
let marker: [number, number] | undefined;

function drawHeat(): void {
  if (lastView === undefined) return;
  heatFrame = drawHeatmap(els.heatmap, lastView.grid, lastView.gridSize);
  els.heatmap.dataset['left'] = String(heatFrame.left);
  els.heatmap.dataset['top'] = String(heatFrame.top);
  els.heatmap.dataset['size'] = String(heatFrame.size);
  const ctx = els.heatmap.getContext('2d');
  if (marker === undefined || ctx === null) return;
  const [px, py] = heatFrame.toPx(marker[0], marker[1]);
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#ffffff';
  ctx.beginPath();
  ctx.arc(px, py, 5, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#111827';
  ctx.beginPath();
  ctx.arc(px, py, 6.5, 0, 2 * Math.PI);
  ctx.stroke();
}

const drawAll = (): void => {
  drawHeat();
  drawSamples();
  drawCurves(els.curves, curve);
  drawLayers();
};

// ---- Worker messages ------------------------------------------------------------------------

const STATE_LABELS: Readonly<Record<string, string>> = {
  idle: 'ready',
  running: 'training',
  paused: 'paused',
  stopped: 'stopped',
  finished: 'finished',
  diverged: 'diverged',
};

function updateButtons(): void {
  const running = runState === 'running';
  const hasModel = lastView !== undefined;
  els.train.disabled = running || !hasModel;
  els.train.textContent = running
    ? 'Training…'
    : runState === 'paused'
      ? 'Resume'
      : runState === 'idle'
        ? 'Train'
        : 'Continue';
  els.pause.disabled = !running;
  els.stop.disabled = !(running || runState === 'paused');
  els.save.disabled = !hasModel;
  els.state.textContent = STATE_LABELS[runState] ?? runState;
  document.body.dataset['state'] = runState;
}

function onWorker(m: FromWorker): void {
  switch (m.type) {
    case 'backend': {
      const d = m.details;
      const facts =
        m.backend === 'wasm'
          ? [
              `build: ${String(d['flavour'] ?? '?')}`,
              `SIMD: ${d['simd'] === true ? 'yes' : 'no'}`,
              `threads: ${
                d['threads'] === true
                  ? `yes (pool of ${String(d['threadsCount'])})`
                  : d['crossOriginIsolated'] === true
                    ? 'no'
                    : 'no (the page is not cross-origin isolated)'
              }`,
              `exact-trace kernel: ${d['fieldTraceKernel'] === true ? 'yes' : 'no'}`,
            ]
          : m.backend === 'webgl'
            ? [
                `WebGL ${String(d['webglVersion'] ?? '?')}`,
                d['float32Textures'] === true ? 'float32' : 'float16',
              ]
            : ['plain JavaScript'];
      els.backendStatus.textContent = m.ok
        ? `Loaded ${m.backend}: ${facts.join(', ')}.`
        : `Could not load ${m.backend}: ${m.error ?? 'unknown error'}. Running on ${String(d['active'])}.`;
      els.backendStatus.dataset['backend'] = m.ok ? m.backend : String(d['active']);
      document.body.dataset['backend'] = m.ok ? m.backend : String(d['active']);
      setup();
      return;
    }
    case 'ready':
      runState = 'idle';
      els.paramCount.textContent = `${m.parameters.toLocaleString('en')} parameters`;
      if (m.loaded) {
        settings = { ...settings, ...m.settings };
        showSettings();
        els.modelStatus.textContent = `Loaded a ${PRESET_INFO[m.settings.preset].label} model.`;
      }
      updateButtons();
      return;
    case 'progress':
      runState = m.state;
      els.step.textContent = String(m.step);
      if (m.stepsPerSecond > 0) els.sps.textContent = m.stepsPerSecond.toFixed(0);
      els.sps.dataset['value'] = String(m.stepsPerSecond);
      els.spsSteps.textContent =
        m.stepOnlyPerSecond > 0 ? ` (steps alone: ${m.stepOnlyPerSecond.toFixed(0)})` : '';
      els.spsSteps.dataset['value'] = String(m.stepOnlyPerSecond);
      if (m.message !== undefined)
        showMessage(m.state === 'diverged' ? `Training diverged: ${m.message}` : m.message);
      updateButtons();
      return;
    case 'view':
      lastView = m;
      if (curve.length === 0 || curve[curve.length - 1]!.step < m.curve.step) curve.push(m.curve);
      else curve[curve.length - 1] = m.curve;
      els.trainLl.textContent = fmt(m.curve.train);
      els.valLl.textContent = fmt(m.curve.val);
      els.valLl.dataset['value'] = String(m.curve.val);
      els.valLl.dataset['step'] = String(m.step);
      els.bestLl.textContent = fmt(m.bestVal);
      els.step.textContent = String(m.step);
      drawAll();
      updateButtons();
      return;
    case 'logp':
      if (m.id === queryId) {
        els.hover.textContent = `log p(x) at (${m.x.toFixed(2)}, ${m.y.toFixed(2)}) = ${m.value.toFixed(4)}`;
        marker = [m.x, m.y];
        drawHeat();
      }
      els.hover.dataset['value'] = String(m.value);
      return;
    case 'saved':
      pendingSave?.(m);
      pendingSave = undefined;
      return;
    case 'error':
      showMessage(m.message);
      return;
  }
}

// ---- Controls -------------------------------------------------------------------------------

const num = (input: HTMLInputElement, lo: number, hi: number, fallback: number): number => {
  const v = Math.round(Number(input.value));
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : fallback;
};

const rebuild = (): void => {
  showSettings();
  setup();
};

els.dataset.addEventListener('change', () => {
  const v = els.dataset.value;
  settings = {
    ...settings,
    dataset: v === 'draw' ? 'draw' : (DATASETS.find((d) => d === v) ?? 'moons'),
  };
  rebuild();
});
els.seed.addEventListener('change', () => {
  settings = { ...settings, seed: num(els.seed, 0, 2 ** 31 - 1, 0) };
  rebuild();
});
els.points.addEventListener('change', () => {
  settings = { ...settings, points: num(els.points, 100, 50_000, DEFAULTS.points) };
  rebuild();
});
els.preset.addEventListener('change', () => {
  const p = els.preset.value;
  if (isPresetName(p)) settings = { ...settings, ...defaultSettings(p) };
  rebuild();
});
for (const [input, key, lo, hi] of [
  [els.transforms, 'transforms', 1, 32],
  [els.hidden, 'hidden', 2, 512],
  [els.bins, 'bins', 2, 64],
] as const)
  input.addEventListener('change', () => {
    settings = { ...settings, [key]: num(input, lo, hi, settings[key]) };
    rebuild();
  });
els.backend.addEventListener('change', () => {
  const b = els.backend.value;
  settings = { ...settings, backend: (BACKENDS.find((x) => x === b) ?? 'wasm') as BackendName };
  showSettings();
  lastView = undefined;
  runState = 'idle';
  updateButtons();
  startWorker();
});
els.lr.addEventListener('change', () => {
  settings = { ...settings, learningRate: Number(els.lr.value) };
  showSettings();
  liveOptions();
});
els.batch.addEventListener('change', () => {
  settings = { ...settings, batchSize: Number(els.batch.value) };
  showSettings();
  liveOptions();
});
els.maxSteps.addEventListener('change', () => {
  settings = { ...settings, maxSteps: num(els.maxSteps, 0, 10_000_000, 0) };
  showSettings();
  liveOptions();
});
els.showLayers.addEventListener('change', () => {
  liveOptions();
  drawLayers();
  send({ type: 'refresh' });
});

els.train.addEventListener('click', () => {
  showMessage(undefined);
  send({ type: 'run' });
});
els.pause.addEventListener('click', () => send({ type: 'pause' }));
els.stop.addEventListener('click', () => send({ type: 'stop' }));
els.reset.addEventListener('click', () => setup());

/** The point an arrow key moves `from` to (0.1 per press, 0.5 with Shift), kept inside the square; else undefined. */
const arrowMove = (ev: KeyboardEvent, from: [number, number]): [number, number] | undefined => {
  const d = ev.shiftKey ? 0.5 : 0.1;
  const step: [number, number] | undefined =
    ev.key === 'ArrowLeft'
      ? [-d, 0]
      : ev.key === 'ArrowRight'
        ? [d, 0]
        : ev.key === 'ArrowUp'
          ? [0, d]
          : ev.key === 'ArrowDown'
            ? [0, -d]
            : undefined;
  if (step === undefined) return undefined;
  const clamp = (v: number) => Math.max(-BOUND, Math.min(BOUND, v));
  return [clamp(from[0] + step[0]), clamp(from[1] + step[1])];
};

// Drawing points on the samples plot (mouse, touch and keyboard).
let drawCursor: [number, number] | undefined;
let painting = false;
const addPoint = (x: number, y: number): void => {
  if (Math.abs(x) > BOUND || Math.abs(y) > BOUND) return;
  drawn.push(Number(x.toFixed(2)), Number(y.toFixed(2)));
  els.drawnCount.textContent = `${drawn.length / 2} points drawn`;
};
const pointerToData = (ev: PointerEvent, canvas: HTMLCanvasElement, f: Frame | undefined) => {
  if (f === undefined) return undefined;
  const r = canvas.getBoundingClientRect();
  return f.toData(ev.clientX - r.left, ev.clientY - r.top);
};
let lastPaint = 0;
els.samples.addEventListener('pointerdown', (ev) => {
  if (settings.dataset !== 'draw') return;
  painting = true;
  els.samples.setPointerCapture(ev.pointerId);
  const p = pointerToData(ev, els.samples, samplesFrame);
  if (p !== undefined) addPoint(p[0], p[1]);
  drawSamples();
});
els.samples.addEventListener('pointermove', (ev) => {
  if (!painting) return;
  const now = performance.now();
  if (now - lastPaint < 25) return;
  lastPaint = now;
  const p = pointerToData(ev, els.samples, samplesFrame);
  if (p !== undefined) addPoint(p[0], p[1]);
  drawSamples();
});
const endPaint = (): void => {
  if (!painting) return;
  painting = false;
  showSettings();
  setup();
};
els.samples.addEventListener('pointerup', endPaint);
els.samples.addEventListener('pointercancel', endPaint);
els.samples.addEventListener('keydown', (ev) => {
  if (settings.dataset !== 'draw') return;
  const c = drawCursor ?? [0, 0];
  const moved = arrowMove(ev, c);
  if (moved !== undefined) {
    ev.preventDefault();
    drawCursor = moved;
    drawSamples();
  } else if (ev.key === ' ' || ev.key === 'Enter') {
    ev.preventDefault();
    drawCursor = c;
    addPoint(c[0], c[1]);
    showSettings();
    setup();
  }
});
els.clearDrawing.addEventListener('click', () => {
  drawn = [];
  showSettings();
  setup();
});

// Hover (and keyboard) read-out of log p(x) on the heat map.
let hoverAt: [number, number] = [0, 0];
const query = (x: number, y: number): void => {
  hoverAt = [x, y];
  queryId += 1;
  send({ type: 'query', id: queryId, x, y });
};
els.heatmap.addEventListener('pointermove', (ev) => {
  const p = pointerToData(ev, els.heatmap, heatFrame);
  if (p === undefined || Math.abs(p[0]) > BOUND || Math.abs(p[1]) > BOUND) return;
  query(p[0], p[1]);
});
els.heatmap.addEventListener('pointerleave', () => {
  marker = undefined;
  drawHeat();
});
els.heatmap.addEventListener('keydown', (ev) => {
  const moved = arrowMove(ev, hoverAt);
  if (moved === undefined) return;
  ev.preventDefault();
  query(moved[0], moved[1]);
});

// Save, load and share.
els.save.addEventListener('click', () => {
  pendingSave = (m) => {
    const file = savedFile({ ...settings, drawn }, m.model);
    const blob = new Blob([JSON.stringify(file)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `bijective-${settings.preset}-${settings.dataset}-step${els.step.textContent ?? '0'}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    els.modelStatus.textContent = `Saved ${a.download}.`;
  };
  send({ type: 'save' });
});
const loadModelFile = async (): Promise<void> => {
  const f = els.loadFile.files?.[0];
  if (f === undefined) return;
  els.loadFile.value = '';
  const parsed = parseSavedFile(await f.text());
  if (typeof parsed === 'string') {
    els.modelStatus.textContent = `Could not load ${f.name}: ${parsed}`;
    return;
  }
  settings = { ...settings, ...parsed.page };
  drawn = [...parsed.page.drawn];
  showSettings();
  setup(parsed.model);
};
els.loadFile.addEventListener('change', () => void loadModelFile());
const shareLink = async (): Promise<void> => {
  const url = location.href.split('#')[0] + toHash({ ...settings, drawn });
  try {
    await navigator.clipboard.writeText(url);
    els.modelStatus.textContent = 'Link copied: it opens this page with these settings.';
  } catch {
    els.modelStatus.textContent = `Share this link: ${url}`;
  }
};
els.share.addEventListener('click', () => void shareLink());

// A pasted link with other settings (same page, new fragment) starts over with them.
window.addEventListener('hashchange', () => location.reload());

let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(drawAll, 100);
});

showSettings();
updateButtons();
drawCurves(els.curves, curve);
startWorker();
