import { FUSED_MLP, FUSED_MLP_GRAD, type FusedMlpActivation, tf } from '@bijective/core';

const WASM = 'wasm';

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

/**
 * The wasm backend's own kernel functions, called directly inside one engine
 * kernel: the same wasm (XNNPACK) products and elementwise loops as the
 * composite ops, without the engine's per-op bookkeeping (tensor tracking,
 * tape records, clones of saved tensors). Temporaries are freed before the
 * kernel returns.
 */
class Calls {
  private readonly temporaries: tf.TensorInfo[] = [];

  constructor(private readonly backend: tf.KernelBackend) {}

  /** Run wasm kernel `name`; the result is freed at {@link Calls.free} unless {@link Calls.keep}. */
  run(name: Part, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    // Looked up per call, so later replacements (the explicit-transpose matMuls) apply.
    const kernel = tf.getKernel(name, WASM);
    if (kernel === undefined) throw new Error(`the wasm backend has no ${name} kernel`);
    const r = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    const info = Array.isArray(r) ? r[0] : r;
    if (info === undefined) throw new Error(`wasm kernel ${name} returned no output`);
    this.temporaries.push(info);
    return info;
  }

  /** Take `info` out of the temporaries: it is an output of the fused kernel. */
  keep(info: tf.TensorInfo): tf.TensorInfo {
    const i = this.temporaries.findIndex((t) => t.dataId === info.dataId);
    if (i >= 0) this.temporaries.splice(i, 1);
    return info;
  }

  /** `1 - y`, elementwise. */
  oneMinus(y: tf.TensorInfo): tf.TensorInfo {
    return this.run('Sub', { a: this.run('OnesLike', { x: y }), b: y });
  }

  free(): void {
    for (const t of this.temporaries) this.backend.disposeData(t.dataId);
    this.temporaries.length = 0;
  }
}

type Layer = {
  readonly w: tf.TensorInfo;
  readonly m: tf.TensorInfo | undefined;
  readonly v: tf.TensorInfo | undefined;
};

const structure = (
  args: Parameters<tf.KernelFunc>[0],
  kernel: string,
): {
  layers: Layer[];
  activation: FusedMlpActivation;
  x: tf.TensorInfo;
  c: tf.TensorInfo | undefined;
} => {
  const n = args.attrs?.['layers'];
  const activation = args.attrs?.['activation'];
  if (typeof n !== 'number' || !(Number.isInteger(n) && n >= 1))
    throw new Error(`${kernel}: attribute layers must be a positive integer`);
  if (!isActivation(activation))
    throw new Error(`${kernel}: unsupported activation '${String(activation)}'`);
  const x = args.inputs['x'];
  if (x === undefined) throw new Error(`${kernel} needs the input x`);
  const c = args.inputs['c'];
  const layers = Array.from({ length: n }, (_, l): Layer => {
    const w = args.inputs[`w${l}`];
    if (w === undefined) throw new Error(`${kernel} needs the input w${l}`);
    const v = args.inputs[`v${l}`];
    if (v !== undefined && c === undefined) throw new Error(`${kernel}: v${l} needs a context c`);
    return { w, m: args.inputs[`m${l}`], v };
  });
  return { layers, activation, x, c };
};

const backendOf = (args: Parameters<tf.KernelFunc>[0], kernel: string): tf.KernelBackend => {
  if (!(args.backend instanceof tf.KernelBackend)) throw new Error(`${kernel}: no kernel backend`);
  return args.backend;
};

/** The same storage under another shape of the same size (what the wasm Reshape kernel does, minus the ref count). */
const view = (t: tf.TensorInfo, shape: number[]): tf.TensorInfo => ({ ...t, shape });

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
  const { layers, activation, x, c } = structure(args, FUSED_MLP);
  const k = new Calls(backendOf(args, FUSED_MLP));
  try {
    const outs: tf.TensorInfo[] = [];
    let h = x;
    layers.forEach((layer, l) => {
      const b = args.inputs[`b${l}`];
      if (b === undefined) throw new Error(`${FUSED_MLP} needs the input b${l}`);
      const hidden = l < layers.length - 1;
      const context = c !== undefined && layer.v !== undefined;
      const fuseRelu = hidden && !context && activation === 'relu';
      // The wasm _FusedMatMul reads 3-d operands (tf.fused.matMul reshapes before calling it).
      let z = view(
        k.run(
          '_FusedMatMul',
          {
            a: view(h, [1, ...h.shape]),
            b: view(effectiveWeight(k, layer), [1, ...layer.w.shape]),
            bias: b,
          },
          { transposeA: false, transposeB: false, activation: fuseRelu ? 'relu' : 'linear' },
        ),
        [h.shape[0]!, layer.w.shape[1]!],
      );
      if (context)
        z = k.run('Add', {
          a: z,
          b: k.run('BatchMatMul', { a: c, b: layer.v! }, { transposeA: false, transposeB: false }),
        });
      if (hidden && !fuseRelu) z = k.run(ACTIVATION_KERNEL[activation], { x: z });
      outs.push(k.keep(z));
      h = z;
    });
    return [outs[outs.length - 1]!, ...outs.slice(0, -1)];
  } finally {
    k.free();
  }
};

const backward: tf.KernelFunc = (args) => {
  const { layers, activation, x, c } = structure(args, FUSED_MLP_GRAD);
  const dy = args.inputs['dy'];
  if (dy === undefined) throw new Error(`${FUSED_MLP_GRAD} needs the input dy`);
  const hidden = layers.slice(0, -1).map((_, l) => {
    const h = args.inputs[`h${l}`];
    if (h === undefined) throw new Error(`${FUSED_MLP_GRAD} needs the input h${l}`);
    return h;
  });
  const k = new Calls(backendOf(args, FUSED_MLP_GRAD));
  const flags = (transposeA: boolean, transposeB: boolean) => ({ transposeA, transposeB });
  try {
    const dw: tf.TensorInfo[] = [];
    const db: tf.TensorInfo[] = [];
    const dv: (tf.TensorInfo | undefined)[] = [];
    let dc: tf.TensorInfo | undefined;
    let dx: tf.TensorInfo | undefined;
    let g = dy;
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l]!;
      const hin = l === 0 ? x : hidden[l - 1]!;
      let w = k.run('BatchMatMul', { a: hin, b: g }, flags(true, false));
      if (layer.m !== undefined) w = k.run('Multiply', { a: w, b: layer.m });
      dw[l] = k.keep(w);
      db[l] = k.keep(k.run('Sum', { x: g }, { axis: [0], keepDims: false }));
      if (c !== undefined && layer.v !== undefined) {
        dv[l] = k.keep(k.run('BatchMatMul', { a: c, b: g }, flags(true, false)));
        const term = k.run('BatchMatMul', { a: g, b: layer.v }, flags(false, true));
        dc = dc === undefined ? term : k.run('Add', { a: dc, b: term });
      }
      const dh = k.run('BatchMatMul', { a: g, b: effectiveWeight(k, layer) }, flags(false, true));
      if (l === 0) dx = k.keep(dh);
      else g = timesDerivative(k, activation, hidden[l - 1]!, dh);
    }
    return [
      dx!,
      ...layers.flatMap((_, l) => [dw[l]!, db[l]!]),
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
export const installFusedMlpKernels = (): boolean => {
  if (PARTS.some((name) => tf.getKernel(name, WASM) === undefined)) return false;
  for (const [kernelName, kernelFunc] of [
    [FUSED_MLP, forward],
    [FUSED_MLP_GRAD, backward],
  ] as const) {
    if (tf.getKernel(kernelName, WASM) !== undefined) tf.unregisterKernel(kernelName, WASM);
    tf.registerKernel({ kernelName, backendName: WASM, kernelFunc });
  }
  return true;
};

/** Remove the wasm fused MLP kernels again (mlpStack then runs the composite ops on wasm). */
export const uninstallFusedMlpKernels = (): boolean => {
  let changed = false;
  for (const kernelName of [FUSED_MLP, FUSED_MLP_GRAD]) {
    if (tf.getKernel(kernelName, WASM) === undefined) continue;
    tf.unregisterKernel(kernelName, WASM);
    changed = true;
  }
  return changed;
};
