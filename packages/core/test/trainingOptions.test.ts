import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { fit, fitReverseKL, tf } from '../src/index.js';
import { type TrainingOptionsInput, validateTrainingOptions } from '../src/training/index.js';
import { gaussianData, gaussianFlow } from './fixtures.js';

/** Options every training loop must refuse, each with the option it names. */
export const BAD_OPTIONS: readonly (readonly [string, TrainingOptionsInput])[] = [
  ['clipGradNorm', { clipGradNorm: -1 }],
  ['clipGradNorm', { clipGradNorm: 0 }],
  ['epsilon', { epsilon: 0 }],
  ['epsilon', { epsilon: NaN }],
  ['beta1', { beta1: 2 }],
  ['beta1', { beta1: 1 }],
  ['beta2', { beta2: -0.1 }],
  ['learningRate', { learningRate: Infinity }],
  ['epochs', { epochs: -1 }],
  ['epochs', { epochs: NaN }],
  ['maxSteps', { maxSteps: -5 }],
  ['maxSteps', { maxSteps: 1.5 }],
  ['patience', { patience: NaN }],
  ['patience', { patience: -1 }],
  ['seed', { seed: 0.5 }],
  ['batchSize', { batchSize: 0 }],
  ['steps', { steps: 0 }],
];

const def = gaussianFlow;
const logTarget = (x: tf.Tensor2D) => tf.mul(-0.5, tf.sum(tf.square(x), 1)) as tf.Tensor1D;

describe('training options are validated the same way everywhere', () => {
  it.each(BAD_OPTIONS)('validateTrainingOptions refuses bad %s', (name, options) => {
    const r = validateTrainingOptions(options);
    expect(E.isLeft(r) && r.left.argument).toBe(`options.${name}`);
  });

  it('accepts the defaults and good values', () => {
    expect(E.isRight(validateTrainingOptions({}))).toBe(true);
    const good = {
      learningRate: 1e-3,
      beta1: 0,
      beta2: 0.999,
      epsilon: 1e-8,
      clipGradNorm: 1,
      seed: 3,
      epochs: 0,
    };
    expect(
      E.isRight(
        validateTrainingOptions({ ...good, maxSteps: 0, patience: 0, batchSize: 1, steps: 1 }),
      ),
    ).toBe(true);
  });

  it.each(BAD_OPTIONS.filter(([n]) => n !== 'steps'))(
    'fit returns Left naming bad %s, before training',
    async (name, options) => {
      const before = tf.memory().numTensors;
      const x = gaussianData(100, 1);
      const r = await fit(def, x, options);
      x.dispose();
      expect(E.isLeft(r) && r.left.kind).toBe('ValueError');
      expect(E.isLeft(r) && r.left.argument).toBe(`options.${name}`);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it.each(BAD_OPTIONS.filter(([n]) => !['epochs', 'maxSteps', 'patience'].includes(n)))(
    'fitReverseKL returns Left naming bad %s',
    async (name, options) => {
      const r = await fitReverseKL(def, logTarget, options);
      expect(E.isLeft(r) && r.left.argument).toBe(`options.${name}`);
    },
  );

  it('fitReverseKL refuses a target that does not give one log-density per row', async () => {
    const before = tf.memory().numTensors;
    // [n, 1] would broadcast against [n] into an [n, n] objective and train on the wrong thing.
    const column = (x: tf.Tensor2D) => tf.sum(tf.square(x), 1, true) as unknown as tf.Tensor1D;
    const r = await fitReverseKL(def, column, { steps: 3, batchSize: 16 });
    expect(E.isLeft(r) && r.left.kind).toBe('ShapeError');
    expect(E.isLeft(r) && r.left.message).toMatch(
      /logTarget\(x\): expected shape \[16\], got \[16, 1\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
