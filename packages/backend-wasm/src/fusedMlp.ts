import { tf } from '@bijective/core';
import {
  FUSED_MLP,
  FUSED_MLP_GRAD,
  type FusedMlpActivation,
  type FusedMlpAttrs,
  type WorkspacePiece,
  fusedMlpWorkspace,
} from '@bijective/core/backend';
import { HeapCalls, backendOf, input, installComposed, view } from './heapCalls.js';
import { uninstallKernelTable } from './kernelTable.js';

/** The wasm kernels the fused MLP kernels are composed of. */
const PARTS = [
  '_FusedMatMul',
  'BatchMatMul',
  'Multiply',
  'Add',
  'Sub',
  'Sum',
  'Square',
  'Exp',
  'Neg',
  'Relu',
  'Tanh',
  'Softplus',
  'Sigmoid',
  'Elu',
  'EluGrad',
  'Step',
  'OnesLike',
] as const;
type Part = (typeof PARTS)[number];

const isActivation = (a: unknown): a is FusedMlpActivation =>
  a === 'relu' || a === 'tanh' || a === 'softplus' || a === 'sigmoid' || a === 'elu';

/** {@link HeapCalls} with the `1 - y` the activation derivatives need. */
class Calls extends HeapCalls<Part> {
  /** `1 - y`, elementwise. */
  oneMinus(y: tf.TensorInfo): tf.TensorInfo {
    return this.run('Sub', { a: this.run('OnesLike', { x: y }), b: y });
  }
}

type Layer = {
  readonly w: tf.TensorInfo;
  readonly m: tf.TensorInfo | undefined;
  readonly v: tf.TensorInfo | undefined;
};

const numbers = (attrs: tf.NamedAttrMap | undefined, key: string): number[] | undefined => {
  const v = attrs?.[key];
  return Array.isArray(v) && v.every((n): n is number => typeof n === 'number') ? v : undefined;
};

/** The attributes, checked. */
const readAttrs = (attrs: tf.NamedAttrMap | undefined, kernel: string): FusedMlpAttrs => {
  const activation = attrs?.['activation'];
  const sizes = numbers(attrs, 'sizes');
  const masked = numbers(attrs, 'masked');
  const withContext = numbers(attrs, 'withContext');
  const contextDim = attrs?.['contextDim'];
  if (!isActivation(activation))
    throw new Error(`${kernel}: unsupported activation '${String(activation)}'`);
  if (
    sizes === undefined ||
    sizes.length < 2 ||
    !sizes.every((d) => Number.isInteger(d) && d >= 1) ||
    masked?.length !== sizes.length - 1 ||
    withContext?.length !== sizes.length - 1 ||
    typeof contextDim !== 'number'
  )
    throw new Error(`${kernel}: attributes sizes, masked, withContext, contextDim are malformed`);
  return { activation, sizes, masked, withContext, contextDim };
};

const effectiveWeight = (k: Calls, layer: Layer): tf.TensorInfo =>
  layer.m === undefined ? layer.w : k.run('Multiply', { a: layer.w, b: layer.m });

const ACTIVATION_KERNEL: Readonly<Record<FusedMlpActivation, Part>> = {
  relu: 'Relu',
  tanh: 'Tanh',
  softplus: 'Softplus',
  sigmoid: 'Sigmoid',
  elu: 'Elu',
};

/** `g ⊙ act'(z)` from `y = act(z)`, as tfjs's gradients compute it. */
const timesDerivative = (
  k: Calls,
  activation: FusedMlpActivation,
  y: tf.TensorInfo,
  g: tf.TensorInfo,
): tf.TensorInfo => {
  switch (activation) {
    case 'relu':
      return k.run('Multiply', { a: g, b: k.run('Step', { x: y }, { alpha: 0 }) });
    case 'tanh':
      return k.run('Multiply', { a: g, b: k.oneMinus(k.run('Square', { x: y })) });
    case 'sigmoid':
      return k.run('Multiply', { a: g, b: k.run('Multiply', { a: y, b: k.oneMinus(y) }) });
    case 'softplus': {
      // σ(z) = 1 - e^{-y} for y = softplus(z).
      return k.run('Multiply', {
        a: g,
        b: k.oneMinus(k.run('Exp', { x: k.run('Neg', { x: y }) })),
      });
    }
    case 'elu':
      return k.run('EluGrad', { dy: g, y });
  }
};

const forward: tf.KernelFunc = (args) => {
  const attrs = readAttrs(args.attrs, FUSED_MLP);
  const { activation, sizes } = attrs;
  const backend = backendOf(args, FUSED_MLP);
  const x = input(args, 'x', FUSED_MLP);
  const batch = x.shape[0] ?? 0;
  const layout = fusedMlpWorkspace(attrs, batch);
  const c = layout.c === undefined ? undefined : input(args, 'c', FUSED_MLP);
  const layers = sizes.slice(0, -1).map((_, l): Layer => ({
    w: input(args, `w${l}`, FUSED_MLP),
    m: layout.masks[l] === undefined ? undefined : input(args, `m${l}`, FUSED_MLP),
    v: layout.contextWeights[l] === undefined ? undefined : input(args, `v${l}`, FUSED_MLP),
  }));
  const k = new Calls(backend);
  try {
    const pieces: [WorkspacePiece | undefined, tf.TensorInfo | undefined][] = [
      [layout.x, x],
      [layout.c, c],
    ];
    let h = x;
    let out: tf.TensorInfo | undefined;
    layers.forEach((layer, l) => {
      const b = input(args, `b${l}`, FUSED_MLP);
      const hidden = l < layers.length - 1;
      const context = c !== undefined && layer.v !== undefined;
      const fuseRelu = hidden && !context && activation === 'relu';
      const w = effectiveWeight(k, layer);
      pieces.push(
        [layout.weights[l], w],
        [layout.masks[l], layer.m],
        [layout.contextWeights[l], layer.v],
      );
      // The wasm _FusedMatMul reads 3-d operands (tf.fused.matMul reshapes before calling it).
      let z = view(
        k.run(
          '_FusedMatMul',
          { a: view(h, [1, ...h.shape]), b: view(w, [1, ...layer.w.shape]), bias: b },
          { transposeA: false, transposeB: false, activation: fuseRelu ? 'relu' : 'linear' },
        ),
        [batch, sizes[l + 1]!],
      );
      if (context)
        z = k.run('Add', {
          a: z,
          b: k.run('BatchMatMul', { a: c, b: layer.v! }, { transposeA: false, transposeB: false }),
        });
      if (hidden && !fuseRelu) z = k.run(ACTIVATION_KERNEL[activation], { x: z });
      if (hidden) pieces.push([layout.hidden[l], z]);
      else out = k.keep(z);
      h = z;
    });
    // Allocate first, then take heap views (an allocation may grow, and so detach, the heap).
    const workspace = backend.makeOutput([layout.size], 'float32');
    const target = backend.typedArrayFromHeap(workspace);
    for (const [p, t] of pieces)
      if (p !== undefined && t !== undefined) target.set(backend.typedArrayFromHeap(t), p.offset);
    return [out!, workspace];
  } finally {
    k.free();
  }
};

const backward: tf.KernelFunc = (args) => {
  const attrs = readAttrs(args.attrs, FUSED_MLP_GRAD);
  const { activation, sizes } = attrs;
  const backend = backendOf(args, FUSED_MLP_GRAD);
  const dy = input(args, 'dy', FUSED_MLP_GRAD);
  const ws = input(args, 'workspace', FUSED_MLP_GRAD);
  const batch = dy.shape[0] ?? 0;
  const layout = fusedMlpWorkspace(attrs, batch);
  if (ws.shape.length !== 1 || ws.shape[0] !== layout.size)
    throw new Error(`${FUSED_MLP_GRAD}: the workspace must have ${layout.size} values`);
  const k = new Calls(backend);
  // A workspace piece as a tensor of its own (freed with the other temporaries).
  const piece = (p: WorkspacePiece): tf.TensorInfo => {
    const t = k.adopt(backend.makeOutput([...p.shape], 'float32'));
    const from = backend.typedArrayFromHeap(ws);
    backend.typedArrayFromHeap(t).set(from.subarray(p.offset, p.offset + p.shape[0] * p.shape[1]));
    return t;
  };
  const flags = (transposeA: boolean, transposeB: boolean) => ({ transposeA, transposeB });
  try {
    const x = piece(layout.x);
    const c = layout.c === undefined ? undefined : piece(layout.c);
    const hidden = layout.hidden.map(piece);
    const dw: tf.TensorInfo[] = [];
    const db: tf.TensorInfo[] = [];
    const dv: (tf.TensorInfo | undefined)[] = [];
    let dc: tf.TensorInfo | undefined;
    let dx: tf.TensorInfo | undefined;
    let g = dy;
    for (let l = sizes.length - 2; l >= 0; l--) {
      const hin = l === 0 ? x : hidden[l - 1]!;
      const mp = layout.masks[l];
      const vp = layout.contextWeights[l];
      let w = k.run('BatchMatMul', { a: hin, b: g }, flags(true, false));
      if (mp !== undefined) w = k.run('Multiply', { a: w, b: piece(mp) });
      dw[l] = k.keep(w);
      db[l] = k.keep(k.run('Sum', { x: g }, { axis: [0], keepDims: false }));
      if (c !== undefined && vp !== undefined) {
        dv[l] = k.keep(k.run('BatchMatMul', { a: c, b: g }, flags(true, false)));
        const term = k.run('BatchMatMul', { a: g, b: piece(vp) }, flags(false, true));
        dc = dc === undefined ? term : k.run('Add', { a: dc, b: term });
      }
      // The workspace holds W ⊙ M already.
      const dh = k.run('BatchMatMul', { a: g, b: piece(layout.weights[l]!) }, flags(false, true));
      if (l === 0) dx = k.keep(dh);
      else g = timesDerivative(k, activation, hidden[l - 1]!, dh);
    }
    return [
      dx!,
      ...dw.flatMap((w, l) => [w, db[l]!]),
      ...dv.filter((t): t is tf.TensorInfo => t !== undefined),
      ...(dc === undefined ? [] : [k.keep(dc)]),
    ];
  } finally {
    k.free();
  }
};

/**
 * Register core's fused MLP kernels ({@link FUSED_MLP}, {@link FUSED_MLP_GRAD})
 * for the `wasm` backend, composed of the wasm backend's own kernels (see
 * `Calls`): the same products and elementwise maths as the composite ops,
 * one engine call each way. Needs `@tensorflow/tfjs-backend-wasm` imported
 * (it registers the parts); returns `false` when a part is missing. Idempotent.
 *
 * @example
 * ```ts
 * await import('@tensorflow/tfjs-backend-wasm');
 * installFusedMlpKernels(); // mlpStack on wasm now runs one kernel each way
 * ```
 */
export const installFusedMlpKernels = (): boolean =>
  installComposed(PARTS, { [FUSED_MLP]: forward, [FUSED_MLP_GRAD]: backward });

/** Remove the wasm fused MLP kernels again (mlpStack then runs the composite ops on wasm). */
export const uninstallFusedMlpKernels = (): boolean =>
  uninstallKernelTable({ [FUSED_MLP]: forward, [FUSED_MLP_GRAD]: backward });
