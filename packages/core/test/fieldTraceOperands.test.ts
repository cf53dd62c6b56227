import { describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import {
  FUSED_FIELD_TRACE,
  FUSED_FIELD_TRACE_GRAD,
  fieldTraceCotangent,
  fieldTraceOperands,
} from '../src/entries/backend.js';

// The operand checks native's and wasm's field-trace kernels share, called as a kernel function
// calls them: on the arguments tfjs hands it (here tensors of the given shapes, disposed after).
const SHAPES = { z: [5, 2], w0: [2, 4], w1: [4, 2], c: [1, 6] };
const ATTRS: tf.NamedAttrMap = { activation: 'tanh', sizes: [2, 4, 2], scaled: 0 };

const withArgs = <T>(
  shapes: Record<string, number[] | undefined>,
  attrs: tf.NamedAttrMap,
  f: (args: Parameters<tf.KernelFunc>[0]) => T,
): T => {
  const inputs: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(shapes))
    if (shape !== undefined) inputs[name] = tf.zeros(shape);
  try {
    return f({ inputs, backend: tf.backend(), attrs });
  } finally {
    tf.dispose(Object.values(inputs));
  }
};

describe('fieldTraceOperands and fieldTraceCotangent', () => {
  it('read a well-formed call: batch, layers, scales, sizes and dy', () => {
    const read = withArgs(SHAPES, ATTRS, (args) => fieldTraceOperands(args, FUSED_FIELD_TRACE));
    expect([read.batch, read.ws.length, read.s, read.sizes]).toEqual([5, 2, undefined, [2, 4, 2]]);
    const scaled = withArgs({ ...SHAPES, s: [5, 6] }, { ...ATTRS, scaled: 1 }, (args) =>
      fieldTraceOperands(args, FUSED_FIELD_TRACE),
    );
    expect(scaled.s?.shape).toEqual([5, 6]);
    const dy = withArgs({ ...SHAPES, dy: [5, 4] }, ATTRS, (args) =>
      fieldTraceCotangent(args, fieldTraceOperands(args, FUSED_FIELD_TRACE_GRAD)),
    );
    expect(dy.shape).toEqual([5, 4]);
  });

  it('throw naming the kernel and the operand that breaks the contract', () => {
    const before = tf.memory().numTensors;
    const bad: [Record<string, number[] | undefined>, tf.NamedAttrMap, RegExp][] = [
      [
        SHAPES,
        { ...ATTRS, activation: 'relu' },
        /^BijectiveFieldTrace: unsupported activation 'relu'/,
      ],
      [SHAPES, { ...ATTRS, sizes: [2, 4, 3] }, /sizes \(D … D\) and scaled are malformed/],
      [SHAPES, { ...ATTRS, sizes: [2, 0, 2] }, /malformed/],
      [SHAPES, { ...ATTRS, sizes: [2] }, /malformed/],
      [SHAPES, { ...ATTRS, scaled: 2 }, /malformed/],
      [{ ...SHAPES, z: [5, 3] }, ATTRS, /z must be \[batch, 2\]/],
      [{ ...SHAPES, w1: [4, 3] }, ATTRS, /w1 must be \[4, 2\]/],
      [{ ...SHAPES, w1: undefined }, ATTRS, /needs the input w1/],
      [{ ...SHAPES, c: [3, 6] }, ATTRS, /c must be \[1 or 5, 6\]/],
      [SHAPES, { ...ATTRS, scaled: 1 }, /needs the input s/],
    ];
    for (const [shapes, attrs, message] of bad)
      expect(() =>
        withArgs(shapes, attrs, (args) => fieldTraceOperands(args, FUSED_FIELD_TRACE)),
      ).toThrow(message);
    const cotangent = (dy: number[] | undefined) => () =>
      withArgs({ ...SHAPES, dy }, ATTRS, (args) =>
        fieldTraceCotangent(args, fieldTraceOperands(args, FUSED_FIELD_TRACE_GRAD)),
      );
    expect(cotangent(undefined)).toThrow(/^BijectiveFieldTraceGrad needs the input dy/);
    expect(cotangent([5, 2])).toThrow(/dy must be \[5, 4\]/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
