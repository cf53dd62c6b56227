import * as E from 'fp-ts/lib/Either.js';
import {
  type BijectiveError,
  type FlowDef,
  type Params,
  type ReverseKLOptions,
  type ReverseKLResult,
  fitReverseKL,
  shapeError,
  valueError,
} from '@bijective/core';

/**
 * Options of {@link distill}: core's reverse-KL options (Adam's learning rate,
 * `steps` default 1000, `batchSize` default 256, `seed`, `clipGradNorm`,
 * starting `params`, `onProgress({ step, kl })` every `progressEvery` steps).
 */
export type DistillOptions<P extends Params> = ReverseKLOptions<P>;

/**
 * Probability density distillation (van den Oord et al., "Parallel WaveNet:
 * Fast High-Fidelity Speech Synthesis", 2018): train a student flow — an IAF,
 * whose sampling *and* own density come from one parallel pass — to match a
 * teacher whose density is cheap (a MAF) by minimising
 *
 *   `KL(q_student ‖ p_teacher) = E_{x~q}[log q(x) - log p_teacher(x)]`,
 *
 * estimated from the student's reparameterised draws `x = T⁻¹(z)`, `z ~ N(0, I)`
 * (`sampleAndLogProb` of the student, `logProb` of the teacher), with Adam.
 * Because the teacher is normalised, the estimate is a true KL (≥ 0 up to
 * Monte-Carlo noise) and is reported through `options.onProgress`; the
 * per-step history is in the result. Seed-deterministic on a given backend.
 * It is core's `fitReverseKL(student, teacherLogProb, options)`.
 *
 * Returns `Left(ShapeError)` if the dimensions differ, `Left(ValueError)` for a
 * conditional teacher or student (not supported yet) or bad options, and
 * `Left(DivergedError)` if the loss becomes non-finite. The teacher's
 * parameters are read, never modified or disposed; the returned student
 * parameters belong to the caller.
 *
 * @example
 * ```ts
 * const teacher = maf({ dim: 2 }); // trained: teacherParams
 * const r = await distill(teacher, teacherParams, iaf({ dim: 2 }), {
 *   steps: 2000, learningRate: 1e-3, seed: 0, onProgress: ({ step, kl }) => console.log(step, kl),
 * });
 * if (E.isRight(r)) sample(iaf({ dim: 2 }), r.right.params, 10_000); // one pass per layer
 * ```
 */
export const distill = async <PT extends Params, PS extends Params>(
  teacher: FlowDef<PT>,
  teacherParams: PT,
  student: FlowDef<PS>,
  options: DistillOptions<PS> = {},
): Promise<E.Either<BijectiveError, ReverseKLResult<PS>>> => {
  if (teacher.dim !== student.dim)
    return E.left(
      shapeError('student', `a flow of the teacher's dim ${teacher.dim}`, `dim ${student.dim}`),
    );
  if (teacher.contextDim > 0 || student.contextDim > 0)
    return E.left(
      valueError(
        'teacher/student',
        'unconditional flows',
        `context dims ${teacher.contextDim} and ${student.contextDim}`,
      ),
    );
  return fitReverseKL(student, (x) => teacher.apply(teacherParams).logProb(x), options);
};
