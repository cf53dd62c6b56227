import * as E from 'fp-ts/lib/Either.js';
import {
  DivergedError,
  type FlowDef,
  type Params,
  countParams,
  disposeParams,
  tf,
} from '@bijective/core';
import type { DistillResult } from '@bijective/autoregressive';
import type { BenchOptions } from './args.js';
import { type Matrix, type Splits, loadSplits } from './data.js';
import type { FlowEntry } from './flows.js';
import type { DistillModel, DistillTraining, Picture, SpeedRow } from './model.js';
import { panels2d, panelsSvg } from './pictures.js';
import {
  type QualityHooks,
  SAMPLES_2D,
  drawSamples,
  perExampleLogProb,
  protocolSize,
  testScores,
  trainProtocol,
} from './quality.js';
import { mean, median, standardError } from './stats.js';
import { errorText } from './format.js';

/** autoregressive's `distill`, imported at run time (the app runs, and says why, without it). */
export type Distill = typeof import('@bijective/autoregressive').distill;

/** The student's test log-likelihood must be at least the teacher's minus this many nats. */
const DISTILL_TOLERANCE = 0.1;
/** IAF must sample at least this many times faster than MAF at dim 64 (the digits size). */
export const SPEEDUP_THRESHOLD = 20;
const SPEEDUP_DIM = 64;
export const TEACHER_ID = 'autoregressive/maf';
export const STUDENT_ID = 'autoregressive/iaf';

/**
 * The student's fixed settings (recorded in the report). Early student draws in the teacher's far
 * tails score log p ≈ −1e8 (a MAF's soft-clamped scales fall off steeply): clipping the gradient
 * norm at 1 keeps those steps from wrecking the student.
 */
const SETTINGS = {
  learningRate: 1e-3,
  finalLearningRate: 1e-5,
  batchSize: 256,
  teacherBatchSize: 256,
  clipGradNorm: 1,
};
/** Held-out teacher draws scored every 250 steps; the best step's parameters are kept. */
const VALIDATION = { samples: 5000, every: 250 } as const;
// Loss `(1 − α)·KL(q‖p) + α·KL(p‖q)`, α = `--forward-weight`. The criterion, a test LL on
// teacher-like data, is `E[log p] − KL(p‖q)`: the forward KL is what it measures. Reverse KL alone
// (α = 0, the published objective) is mode-seeking: on moons the student drops a moon.
/** Steps per point of the KL curve (and per progress report). */
const KL_WINDOW = 50;

/** Import `distill` by name, so a broken package is a reported failure, not a crash. */
export const loadDistill = (): Promise<Distill | string> =>
  import('@bijective/autoregressive').then(
    (m) => m.distill,
    (e: unknown) => `cannot import @bijective/autoregressive: ${errorText(e)}`,
  );

/** Mean and standard error `s/√n` of a sample. */
export const meanWithError = (xs: readonly number[]) => ({
  mean: mean(xs),
  stdErr: standardError(xs),
  n: xs.length,
});

/** A per-step history averaged over windows of `window` steps; `step` is the window's last. */
export const windowedCurve = (
  history: readonly number[],
  window: number,
): { step: number; kl: number }[] =>
  Array.from({ length: Math.ceil(history.length / window) }, (_, i) => {
    const w = history.slice(i * window, (i + 1) * window);
    return { step: i * window + w.length, kl: mean(w) };
  });

/** Pair the teacher's and student's `sample` cells by size and backend: speed-up `iaf / maf`. */
export const speedups = (rows: readonly SpeedRow[], threshold = SPEEDUP_THRESHOLD) => {
  const samples = rows.filter((r) => r.op === 'sample');
  const key = (r: SpeedRow) => `${r.dim}|${r.backend}|${r.hidden.join(',')}|${r.transforms}`;
  const rate = (r?: SpeedRow) => (r?.status === 'ok' ? r.samplesPerSecond : undefined);
  return samples
    .filter((maf) => maf.flow === TEACHER_ID)
    .map((maf) => {
      const iaf = samples.find((r) => r.flow === STUDENT_ID && key(r) === key(maf));
      const [m, i] = [rate(maf), rate(iaf)];
      const ratio = m !== undefined && i !== undefined && m > 0 ? i / m : undefined;
      const reason = [maf, iaf]
        .flatMap((r) =>
          r && r.status !== 'ok' ? [`${r.flow} ${r.status}: ${r.reason ?? ''}`] : [],
        )
        .join('; ');
      const { dim, transforms, batch, backend } = maf;
      return {
        dim,
        hidden: [...maf.hidden],
        transforms,
        batch,
        backend,
        mafSamplesPerSecond: m,
        iafSamplesPerSecond: i,
        ratio,
        ...(dim === SPEEDUP_DIM ? { pass: ratio !== undefined && ratio >= threshold } : {}),
        ...(reason === '' ? {} : { reason }),
      };
    });
};

/** A trained model's report row: test LL ± s.e. and median of per-example scores; its training. */
export const modelRow = (
  entry: FlowEntry,
  params: Params,
  size: { hidden: readonly number[]; transforms: number },
  ll: readonly number[],
  run: { wallSeconds: number; steps: number; epochs?: number; stoppedBy: string },
) => ({
  flow: entry.id,
  params: countParams(params),
  hidden: [...size.hidden],
  transforms: size.transforms,
  ...testScores(ll),
  ...run,
});

/** The student's row: scores, per-step KL estimates (last values, windowed curve) and settings. */
const studentReport = (model: DistillModel, d: DistillResult<Params>, forwardWeight: number) => {
  const forwardCurve = windowedCurve(d.forwardHistory, KL_WINDOW);
  return {
    ...model,
    klTail: d.history.slice(-5),
    forwardKlTail: d.forwardHistory.slice(-5),
    klCurve: windowedCurve(d.history, KL_WINDOW).map(
      (c, i): { step: number; kl: number; forwardKl?: number } => {
        const f = forwardCurve[i];
        return f === undefined ? c : { ...c, forwardKl: f.kl };
      },
    ),
    klWindow: KL_WINDOW,
    ...SETTINGS,
    forwardWeight,
    validationSamples: VALIDATION.samples,
    validation: d.validation,
    bestStep: d.bestStep,
  };
};
export type StudentReport = ReturnType<typeof studentReport>;

export interface DistillSetup {
  readonly teacher: FlowEntry;
  readonly student: FlowEntry;
  readonly distill: Distill;
  readonly backend: string;
  readonly hooks: QualityHooks;
  /** The data splits (default: the bundled moons). */
  readonly splits?: Splits;
}

/**
 * The distill mode's training, on the active backend: a MAF teacher (Papamakarios et al., 2017)
 * under the quality protocol, an IAF student (Kingma et al., 2016) distilled from it (van den Oord
 * et al., 2018; it never sees the data), both scored on the test set, the paired gap (PASS if
 * `gap ≥ −0.1` nats), cross terms and KL estimates on fresh draws, pictures. Never throws.
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
  const size = protocolSize('moons', teacher, options);
  const splits =
    setup.splits ?? (await loadSplits('moons').catch((e: unknown) => `data: ${errorText(e)}`));
  if (typeof splits === 'string') return fail(splits);
  const defs = E.tryCatch(() => [teacher.build(size), student.build(size)] as const, errorText);
  if (E.isLeft(defs)) return fail(`build: ${defs.left}`);
  const [teacherDef, studentDef] = defs.right;

  // 1. The teacher, under the quality protocol.
  const t0 = performance.now();
  const label = `[distill] teacher ${teacher.id}`;
  const trained = await trainProtocol(teacher, teacherDef, splits, options, hooks, label);
  if (E.isLeft(trained)) return fail(`teacher: ${trained.left}`);
  const tp = trained.right.params;
  let sp: Params | undefined;
  try {
    hooks.status('[distill] scoring the teacher on the test split');
    const teacherLL = Array.from(perExampleLogProb(teacherDef, tp, splits.test));
    const { steps, stoppedBy } = trained.right.run;
    const teacherRow = modelRow(teacher, tp, size, teacherLL, {
      wallSeconds: (performance.now() - t0) / 1000,
      ...trained.right.run,
    });
    const ll = (m: DistillModel) => `${m.testLL.toFixed(3)} ± ${m.testLLStdErr.toFixed(3)}`;
    hooks.status(
      `[distill] teacher test LL ${ll(teacherRow)} (${steps} steps, ${stoppedBy})`,
      true,
    );

    // 2. The student, by reverse KL plus λ × forward KL against the teacher.
    const s0 = performance.now();
    let overBudget = false;
    const r = await setup.distill(teacherDef, tp, studentDef, {
      ...SETTINGS,
      steps: options.distillSteps,
      forwardWeight: options.forwardWeight,
      validation: VALIDATION,
      seed: options.seed + 1,
      progressEvery: KL_WINDOW,
      onProgress: ({ step, kl, forwardKL }) => {
        const elapsed = (performance.now() - s0) / 1000;
        hooks.status(
          `[distill] student ${student.id}: step ${step}/${options.distillSteps}, KL(q‖p) ${kl.toFixed(4)}, KL(p‖q) ${forwardKL?.toFixed(4) ?? '–'}, ${elapsed.toFixed(0)} s`,
        );
        overBudget = options.budgetSeconds !== undefined && elapsed > options.budgetSeconds;
        return overBudget ? 'stop' : undefined;
      },
    });
    const studentSeconds = (performance.now() - s0) / 1000;
    if (E.isLeft(r)) {
      if (r.left instanceof DivergedError) disposeParams(r.left.lastGoodParams);
      return fail(`student: ${r.left.kind}: ${r.left.message}`, { teacher: teacherRow });
    }
    const d = r.right;
    sp = d.params;

    // 3. The student's own density on the test set, the gap, the cross terms.
    hooks.status('[distill] scoring the student on the test split (sequential forward pass)');
    const studentLL = Array.from(perExampleLogProb(studentDef, sp, splits.test));
    const studentRow = studentReport(
      modelRow(student, sp, size, studentLL, {
        wallSeconds: studentSeconds,
        steps: d.steps,
        stoppedBy: overBudget && d.steps < options.distillSteps ? 'budget' : 'steps',
      }),
      d,
      options.forwardWeight,
    );
    const diffs = studentLL.map((v, i) => v - teacherLL[i]!);
    const gap = meanWithError(diffs);

    hooks.status('[distill] cross terms on fresh draws');
    const seed = options.seed + 2;
    const teacherDraws = drawSamples(teacherDef, tp, SAMPLES_2D, seed);
    // Student draws and their own log-density `log q(x)` in one inverse pass.
    const [sx, slq] = tf.tidy(() => {
      const s = studentDef.apply(sp!).sampleAndLogProb(SAMPLES_2D, seed + 1);
      return [s.x, s.logProb];
    });
    const studentDraws = Float32Array.from(sx.dataSync());
    const studentLq = Array.from(slq.dataSync());
    tf.dispose([sx, slq]);
    const asMatrix = (values: Float32Array): Matrix => ({ rows: SAMPLES_2D, cols: 2, values });
    const onTeacher = Array.from(perExampleLogProb(teacherDef, tp, asMatrix(teacherDraws)));
    const onStudent = Array.from(perExampleLogProb(teacherDef, tp, asMatrix(studentDraws)));
    const kl = studentLq.map((lq, i) => lq - onStudent[i]!);
    // The student's density of the teacher's draws: its sequential direction, cheap at dim 2.
    const studentOnTeacher = perExampleLogProb(studentDef, sp, asMatrix(teacherDraws));
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
      `[distill] student test LL ${ll(studentRow)} (median ${studentRow.testMedian.toFixed(3)}; teacher ${teacherRow.testLL.toFixed(3)}, median ${teacherRow.testMedian.toFixed(3)}), gap ${gap.mean.toFixed(3)} ± ${gap.stdErr.toFixed(3)} (median ${median(diffs).toFixed(3)}): ${training.pass === true ? 'PASS' : 'FAIL'}`,
      true,
    );

    // 4. Pictures.
    const pictures: Picture[] = [];
    try {
      hooks.status('[distill] drawing pictures');
      const title = `moons · ${teacher.id} teacher → ${student.id} student (${backend}): test LL ${teacherRow.testLL.toFixed(3)} → ${studentRow.testLL.toFixed(3)}`;
      const density = (def: FlowDef<Params>, params: Params) => (grid: Matrix) =>
        perExampleLogProb(def, params, grid);
      const panels = panels2d(splits.test, [
        { caption: 'test data', points: splits.test.values },
        { caption: 'teacher (MAF) density', logProb: density(teacherDef, tp) },
        { caption: `${SAMPLES_2D} teacher samples`, points: teacherDraws },
        { caption: `${SAMPLES_2D} student (IAF) samples`, points: studentDraws },
        { caption: 'student density', logProb: density(studentDef, sp) },
      ]);
      const svg = panelsSvg(title, panels, 200);
      pictures.push({ title, file: 'pictures/distill-moons-maf-iaf.svg', svg });
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
