import * as E from 'fp-ts/lib/Either.js';
import {
  DivergedError,
  type FlowDef,
  type Params,
  countParams,
  disposeParams,
  tf,
} from '@bijective/core';
import type { BenchOptions } from './args.js';
import { type Matrix, type Splits, loadSplits } from './data.js';
import type { FlowEntry } from './flows.js';
import type {
  DistillModel,
  DistillTraining,
  MeanWithError,
  Picture,
  SpeedRow,
  SpeedupRow,
} from './model.js';
import { panelsSvg } from './pictures.js';
import {
  type QualityHooks,
  SAMPLES_2D,
  densityPanel,
  drawSamples,
  perExampleLogProb,
  pointsPanel,
  protocolSize,
  trainProtocol,
  windowOf,
} from './quality.js';
import { mean, median, standardError } from './stats.js';
import { errorText } from './format.js';

/**
 * `@bijective/autoregressive`'s `distill(teacher, teacherParams, student, options)`, typed by the
 * package and imported at run time (so the app runs, and says why, without that package).
 */
export type Distill = typeof import('@bijective/autoregressive').distill;

/** The student's test log-likelihood must be at least the teacher's minus this many nats. */
export const DISTILL_TOLERANCE = 0.1;
/** IAF must sample at least this many times faster than MAF at dim 64. */
export const SPEEDUP_THRESHOLD = 20;
/** The dimension the speed-up criterion applies to (the digits size of RESULTS.md). */
export const SPEEDUP_DIM = 64;
/** The teacher and student presets. */
export const TEACHER_ID = 'autoregressive/maf';
/** The student preset: an IAF, whose sampling and own density of its draws are one pass per layer. */
export const STUDENT_ID = 'autoregressive/iaf';

/** Adam's step size, cosine-annealed from the first value to the second over the steps. */
const LEARNING_RATE = 1e-3;
const FINAL_LEARNING_RATE = 1e-5;
/** Student draws per step (the reverse-KL estimate) and teacher draws per step (the forward-KL term). */
const BATCH = 256;
const TEACHER_BATCH = 256;
/** Held-out teacher draws scored every {@link VALIDATE_EVERY} steps; the best step's parameters are kept. */
const VALIDATION_SAMPLES = 5000;
const VALIDATE_EVERY = 250;
// The student's loss is `(1 − α)·KL(q‖p) + α·KL(p‖q)` with α = `--forward-weight` (default 1: the
// forward KL alone, i.e. maximum likelihood on a stream of fresh teacher draws; the reverse KL is
// still estimated and reported). The criterion is a test log-likelihood, `E_data[log q]`, which on
// teacher-like data is `E[log p] − KL(p‖q)`: the forward KL is what it measures. Reverse KL alone
// (α = 0, the published objective) is mode-seeking: on moons the student drops a moon (KL ≈ log 2).
// Student draws that land in the teacher's far tails score log p ≈ −1e8 early on (a MAF's
// soft-clamped scales make its density fall off very steeply outside the data); clipping the
// gradient norm keeps those steps from wrecking the student.
const CLIP_GRAD_NORM = 1;
const KL_WINDOW = 50;

/**
 * Import `distill` from `@bijective/autoregressive` by name, so a broken
 * package is a reported failure rather than a crash of the whole app.
 *
 * @example
 * ```ts
 * const d = await loadDistill();
 * if (typeof d === 'string') console.error(d); // why it is missing
 * ```
 */
export const loadDistill = (): Promise<Distill | string> =>
  import('@bijective/autoregressive').then(
    (m) => m.distill,
    (e: unknown) => `cannot import @bijective/autoregressive: ${errorText(e)}`,
  );

/**
 * Mean and standard error `s/√n` of a sample.
 *
 * @example
 * ```ts
 * meanWithError([1, 2, 3, 4]); // { mean: 2.5, stdErr: 0.6455, n: 4 }
 * ```
 */
export const meanWithError = (xs: readonly number[]): MeanWithError => ({
  mean: mean(xs),
  stdErr: standardError(xs),
  n: xs.length,
});

/**
 * A per-step history averaged over consecutive windows of `window` steps
 * (the last window may be shorter); `step` is the window's last step (1-based).
 *
 * @example
 * ```ts
 * windowedCurve([4, 2, 3, 1, 5], 2); // [{ step: 2, kl: 3 }, { step: 4, kl: 2 }, { step: 5, kl: 5 }]
 * ```
 */
export const windowedCurve = (
  history: readonly number[],
  window: number,
): { step: number; kl: number }[] => {
  const out: { step: number; kl: number }[] = [];
  for (let start = 0; start < history.length; start += window) {
    const w = history.slice(start, start + window);
    out.push({ step: start + w.length, kl: mean(w) });
  }
  return out;
};

/**
 * Pair the `sample` cells of the MAF teacher and IAF student by size and
 * backend: samples/s of each, the speed-up `iaf / maf`, and, at dim 64,
 * whether it reaches `threshold` (the 20×).
 *
 * @example
 * ```ts
 * const rows = speedups(report.speed.rows); // one row per dim and backend
 * rows.filter((r) => r.dim === 64).every((r) => r.pass); // the criterion
 * ```
 */
export const speedups = (
  rows: readonly SpeedRow[],
  threshold = SPEEDUP_THRESHOLD,
): SpeedupRow[] => {
  const samples = rows.filter((r) => r.op === 'sample');
  const keys = samples
    .filter((r) => r.flow === TEACHER_ID)
    .map((r) => ({ dim: r.dim, backend: r.backend, hidden: r.hidden, transforms: r.transforms }));
  return keys.map(({ dim, backend, hidden, transforms }) => {
    const find = (flow: string) =>
      samples.find(
        (r) =>
          r.flow === flow &&
          r.dim === dim &&
          r.backend === backend &&
          r.hidden.join(',') === hidden.join(',') &&
          r.transforms === transforms,
      );
    const maf = find(TEACHER_ID);
    const iaf = find(STUDENT_ID);
    const rate = (r: SpeedRow | undefined) => (r?.status === 'ok' ? r.samplesPerSecond : undefined);
    const m = rate(maf);
    const i = rate(iaf);
    const ratio = m !== undefined && i !== undefined && m > 0 ? i / m : undefined;
    const reason = [maf, iaf]
      .filter((r) => r !== undefined && r.status !== 'ok')
      .map((r) => `${r!.flow} ${r!.status}: ${r!.reason ?? ''}`)
      .join('; ');
    return {
      dim,
      hidden: [...hidden],
      transforms,
      batch: maf?.batch ?? iaf?.batch ?? 0,
      backend,
      mafSamplesPerSecond: m,
      iafSamplesPerSecond: i,
      ratio,
      ...(dim === SPEEDUP_DIM ? { pass: ratio !== undefined && ratio >= threshold } : {}),
      ...(reason === '' ? {} : { reason }),
    };
  });
};

const asMatrix = (values: Float32Array, cols: number): Matrix => ({
  rows: values.length / cols,
  cols,
  values,
});

/** Student draws and their own log-density `log q(x)` in one inverse pass, read back to the host. */
const sampleWithLogProb = (
  def: FlowDef<Params>,
  params: Params,
  n: number,
  seed: number,
): { x: Float32Array; logProb: Float32Array } => {
  const r = tf.tidy(() => {
    const s = def.apply(params).sampleAndLogProb(n, seed);
    return [s.x, s.logProb] as const;
  });
  const x = Float32Array.from(r[0].dataSync());
  const logProb = Float32Array.from(r[1].dataSync());
  tf.dispose([...r]);
  return { x, logProb };
};

const modelRow = (
  entry: FlowEntry,
  params: Params,
  size: { hidden: readonly number[]; transforms: number },
  ll: readonly number[],
  run: { wallSeconds: number; steps: number; epochs?: number; stoppedBy: string },
): DistillModel => ({
  flow: entry.id,
  params: countParams(params),
  hidden: [...size.hidden],
  transforms: size.transforms,
  testLL: mean(ll),
  testLLStdErr: standardError(ll),
  testMedian: median(ll),
  ...run,
});

/** What {@link runDistillTraining} needs besides the options. */
export interface DistillSetup {
  readonly teacher: FlowEntry;
  readonly student: FlowEntry;
  readonly distill: Distill;
  /** Name of the (already active) backend both trainings run on. */
  readonly backend: string;
  readonly hooks: QualityHooks;
  /** The data splits (default: the bundled moons). */
  readonly splits?: Splits;
}

/**
 * The training half of the distill mode, on the active backend:
 *
 * 1. train a MAF teacher (Papamakarios et al., 2017) on moons under the
 *    quality protocol ({@link trainProtocol}) and score its test average
 *    log-likelihood ± s.e.;
 * 2. distil an IAF student (Kingma et al., 2016) of the same size with
 *    autoregressive's `distill` — probability density distillation (van den
 *    Oord et al., 2018) — on `(1 − α)·KL(q‖p) + α·KL(p‖q)`, α =
 *    `--forward-weight` (default 1): `KL(p‖q) = E_{x~p}[log p(x) − log q(x)]` from 256
 *    fresh teacher draws per step scored by the student (and
 *    `KL(q‖p) = E_{x~q}[log q(x) − log p(x)]` from 256 reparameterised
 *    student draws scored by the teacher, recorded), Adam 1e-3 cosine-annealed
 *    to 1e-5, gradient norm clipped at 1, for `--distill-steps` steps (or
 *    `--budget-seconds`), keeping the parameters with the lowest forward KL
 *    on 5,000 held-out teacher draws (scored every 250 steps); the student
 *    never sees the data set;
 * 3. score the student's own density on the same test set (its forward
 *    direction: `dim` sequential passes per layer), the gap student − teacher
 *    with the standard error (and median) of the paired per-example differences, PASS if
 *    the mean `gap ≥ −0.1` nats; and the cross terms `E_{x~q} log p(x)`,
 *    `E_{x~p} log p(x)` and both KL estimates on 5,000 fresh draws each;
 * 4. draw the pictures: test data, teacher density and samples, student samples and density.
 *
 * Never throws: a failure is a `failed` result with the reason. Frees every parameter.
 *
 * @example
 * ```ts
 * const { training, pictures } = await runDistillTraining(options, { teacher, student, distill, backend: 'wasm', hooks });
 * training.pass; // student within 0.1 nats of the teacher
 * ```
 */
export const runDistillTraining = async (
  options: BenchOptions,
  setup: DistillSetup,
): Promise<{ training: DistillTraining; pictures: Picture[] }> => {
  const { teacher, student, hooks, backend } = setup;
  const base = { dataset: 'moons' as const, backend, tolerance: DISTILL_TOLERANCE };
  const fail = (reason: string, extra: Partial<DistillTraining> = {}) => {
    hooks.status(`[distill] failed: ${reason}`, true);
    return { training: { ...base, ...extra, status: 'failed' as const, reason }, pictures: [] };
  };
  let splits: Splits;
  try {
    splits = setup.splits ?? (await loadSplits('moons'));
  } catch (e) {
    return fail(`data: ${errorText(e)}`);
  }
  const size = protocolSize('moons', teacher, options);
  let teacherDef: FlowDef<Params>;
  let studentDef: FlowDef<Params>;
  try {
    teacherDef = teacher.build(size);
    studentDef = student.build(size);
  } catch (e) {
    return fail(`build: ${errorText(e)}`);
  }

  // 1. The teacher, under the quality protocol.
  const t0 = performance.now();
  const label = `[distill] teacher ${teacher.id}`;
  const trained = await trainProtocol(
    teacher,
    teacherDef,
    splits,
    options,
    undefined,
    hooks,
    label,
  );
  if (E.isLeft(trained)) return fail(`teacher: ${trained.left}`);
  const tp = trained.right.params;
  let sp: Params | undefined;
  try {
    hooks.status('[distill] scoring the teacher on the test split');
    const teacherLL = Array.from(perExampleLogProb(teacherDef, tp, splits.test));
    const teacherRow = modelRow(teacher, tp, size, teacherLL, {
      wallSeconds: (performance.now() - t0) / 1000,
      steps: trained.right.steps,
      ...(trained.right.epochs === undefined ? {} : { epochs: trained.right.epochs }),
      stoppedBy: trained.right.stoppedBy,
    });
    hooks.status(
      `[distill] teacher test LL ${teacherRow.testLL.toFixed(3)} ± ${teacherRow.testLLStdErr.toFixed(3)} (${teacherRow.steps} steps, ${teacherRow.stoppedBy})`,
      true,
    );

    // 2. The student, by reverse KL plus λ × forward KL against the teacher.
    const s0 = performance.now();
    const budget = options.budgetSeconds;
    let overBudget = false;
    const r = await setup.distill(teacherDef, tp, studentDef, {
      steps: options.distillSteps,
      batchSize: BATCH,
      teacherBatchSize: TEACHER_BATCH,
      forwardWeight: options.forwardWeight,
      learningRate: LEARNING_RATE,
      finalLearningRate: FINAL_LEARNING_RATE,
      validation: { samples: VALIDATION_SAMPLES, every: VALIDATE_EVERY },
      clipGradNorm: CLIP_GRAD_NORM,
      seed: options.seed + 1,
      progressEvery: KL_WINDOW,
      onProgress: ({ step, kl, forwardKL }) => {
        const elapsed = (performance.now() - s0) / 1000;
        hooks.status(
          `[distill] student ${student.id}: step ${step}/${options.distillSteps}, KL(q‖p) ${kl.toFixed(4)}, KL(p‖q) ${forwardKL?.toFixed(4) ?? '–'}, ${elapsed.toFixed(0)} s`,
        );
        overBudget = budget !== undefined && elapsed > budget;
        return overBudget ? 'stop' : undefined;
      },
    });
    const studentSeconds = (performance.now() - s0) / 1000;
    if (E.isLeft(r)) {
      const e = r.left;
      if (e instanceof DivergedError) disposeParams(e.lastGoodParams);
      return fail(`student: ${e.kind}: ${e.message}`, { teacher: teacherRow });
    }
    sp = r.right.params;
    const history = r.right.history;
    const forwardCurve = windowedCurve(r.right.forwardHistory, KL_WINDOW);

    // 3. The student's own density on the test set, the gap, the cross terms.
    hooks.status('[distill] scoring the student on the test split (sequential forward pass)');
    const studentLL = Array.from(perExampleLogProb(studentDef, sp, splits.test));
    const studentRow = {
      ...modelRow(student, sp, size, studentLL, {
        wallSeconds: studentSeconds,
        steps: r.right.steps,
        stoppedBy: overBudget && r.right.steps < options.distillSteps ? 'budget' : 'steps',
      }),
      klTail: history.slice(-5),
      forwardKlTail: r.right.forwardHistory.slice(-5),
      klCurve: windowedCurve(history, KL_WINDOW).map((c, i) => {
        const f = forwardCurve[i];
        return f === undefined ? c : { ...c, forwardKl: f.kl };
      }),
      klWindow: KL_WINDOW,
      learningRate: LEARNING_RATE,
      batchSize: BATCH,
      teacherBatchSize: TEACHER_BATCH,
      forwardWeight: options.forwardWeight,
      finalLearningRate: FINAL_LEARNING_RATE,
      clipGradNorm: CLIP_GRAD_NORM,
      validationSamples: VALIDATION_SAMPLES,
      validation: r.right.validation,
      bestStep: r.right.bestStep,
    };
    const diffs = studentLL.map((v, i) => v - teacherLL[i]!);
    const gap = meanWithError(diffs);

    hooks.status('[distill] cross terms on fresh draws');
    const seed = options.seed + 2;
    const teacherDraws = drawSamples(teacherDef, tp, SAMPLES_2D, seed);
    const studentDraws = sampleWithLogProb(studentDef, sp, SAMPLES_2D, seed + 1);
    const onTeacher = Array.from(perExampleLogProb(teacherDef, tp, asMatrix(teacherDraws, 2)));
    const onStudent = Array.from(perExampleLogProb(teacherDef, tp, asMatrix(studentDraws.x, 2)));
    const kl = Array.from(studentDraws.logProb, (lq, i) => lq - onStudent[i]!);
    // The student's density of the teacher's draws: its sequential direction, cheap at dim 2.
    const studentOnTeacher = perExampleLogProb(studentDef, sp, asMatrix(teacherDraws, 2));
    const forwardKl = onTeacher.map((lp, i) => lp - studentOnTeacher[i]!);

    const training: DistillTraining = {
      ...base,
      status: 'ok',
      teacher: teacherRow,
      student: studentRow,
      gap,
      gapMedian: median(diffs),
      pass: gap.mean >= -DISTILL_TOLERANCE,
      teacherLLOnStudentSamples: meanWithError(onStudent),
      teacherLLOnTeacherSamples: meanWithError(onTeacher),
      klEstimate: meanWithError(kl),
      forwardKlEstimate: meanWithError(forwardKl),
      klMedian: median(kl),
      forwardKlMedian: median(forwardKl),
    };
    hooks.status(
      `[distill] student test LL ${studentRow.testLL.toFixed(3)} ± ${studentRow.testLLStdErr.toFixed(3)} (median ${studentRow.testMedian.toFixed(3)}; teacher ${teacherRow.testLL.toFixed(3)}, median ${teacherRow.testMedian.toFixed(3)}), gap ${gap.mean.toFixed(3)} ± ${gap.stdErr.toFixed(3)} (median ${median(diffs).toFixed(3)}): ${training.pass === true ? 'PASS' : 'FAIL'}`,
      true,
    );

    // 4. Pictures.
    const pictures: Picture[] = [];
    try {
      hooks.status('[distill] drawing pictures');
      const w = windowOf(splits.test);
      const title = `moons · ${teacher.id} teacher → ${student.id} student (${backend}): test LL ${teacherRow.testLL.toFixed(3)} → ${studentRow.testLL.toFixed(3)}`;
      pictures.push({
        title,
        file: 'pictures/distill-moons-maf-iaf.svg',
        svg: panelsSvg(
          title,
          [
            pointsPanel(splits.test.values, w, 'test data'),
            densityPanel(teacherDef, tp, w, 'teacher (MAF) density'),
            pointsPanel(teacherDraws, w, `${SAMPLES_2D} teacher samples`),
            pointsPanel(studentDraws.x, w, `${SAMPLES_2D} student (IAF) samples`),
            densityPanel(studentDef, sp, w, 'student density'),
          ],
          200,
        ),
      });
    } catch (e) {
      hooks.status(`[distill] pictures failed: ${errorText(e)}`, true);
    }
    return { training, pictures };
  } catch (e) {
    return fail(`evaluation: ${errorText(e)}`);
  } finally {
    disposeParams(tp);
    if (sp !== undefined) disposeParams(sp);
  }
};
