import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { addonFileProblem } from './binaryCheck.js';

/** What the addon reports about itself (see {@link NativeAddon.info}). */
export type NativeAddonInfo = {
  /** The GEMM micro-kernel in use: AVX-512 12x16 tiles (AVX2+FMA at the edges), AVX2+FMA, or the portable 4-lane one. */
  readonly simd: 'avx512f' | 'avx2+fma' | 'portable';
  /** Threads in the persistent pool, the calling thread included. */
  readonly threads: number;
  /** Whether the CPU supports AVX2 and FMA (the portable kernel may still be forced). */
  readonly cpuHasAvx2Fma: boolean;
  /**
   * Pool jobs run on the calling thread alone so far: small jobs (below four times their kernel's
   * parallel threshold) leave sleeping workers asleep (`native/thread_pool.h`).
   */
  readonly inlineJobs: number;
};

/**
 * The functions of the compiled addon (`native/addon.cc`). Every array is
 * read or written in place, without copies; shapes are dense row-major.
 * The addon checks lengths before touching memory and throws on a mismatch.
 *
 * @example
 * ```ts
 * const addon = E.getOrElseW(() => undefined)(loadNativeAddon());
 * const c = new Float32Array(4);
 * addon?.gemm(a, b, c, 1, 1, 1, 2, 2, 3, false, false, null, 0, 0, 0, 0, 0); // [2,3] @ [3,2]
 * ```
 */
export type NativeAddon = {
  /**
   * out[i] = act(op(A[i % batchA]) @ op(B[i % batchB]) + bias) for i < batch;
   * A is [batchA, m, k] ([batchA, k, m] if transA), B [batchB, k, n]
   * ([batchB, n, k] if transB); bias(i, r, c) = bias[i*sB + r*sR + c*sC].
   * activation: 0 linear, 1 relu, 2 relu6, 3 sigmoid, 4 elu, 5 leakyrelu(alpha).
   */
  gemm(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    batchA: number,
    batchB: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    bias: Float32Array | null,
    biasBatchStride: number,
    biasRowStride: number,
    biasColStride: number,
    activation: number,
    alpha: number,
  ): void;
  /** Broadcasting out = op(a, b) over `shape` with per-dim element strides (0 = broadcast). */
  binary(
    op: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    shape: Int32Array,
    stridesA: Int32Array,
    stridesB: Int32Array,
  ): void;
  /** out[i] = op(x[i]). */
  unary(op: number, x: Float32Array, out: Float32Array): void;
  /** x viewed as [outer, red, inner]; out[o, i] = sum or max over r of x[o, r, i]. */
  reduce(
    op: number,
    x: Float32Array,
    out: Float32Array,
    outer: number,
    red: number,
    inner: number,
  ): void;
  /**
   * Strided copy: out[sum i_d*stridesOut_d] = x[sum i_d*stridesX_d] over
   * `shape` (x and out may be offset subarray views, which share storage).
   */
  copy(
    x: Float32Array,
    out: Float32Array,
    shape: Int32Array,
    stridesX: Int32Array,
    stridesOut: Int32Array,
  ): void;
  /** Row softmax of x viewed as [rows, cols]: out = exp(x - rowmax) / rowsum. */
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** Broadcasting comparison like {@link NativeAddon.binary}; out is bool storage (0/1 bytes). */
  compare(
    op: number,
    a: Float32Array,
    b: Float32Array,
    out: Uint8Array,
    shape: Int32Array,
    stridesA: Int32Array,
    stridesB: Int32Array,
  ): void;
  /** out[i] = cond[i] ? t[i] : e[i]. */
  select(cond: Uint8Array, t: Float32Array, e: Float32Array, out: Float32Array): void;
  /** x viewed as [outer, dim, inner]; out[o, j, i] = x[o, indices[j], i] (throws on an index outside [0, dim)). */
  gather(
    x: Float32Array,
    indices: Int32Array,
    out: Float32Array,
    outer: number,
    dim: number,
    inner: number,
  ): void;
  /** Cumulative sum along the rows of x viewed as [rows, cols], exclusive and/or reversed as tf.cumsum. */
  cumsum(
    x: Float32Array,
    out: Float32Array,
    rows: number,
    cols: number,
    exclusive: boolean,
    reverse: boolean,
  ): void;
  /**
   * Elementwise ops with scalar attributes: op 0 Step (out = x > 0 ? 1 : p0,
   * NaN stays NaN), op 1 ClipByValue (to [p0, p1]).
   */
  unaryParam(op: number, x: Float32Array, out: Float32Array, p0: number, p1: number): void;
  /**
   * Fused Adam over n = p.length parameters (constants rounded to float32):
   * mOut = β₁m + (1-β₁)g, vOut = β₂v + (1-β₂)g², pOut = p - stepSize · mOut / (√vOut + epsHat).
   */
  adam(
    p: Float32Array,
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    pOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    stepSize: number,
    epsHat: number,
  ): void;
  /** Σ x², accumulated in double. */
  sumSquares(x: Float32Array): number;
  /**
   * Fused MLP forward (core's `BijectiveFusedMlp`): `h₀ = x`,
   * `h_{l+1} = act(h_l (W_l ⊙ M_l) + b_l + c V_l)`, the last layer linear;
   * `outs[l]` receives `h_{l+1}` (`[batch, sizes[l+1]]`). Masks and context
   * weights are null where a layer has none; activation: 0 relu, 1 tanh,
   * 2 softplus, 3 sigmoid, 4 elu.
   */
  mlpForward(
    x: Float32Array,
    c: Float32Array | null,
    sizes: Int32Array,
    batch: number,
    contextDim: number,
    activation: number,
    ws: readonly Float32Array[],
    bs: readonly Float32Array[],
    masks: readonly (Float32Array | null)[],
    vs: readonly (Float32Array | null)[],
    outs: readonly Float32Array[],
  ): void;
  /**
   * Fused MLP backward (core's `BijectiveFusedMlpGrad`) from `dy` and the
   * hidden outputs of {@link NativeAddon.mlpForward}: writes `dx`, `dc` (when
   * not null) and per layer `dW ⊙ M`, `db`, `dV`.
   */
  mlpBackward(
    dy: Float32Array,
    x: Float32Array,
    c: Float32Array | null,
    sizes: Int32Array,
    batch: number,
    contextDim: number,
    activation: number,
    hidden: readonly Float32Array[],
    ws: readonly Float32Array[],
    masks: readonly (Float32Array | null)[],
    vs: readonly (Float32Array | null)[],
    dx: Float32Array | null,
    dc: Float32Array | null,
    dws: readonly Float32Array[],
    dbs: readonly Float32Array[],
    dvs: readonly (Float32Array | null)[],
  ): void;
  /**
   * Fused rational-quadratic spline (core's FUSED_SPLINE): x [rows, dim], raw
   * [rows, dim, 3·bins - 1]; writes out, lad [rows, dim] and logDet [rows].
   */
  spline(
    x: Float32Array,
    raw: Float32Array,
    out: Float32Array,
    lad: Float32Array,
    logDet: Float32Array,
    rows: number,
    dim: number,
    bins: number,
    bound: number,
    minBinSize: number,
    minDerivative: number,
    zuko: boolean,
    inverse: boolean,
  ): void;
  /** Gradient of {@link NativeAddon.spline} (null cotangents are zero); writes dx and dRaw. */
  splineGrad(
    x: Float32Array,
    raw: Float32Array,
    dOut: Float32Array | null,
    dLad: Float32Array | null,
    dLogDet: Float32Array | null,
    dx: Float32Array,
    dRaw: Float32Array,
    rows: number,
    dim: number,
    bins: number,
    bound: number,
    minBinSize: number,
    minDerivative: number,
    zuko: boolean,
    inverse: boolean,
  ): void;
  /** Fused affine element map (core's FUSED_AFFINE): raw [rows, dim, 2] = (shift, a). */
  affine(
    x: Float32Array,
    raw: Float32Array,
    out: Float32Array,
    lad: Float32Array,
    logDet: Float32Array,
    rows: number,
    dim: number,
    bound: number,
    inverse: boolean,
  ): void;
  /** Gradient of {@link NativeAddon.affine} (null cotangents are zero); writes dx and dRaw. */
  affineGrad(
    x: Float32Array,
    raw: Float32Array,
    dOut: Float32Array | null,
    dLad: Float32Array | null,
    dLogDet: Float32Array | null,
    dx: Float32Array,
    dRaw: Float32Array,
    rows: number,
    dim: number,
    bound: number,
    inverse: boolean,
  ): void;
  /** out[r] = -½ Σ z[r]² - (dim/2) log 2π + sign · logDet[r] (core's STANDARD_NORMAL_LOG_PROB). */
  stdNormalLogProb(
    z: Float32Array,
    logDet: Float32Array,
    out: Float32Array,
    rows: number,
    dim: number,
    sign: number,
  ): void;
  /** Its gradient: dz = -z · dy (per row), dLogDet = sign · dy. */
  stdNormalLogProbGrad(
    z: Float32Array,
    dy: Float32Array,
    dz: Float32Array,
    dLogDet: Float32Array,
    rows: number,
    dim: number,
    sign: number,
  ): void;
  /**
   * Fused ODE right-hand side with its exact trace (core's FUSED_FIELD_TRACE):
   * z [batch, D], per layer w [d_l, d_{l+1}], every layer's scales s (optional)
   * and shifts c side by side ([1 or batch, d_1 + … + d_L]); writes
   * out [batch, D + 2] = [f | tr ∂f/∂z | ‖∂f/∂z‖²_F].
   * activation: 0 tanh, 1 softplus, 2 sigmoid, 3 swish, 4 elu.
   */
  fieldTrace(
    z: Float32Array,
    sizes: Int32Array,
    batch: number,
    activation: number,
    ws: readonly Float32Array[],
    s: Float32Array | null,
    c: Float32Array,
    out: Float32Array,
  ): void;
  /** Gradient of {@link NativeAddon.fieldTrace} from dy [batch, D + 2]: writes dz, every dw, ds and dc. */
  fieldTraceGrad(
    z: Float32Array,
    sizes: Int32Array,
    batch: number,
    activation: number,
    ws: readonly Float32Array[],
    s: Float32Array | null,
    c: Float32Array,
    dy: Float32Array,
    dz: Float32Array | null,
    dws: readonly Float32Array[],
    ds: Float32Array | null,
    dc: Float32Array,
  ): void;
  /**
   * Bytes of scratch (temporaries kept per thread between calls, native/scratch.h) that the calling
   * thread's last `mlpForward`, `mlpBackward`, `fieldTrace` or `fieldTraceGrad` kept; 0 when that
   * call needed more than {@link SCRATCH_KEEP_BYTES} and freed them on return.
   *
   * @example
   * ```ts
   * addon.mlpForward(...); addon.scratchBytes(); // e.g. 65536
   * ```
   */
  scratchBytes(): number;
  info(): NativeAddonInfo;
  /** Resize the thread pool (n >= 1, the caller included). */
  setThreads(n: number): void;
  /** Force the portable GEMM micro-kernel (true) or use the best available (false). */
  setPortable(portable: boolean): void;
  /** Allow the AVX-512 GEMM tile kernel where the CPU has it (true, the default) or keep to AVX2 (false). */
  setAvx512(enabled: boolean): void;
};

/** Per-thread scratch the addon keeps between kernel calls; more is freed on return (native/scratch.h). */
export const SCRATCH_KEEP_BYTES = 64 * 1024 * 1024;

/** Where `pnpm -F @bijective/backend-node build:addon` (and the install script) puts the addon. */
export const defaultAddonPath: string = fileURLToPath(
  new URL('../build/Release/bijective_native.node', import.meta.url),
);

/** The functions the addon exports (checked at load). */
export const ADDON_FUNCTIONS = [
  'gemm',
  'binary',
  'unary',
  'reduce',
  'copy',
  'softmax',
  'compare',
  'select',
  'gather',
  'cumsum',
  'unaryParam',
  'adam',
  'sumSquares',
  'mlpForward',
  'mlpBackward',
  'spline',
  'splineGrad',
  'affine',
  'affineGrad',
  'stdNormalLogProb',
  'stdNormalLogProbGrad',
  'fieldTrace',
  'fieldTraceGrad',
  'scratchBytes',
  'info',
  'setThreads',
  'setPortable',
  'setAvx512',
] as const;

const isNativeAddon = (m: unknown): m is NativeAddon =>
  typeof m === 'object' &&
  m !== null &&
  ADDON_FUNCTIONS.every((f) => typeof (m as Record<string, unknown>)[f] === 'function');

/** Loads a module file the way Node loads `.node` addons; injectable for tests. */
export type ModuleLoader = (path: string) => unknown;

/**
 * Node's loader, after {@link addonFileProblem}: a truncated or corrupt
 * binary is refused with an error instead of being handed to `dlopen`,
 * which would map it and kill the process with SIGBUS on the first page
 * past the end of the file.
 */
const nodeRequire: ModuleLoader = (path) => {
  const problem = addonFileProblem(path);
  if (problem !== undefined) throw new Error(problem);
  return createRequire(import.meta.url)(path);
};

/**
 * Load the compiled addon from `path` (default {@link defaultAddonPath}).
 * Returns `Left(reason)` when the file is missing, truncated or not a
 * shared object (checked before `dlopen`, see `addonFileProblem`), cannot
 * be loaded (e.g. built for another Node ABI) or does not export the
 * expected functions; never throws. A binary that is complete but
 * corrupted inside its code can still crash the process: no check short of
 * a signature can rule that out.
 *
 * @example
 * ```ts
 * const r = loadNativeAddon();
 * if (E.isRight(r)) console.log(r.right.info()); // { simd: 'avx2+fma', threads: 2, ... }
 * ```
 */
export const loadNativeAddon = (
  path: string = defaultAddonPath,
  load: ModuleLoader = nodeRequire,
): E.Either<string, NativeAddon> => {
  let m: unknown;
  try {
    m = load(path);
  } catch (e) {
    return E.left(e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e));
  }
  return isNativeAddon(m)
    ? E.right(m)
    : E.left(
        `${path} is not the bijective addon (expected functions ${ADDON_FUNCTIONS.join(', ')})`,
      );
};
