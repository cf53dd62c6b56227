import { tf } from '@bijective/core';
import {
  FUSED_FIELD_TRACE,
  FUSED_FIELD_TRACE_GRAD,
  type FieldTraceActivation,
  type FieldTraceOperands,
  fieldTraceCotangent,
  fieldTraceOperands,
} from '@bijective/core/backend';
import { HeapCalls, backendOf, installComposed, view } from './heapCalls.js';

/** The wasm kernels the fused field trace is composed of. */
const PARTS = [
  'BatchMatMul',
  'Multiply',
  'Add',
  'Sub',
  'Sum',
  'Square',
  'Exp',
  'Minimum',
  'Step',
  'Tanh',
  'Softplus',
  'Sigmoid',
  'Elu',
  'Slice',
] as const;
type Part = (typeof PARTS)[number];

/** {@link HeapCalls} with the products and sums the field trace writes most. */
class Calls extends HeapCalls<Part> {
  mul(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.run('Multiply', { a, b });
  }

  add(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.run('Add', { a, b });
  }

  sub(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
    return this.run('Sub', { a, b });
  }

  matMul(a: tf.TensorInfo, b: tf.TensorInfo, transposeA = false, transposeB = false) {
    return this.run('BatchMatMul', { a, b }, { transposeA, transposeB });
  }

  sum(x: tf.TensorInfo, axis: number[]): tf.TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }
}

/** Everything the forward keeps for the backward, per layer `l`. */
type Tape = {
  /** `h_l` (`h₀ = z`). */
  readonly h: tf.TensorInfo[];
  /** `h_l W_l`. */
  readonly a: tf.TensorInfo[];
  /** `(J_l W_l)` as `[D, rows, d_{l+1}]` (rows 1 for `l = 0`: the rows of `W₀`). */
  readonly t: tf.TensorInfo[];
  /** `∂pre_l/∂z` as `[D, rows, d_{l+1}]`. */
  readonly jpre: tf.TensorInfo[];
  /** `J_l = ∂h_l/∂z` as `[D, batch, d_l]` (`l ≥ 1`). */
  readonly jac: tf.TensorInfo[];
  /** `act'(pre_l)`, `act''(pre_l)` (hidden layers; the second only for the backward). */
  readonly d1: tf.TensorInfo[];
  readonly d2: tf.TensorInfo[];
  /** The field `f = pre_{L-1}`, `[batch, D]`. */
  value: tf.TensorInfo | undefined;
};

/** `act(p)`, `act'(p)` and (when `second`) `act''(p)` from the wasm kernels. */
const derivatives = (
  k: Calls,
  act: FieldTraceActivation,
  p: tf.TensorInfo,
  second: boolean,
): { y: tf.TensorInfo; d1: tf.TensorInfo; d2: tf.TensorInfo | undefined } => {
  const one = k.scalar(1);
  switch (act) {
    case 'tanh': {
      const y = k.run('Tanh', { x: p });
      const d1 = k.sub(one, k.run('Square', { x: y }));
      return { y, d1, d2: second ? k.mul(k.mul(k.scalar(-2), y), d1) : undefined };
    }
    case 'sigmoid': {
      const y = k.run('Sigmoid', { x: p });
      const d1 = k.mul(y, k.sub(one, y));
      return { y, d1, d2: second ? k.mul(d1, k.sub(one, k.mul(k.scalar(2), y))) : undefined };
    }
    case 'softplus': {
      const d1 = k.run('Sigmoid', { x: p });
      return {
        y: k.run('Softplus', { x: p }),
        d1,
        d2: second ? k.mul(d1, k.sub(one, d1)) : undefined,
      };
    }
    case 'swish': {
      const s = k.run('Sigmoid', { x: p });
      const ds = k.mul(s, k.sub(one, s));
      return {
        y: k.mul(p, s),
        d1: k.add(s, k.mul(p, ds)),
        d2: second
          ? k.mul(ds, k.add(k.scalar(2), k.mul(p, k.sub(one, k.mul(k.scalar(2), s)))))
          : undefined,
      };
    }
    case 'elu': {
      const d1 = k.run('Exp', { x: k.run('Minimum', { a: p, b: k.scalar(0) }) });
      return {
        y: k.run('Elu', { x: p }),
        d1,
        d2: second ? k.mul(d1, k.sub(one, k.run('Step', { x: p }, { alpha: 0 }))) : undefined,
      };
    }
  }
};

type Operands = FieldTraceOperands;

/** Layer `l`'s columns of a packed `[rows, d_1 + … + d_L]` scale or shift. */
const columns = (k: Calls, o: Operands, packed: tf.TensorInfo, l: number): tf.TensorInfo => {
  const begin = o.sizes.slice(1, l + 1).reduce((a, b) => a + b, 0);
  if (o.ws.length === 1) return packed;
  return k.run(
    'Slice',
    { x: packed },
    { begin: [0, begin], size: [packed.shape[0]!, o.sizes[l + 1]!] },
  );
};

const runForward = (k: Calls, o: Operands, second: boolean): Tape => {
  const D = o.sizes[0]!;
  const tape: Tape = { h: [], a: [], t: [], jpre: [], jac: [], d1: [], d2: [], value: undefined };
  let h = o.z;
  o.ws.forEach((w, l) => {
    const dout = o.sizes[l + 1]!;
    const s = o.s === undefined ? undefined : columns(k, o, o.s, l);
    const c = columns(k, o, o.c, l);
    const times = (x: tf.TensorInfo, rows3d: boolean) =>
      s === undefined ? x : k.mul(x, rows3d ? view(s, [1, s.shape[0]!, dout]) : s);
    const a = k.matMul(h, w);
    const pre = k.add(times(a, false), c);
    const jac = tape.jac[l];
    const t =
      jac === undefined
        ? view(w, [D, 1, dout])
        : view(k.matMul(view(jac, [D * o.batch, o.sizes[l]!]), w), [D, o.batch, dout]);
    const jpre = times(t, true);
    tape.h.push(h);
    tape.a.push(a);
    tape.t.push(t);
    tape.jpre.push(jpre);
    if (l === o.ws.length - 1) {
      tape.value = pre;
      return;
    }
    const { y, d1, d2 } = derivatives(k, o.activation, pre, second);
    tape.d1.push(d1);
    if (d2 !== undefined) tape.d2.push(d2);
    tape.jac[l + 1] = k.mul(jpre, view(d1, [1, o.batch, dout]));
    h = y;
  });
  return tape;
};

/** `[f | tr ∂f/∂z | ‖∂f/∂z‖²_F]`, `[batch, D + 2]`, packed from the tape on the heap. */
const pack = (k: Calls, o: Operands, tape: Tape): tf.TensorInfo => {
  const D = o.sizes[0]!;
  const B = o.batch;
  const jout = tape.jpre[tape.jpre.length - 1]!;
  const rows = jout.shape[1]!;
  const out = k.make([B, D + 2]);
  const [o32, f, j] = [k.read(out), k.read(tape.value!), k.read(jout)];
  for (let r = 0; r < B; r++) {
    const jr = rows === 1 ? 0 : r;
    let div = 0;
    let frob = 0;
    for (let i = 0; i < D; i++)
      for (let q = 0; q < D; q++) {
        const v = j[(i * rows + jr) * D + q]!;
        if (i === q) div += v;
        frob += v * v;
      }
    for (let q = 0; q < D; q++) o32[r * (D + 2) + q] = f[r * D + q]!;
    o32[r * (D + 2) + D] = div;
    o32[r * (D + 2) + D + 1] = frob;
  }
  return out;
};

const forward: tf.KernelFunc = (args) => {
  const o = fieldTraceOperands(args, FUSED_FIELD_TRACE);
  const k = new Calls(backendOf(args, FUSED_FIELD_TRACE));
  try {
    return k.keep(pack(k, o, runForward(k, o, false)));
  } finally {
    k.free();
  }
};

/** `Σ` of `x` over the rows when the operand it belongs to has one row. */
const toRows = (k: Calls, x: tf.TensorInfo, rows: number): tf.TensorInfo =>
  rows === 1 ? view(k.sum(x, [0]), [1, x.shape[1]!]) : x;

const backward: tf.KernelFunc = (args) => {
  const o = fieldTraceOperands(args, FUSED_FIELD_TRACE_GRAD);
  const dy = fieldTraceCotangent(args, o);
  const D = o.sizes[0]!;
  const B = o.batch;
  const k = new Calls(backendOf(args, FUSED_FIELD_TRACE_GRAD));
  try {
    const tape = runForward(k, o, true);
    const L = o.ws.length;
    // Cotangents of the value and of ∂f/∂z (through the divergence and the Frobenius norm).
    const jout = tape.jpre[L - 1]!;
    const jRows = jout.shape[1]!;
    let gPre = k.make([B, D]);
    let gJpre = k.make([D, B, D]);
    {
      const [gp, gj, d, j] = [k.read(gPre), k.read(gJpre), k.read(dy), k.read(jout)];
      for (let r = 0; r < B; r++) {
        for (let q = 0; q < D; q++) gp[r * D + q] = d[r * (D + 2) + q]!;
        for (let i = 0; i < D; i++)
          for (let q = 0; q < D; q++)
            gj[(i * B + r) * D + q] =
              2 * d[r * (D + 2) + D + 1]! * j[(i * jRows + (jRows === 1 ? 0 : r)) * D + q]! +
              (i === q ? d[r * (D + 2) + D]! : 0);
      }
    }
    const dws: tf.TensorInfo[] = [];
    const ds: tf.TensorInfo[] = [];
    const dc: tf.TensorInfo[] = [];
    let dz: tf.TensorInfo | undefined;
    for (let l = L - 1; l >= 0; l--) {
      const din = o.sizes[l]!;
      const dout = o.sizes[l + 1]!;
      const w = o.ws[l]!;
      const s = o.s === undefined ? undefined : columns(k, o, o.s, l);
      dc[l] = toRows(k, gPre, o.c.shape[0]!);
      let ga = gPre;
      let gT = gJpre;
      if (s !== undefined) {
        const s3 = view(s, [1, s.shape[0]!, dout]);
        const fromJ = k.sum(k.mul(gJpre, tape.t[l]!), [0]);
        ds[l] = toRows(k, k.add(fromJ, k.mul(gPre, tape.a[l]!)), s.shape[0]!);
        ga = k.mul(gPre, s);
        gT = k.mul(gJpre, s3);
      }
      const fromH = k.matMul(tape.h[l]!, ga, true, false);
      const fromJac =
        l === 0
          ? k.sum(gT, [1])
          : k.matMul(view(tape.jac[l]!, [D * B, din]), view(gT, [D * B, dout]), true, false);
      dws[l] = k.add(fromH, view(fromJac, [din, dout]));
      if (l === 0) {
        dz = k.matMul(ga, w, false, true);
        break;
      }
      const gh = k.matMul(ga, w, false, true);
      const gJ = view(k.matMul(view(gT, [D * B, dout]), w, false, true), [D, B, din]);
      const d1 = tape.d1[l - 1]!;
      const d2 = tape.d2[l - 1]!;
      const cross = k.sum(k.mul(gJ, tape.jpre[l - 1]!), [0]);
      gPre = k.add(k.mul(gh, d1), k.mul(cross, d2));
      gJpre = k.mul(gJ, view(d1, [1, B, din]));
    }
    // Pack the per-layer shift (and scale) gradients side by side like their operands.
    const packed = (parts: tf.TensorInfo[], like: tf.TensorInfo): tf.TensorInfo => {
      const rows = like.shape[0]!;
      const width = like.shape[1]!;
      const out = k.make([rows, width]);
      const target = k.read(out);
      let at = 0;
      parts.forEach((p, l) => {
        const dout = o.sizes[l + 1]!;
        const v = k.read(p);
        for (let r = 0; r < rows; r++)
          for (let q = 0; q < dout; q++) target[r * width + at + q] = v[r * dout + q]!;
        at += dout;
      });
      return out;
    };
    const dS = o.s === undefined ? [] : [k.keep(packed(ds, o.s))];
    const dC = k.keep(packed(dc, o.c));
    return [k.keep(dz!), ...dws.map((d) => k.keep(d)), ...dS, dC];
  } finally {
    k.free();
  }
};

/**
 * Register core's fused field-trace kernels ({@link FUSED_FIELD_TRACE},
 * {@link FUSED_FIELD_TRACE_GRAD}) for the `wasm` backend, composed of the wasm
 * backend's own kernels (products on XNNPACK, elementwise maps) inside one
 * engine call each way; the divergence, Frobenius norm and their cotangents
 * are JavaScript loops on the heap (`D × batch × D` values). Needs
 * `@tensorflow/tfjs-backend-wasm` imported; returns `false` when a part is
 * missing. Idempotent.
 *
 * @example
 * ```ts
 * await import('@tensorflow/tfjs-backend-wasm');
 * installFusedFieldTraceKernels(); // FFJORD's exact trace on wasm: one kernel each way
 * ```
 */
export const installFusedFieldTraceKernels = (): boolean =>
  installComposed(PARTS, { [FUSED_FIELD_TRACE]: forward, [FUSED_FIELD_TRACE_GRAD]: backward });
