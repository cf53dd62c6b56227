import * as E from 'fp-ts/lib/Either.js';
import {
  type BijectiveError,
  type FlowDef,
  type FlowParams,
  type NoParams,
  type Params,
  tf,
} from '@bijective/core';
import { maf, mafSpline } from '@bijective/autoregressive';
import { realNVP } from '@bijective/coupling';
import type { SafetensorsFile } from './safetensors.js';
import {
  type StateDict,
  bools,
  floats,
  ints,
  keyError,
  tensorsOf,
  transpose,
} from './stateDict.js';
import { zukoMasks } from './zukoMasks.js';

/** The zuko flows this package exchanges: `zuko.flows.MAF`, `zuko.flows.RealNVP` (= `NICE` with affine couplings), `zuko.flows.NSF`. */
export type ZukoFlowName = 'MAF' | 'RealNVP' | 'NSF';

/** Parameters of the definitions {@link fromZuko} builds (one entry per layer; the base has none). */
export type ZukoFlowParams = FlowParams<Params[], NoParams>;

/** A bijective definition and its parameters, equal to a zuko flow. */
export interface ZukoModel {
  readonly def: FlowDef<ZukoFlowParams>;
  readonly params: ZukoFlowParams;
  /** What was read from the state dict (zuko's constructor arguments). */
  readonly zuko: ZukoArguments;
}

/** zuko's constructor arguments, as read from a state dict. */
export interface ZukoArguments {
  readonly flow: ZukoFlowName;
  readonly features: number;
  readonly context: number;
  readonly transforms: number;
  readonly hiddenFeatures: readonly number[];
  /** NSF only. */
  readonly bins?: number;
  /** MAF/NSF: each layer's `order` buffer (`order[i]` = rank of feature `i`; zuko's ascending/descending or `randperm`). */
  readonly orders?: readonly (readonly number[])[];
}

/**
 * Options of {@link fromZuko}: which zuko class wrote the state dict, and optionally the
 * constructor arguments you expect (each one given is checked against the state dict; the
 * others are read from it). zuko's defaults not visible in a state dict are assumed:
 * ReLU activations, `slope = 1e-3`, NSF's bound 5, `passes = features`, no `residual`.
 */
export interface FromZukoOptions {
  readonly flow: ZukoFlowName;
  readonly features?: number;
  readonly context?: number;
  readonly transforms?: number;
  readonly hiddenFeatures?: readonly number[];
  readonly bins?: number;
}

/** A key outside the class's layout: another zuko flow or option, nflows, or no flow at all. */
const layoutError = (flow: ZukoFlowName, key: string): BijectiveError => {
  const own = flow === 'RealNVP' ? 'mask' : 'order';
  const hyper = flow === 'RealNVP' ? 'weight, bias' : 'weight, bias, mask';
  return keyError(
    key,
    `a key of zuko's ${flow} layout (transform.transforms.<i>.{${own}, hyper.<2l>.{${hyper}}}, base.{loc, scale})`,
    'an unknown key (another zuko flow or option, nflows, or not a flow state dict?)',
  );
};

const LAYER = /^transform\.transforms\.(0|[1-9]\d{0,5})\./;

const seq = <A>(xs: readonly E.Either<BijectiveError, A>[]): E.Either<BijectiveError, A[]> => {
  const out: A[] = [];
  for (const x of xs) {
    if (E.isLeft(x)) return x;
    out.push(x.right);
  }
  return E.right(out);
};

const expect = (
  key: string,
  option: number | undefined,
  actual: number,
  what: string,
): E.Either<BijectiveError, number> =>
  option === undefined || option === actual
    ? E.right(actual)
    : E.left(keyError(key, `${what} = ${option} (options.${what})`, String(actual)));

/** The context width: the first layer's inputs beyond the `taken` feature inputs. */
const contextWidth = (
  in0: number,
  taken: number,
  option: number | undefined,
): E.Either<BijectiveError, number> => {
  const key = 'transform.transforms.0.hyper.0.weight';
  return in0 < taken
    ? E.left(keyError(key, `at least ${taken} inputs`, String(in0)))
    : expect(key, option, in0 - taken, 'context');
};

/** The `hyper.<2l>.weight` shapes of layer `i`: zuko's `Linear`/`MaskedLinear` modules sit at even indices. */
const hyperWidths = (
  sd: StateDict,
  i: number,
): E.Either<BijectiveError, { readonly outs: number[]; readonly in0: number }> => {
  const prefix = `transform.transforms.${i}.hyper.`;
  const outs: number[] = [];
  let in0 = 0;
  for (let l = 0; ; l++) {
    const w = sd.get(`${prefix}${2 * l}.weight`);
    if (w === undefined) break;
    if (w.shape.length !== 2)
      return E.left(
        keyError(`${prefix}${2 * l}.weight`, 'a matrix [out, in]', `[${w.shape.join(', ')}]`),
      );
    if (l === 0) in0 = w.shape[1]!;
    else if (w.shape[1] !== outs[l - 1])
      return E.left(
        keyError(
          `${prefix}${2 * l}.weight`,
          `${outs[l - 1]} inputs (the previous layer's outputs)`,
          `${w.shape[1]}`,
        ),
      );
    outs.push(w.shape[0]!);
  }
  if (outs.length === 0) return E.left(keyError(`${prefix}0.weight`, 'a tensor', 'no such key'));
  return E.right({ outs, in0 });
};

const dense = (w: Float32Array, rows: number, cols: number) =>
  tf.tensor2d(transpose(w, rows, cols), [cols, rows]);

/** `order` (zuko: rank of each feature) → bijective's generation order (the feature generated `k`-th). */
const generationOrder = (
  key: string,
  rank: readonly number[],
): E.Either<BijectiveError, number[]> => {
  const d = rank.length;
  const order = new Array<number>(d).fill(-1);
  for (let i = 0; i < d; i++) {
    const r = rank[i]!;
    if (!(Number.isInteger(r) && r >= 0 && r < d && order[r] === -1))
      return E.left(
        keyError(
          key,
          `a permutation of 0..${d - 1} (zuko's orders with passes = features; coarser 'passes' are not supported)`,
          `[${rank.join(', ')}]`,
        ),
      );
    order[r] = i;
  }
  return E.right(order);
};

/**
 * Build the bijective definition and parameters equal to a zuko flow from its `state_dict`
 * (a parsed safetensors file, e.g. `safetensors.torch.save_file(flow.state_dict(), path)`):
 *
 * - `'MAF'` → `maf({ dim, contextDim, transforms, hidden, orderings, contextEntry: 'input' })`,
 * - `'NSF'` → `mafSpline({ …, bins, bound: 5, parametrization: 'zuko' })`,
 * - `'RealNVP'` → `realNVP({ dim, contextDim, transforms, hidden })`, with `mask` set to the stored masks
 *   unless they are zuko's alternating ones (`randmask=True`),
 *
 * with each `Linear` weight `W [out, in]` stored as bijective's `w = Wᵀ [in, out]` (the first
 * MADE layer's context columns become its context weight). zuko's buffers are checked, not
 * trusted: every MADE `mask` must equal the mask bijective's MADE uses for the stored `order`,
 * every `order` must be a permutation, each RealNVP `mask` must have both parts, the
 * base must be the standard normal, and the key set must be exactly zuko's layout. Anything else
 * (another zuko flow, `residual`, `passes < features`, nflows, a wrong `flow`
 * option, a non-finite weight) is a `Left(ValueError)` whose `argument` is the offending key.
 *
 *   `log p(x | c)` of the returned flow = zuko's `flow(c).log_prob(x)` (float32 rounding aside).
 *
 * @example
 * ```ts
 * const file = await readSafetensorsFile('maf.safetensors')();
 * const model = pipe(file, E.chain((f) => fromZuko(f, { flow: 'MAF' })));
 * // model.right.def, model.right.params: logProb(def, params, rows)
 * ```
 */
export const fromZuko = (
  stateDict: SafetensorsFile | StateDict,
  options: FromZukoOptions,
): E.Either<BijectiveError, ZukoModel> => {
  const tensors = tensorsOf(stateDict);
  if (E.isLeft(tensors)) return tensors;
  const sd = tensors.right;
  const flowName = options.flow;
  if (flowName !== 'MAF' && flowName !== 'RealNVP' && flowName !== 'NSF')
    return E.left(keyError('options.flow', "'MAF', 'RealNVP' or 'NSF'", String(flowName)));
  // Every key must belong to the class's layout before anything else is read, so another zuko
  // flow, a zuko option with extra modules or an nflows state dict is named by its first odd key.
  const layout =
    flowName === 'RealNVP'
      ? /^(transform\.transforms\.\d+\.(mask|hyper\.\d+\.(weight|bias))|base\.(loc|scale))$/
      : /^(transform\.transforms\.\d+\.(order|hyper\.\d+\.(weight|bias|mask))|base\.(loc|scale))$/;
  for (const key of sd.keys()) if (!layout.test(key)) return E.left(layoutError(flowName, key));
  // Base: zuko's DiagNormal buffers, which must be the standard normal.
  const loc = floats(sd, 'base.loc', [undefined]);
  if (E.isLeft(loc)) return loc;
  const d = loc.right.data.length;
  const scale = floats(sd, 'base.scale', [d]);
  if (E.isLeft(scale)) return scale;
  if (!loc.right.data.every((v) => v === 0))
    return E.left(keyError('base.loc', "zeros (zuko's standard normal base)", 'other values'));
  if (!scale.right.data.every((v) => v === 1))
    return E.left(keyError('base.scale', "ones (zuko's standard normal base)", 'other values'));
  const dim = expect('base.loc', options.features, d, 'features');
  if (E.isLeft(dim)) return dim;
  if (d < 2)
    return E.left(
      keyError(
        'base.loc',
        'at least 2 features (zuko uses an element-wise transform for 1)',
        String(d),
      ),
    );
  // Layers: transform.transforms.<i>.*, i = 0..T-1.
  const layerIds = new Set<number>();
  for (const key of sd.keys()) {
    const m = LAYER.exec(key);
    if (m !== null) layerIds.add(Number(m[1]));
  }
  const T = layerIds.size;
  if (T === 0) return E.left(keyError('transform.transforms.0', 'zuko layers', 'no such keys'));
  for (let i = 0; i < T; i++)
    if (!layerIds.has(i))
      return E.left(keyError(`transform.transforms.${i}`, `layers 0..${T - 1}`, 'a gap'));
  const transforms = expect('transform.transforms', options.transforms, T, 'transforms');
  if (E.isLeft(transforms)) return transforms;
  const widths = hyperWidths(sd, 0);
  if (E.isLeft(widths)) return widths;
  const { outs } = widths.right;
  const hidden = outs.slice(0, -1);
  const out = outs[outs.length - 1]!;
  if (options.hiddenFeatures !== undefined && options.hiddenFeatures.join(',') !== hidden.join(','))
    return E.left(
      keyError(
        'transform.transforms.0.hyper',
        `hidden_features [${options.hiddenFeatures.join(', ')}] (options.hiddenFeatures)`,
        `[${hidden.join(', ')}]`,
      ),
    );
  const expectedKeys = new Set<string>(['base.loc', 'base.scale']);
  const hyperKeys = (i: number, masked: boolean) =>
    outs.forEach((_, l) =>
      ['weight', 'bias', ...(masked ? ['mask'] : [])].forEach((s) =>
        expectedKeys.add(`transform.transforms.${i}.hyper.${2 * l}.${s}`),
      ),
    );
  const layerShapes = (i: number, in0: number, lastOut: number) =>
    seq(
      [...hidden, lastOut].map((o, l) => {
        const p = `transform.transforms.${i}.hyper.${2 * l}`;
        const inputs = l === 0 ? in0 : outs[l - 1]!;
        const w = floats(sd, `${p}.weight`, [o, inputs]);
        const b = floats(sd, `${p}.bias`, [o]);
        if (E.isLeft(w)) return w;
        if (E.isLeft(b)) return b;
        return E.right({ w: w.right.data, b: b.right.data, rows: o, cols: inputs, key: p });
      }),
    );

  // Layers are built as thunks and turned into tensors only once every check has passed (no leak on a Left).
  let built: E.Either<
    BijectiveError,
    { def: FlowDef<ZukoFlowParams>; layers: (() => Params)[]; zuko: ZukoArguments }
  >;
  if (flowName === 'RealNVP') {
    // zuko's `mask` buffers mark the conditioning half (true = kept); randmask=False alternates j % 2 == i % 2.
    const masks: Uint8Array[] = [];
    for (let i = 0; i < T; i++) {
      const key = `transform.transforms.${i}.mask`;
      const mask = bools(sd, key, [d]);
      if (E.isLeft(mask)) return mask;
      const kept = mask.right.reduce((n, v) => n + v, 0);
      if (kept === 0 || kept === d)
        return E.left(
          keyError(
            key,
            'a mask with both a kept and a transformed part',
            `[${Array.from(mask.right).join(', ')}]`,
          ),
        );
      masks.push(mask.right);
    }
    const context = contextWidth(
      widths.right.in0,
      masks[0]!.reduce((n, v) => n + v, 0),
      options.context,
    );
    if (E.isLeft(context)) return context;
    const c = context.right;
    const layers: (() => Params)[] = [];
    for (let i = 0; i < T; i++) {
      expectedKeys.add(`transform.transforms.${i}.mask`);
      hyperKeys(i, false);
      const mask = masks[i]!;
      const na = mask.reduce((n, v) => n + v, 0);
      const nb = d - na;
      if (i === 0 && out !== 2 * nb)
        return E.left(
          keyError(
            `transform.transforms.0.hyper.${2 * hidden.length}.weight`,
            `${2 * nb} outputs (shift and scale of ${nb} features; is this a RealNVP?)`,
            String(out),
          ),
        );
      const ls = layerShapes(i, na + c, 2 * nb);
      if (E.isLeft(ls)) return ls;
      const net = ls.right;
      layers.push(() => ({
        net: net.map((l) => ({ w: dense(l.w, l.rows, l.cols), b: tf.tensor1d(l.b) })),
      }));
    }
    const alternating = masks.every((m, i) => m.every((v, j) => v === (j % 2 === i % 2 ? 1 : 0)));
    built = E.right({
      def: realNVP({
        dim: d,
        contextDim: c,
        transforms: T,
        hidden,
        ...(alternating ? {} : { mask: masks.map((m) => Array.from(m, (v) => v === 0)) }),
      }),
      layers,
      zuko: { flow: flowName, features: d, context: c, transforms: T, hiddenFeatures: hidden },
    });
  } else {
    const P = out / d;
    if (!Number.isInteger(P))
      return E.left(
        keyError(
          `transform.transforms.0.hyper.${2 * hidden.length}.weight`,
          `a multiple of ${d} outputs`,
          String(out),
        ),
      );
    let bins: number | undefined;
    if (flowName === 'MAF') {
      if (P !== 2)
        return E.left(
          keyError(
            `transform.transforms.0.hyper.${2 * hidden.length}.weight`,
            `${2 * d} outputs (MAF: shift and scale per feature)`,
            `${out} (is this an NSF?)`,
          ),
        );
    } else {
      const K = (P + 1) / 3;
      if (!(Number.isInteger(K) && K >= 2))
        return E.left(
          keyError(
            `transform.transforms.0.hyper.${2 * hidden.length}.weight`,
            `${d}·(3·bins - 1) outputs (NSF)`,
            String(out),
          ),
        );
      const b = expect(
        `transform.transforms.0.hyper.${2 * hidden.length}.weight`,
        options.bins,
        K,
        'bins',
      );
      if (E.isLeft(b)) return b;
      bins = K;
    }
    const context = contextWidth(widths.right.in0, d, options.context);
    if (E.isLeft(context)) return context;
    const c = context.right;
    const layers: (() => Params)[] = [];
    const orders: number[][] = [];
    const ranks: number[][] = [];
    for (let i = 0; i < T; i++) {
      const key = `transform.transforms.${i}.order`;
      expectedKeys.add(key);
      hyperKeys(i, true);
      const rank = ints(sd, key, [d]);
      if (E.isLeft(rank)) return rank;
      const order = generationOrder(key, rank.right);
      if (E.isLeft(order)) return order;
      const ls = layerShapes(i, d + c, out);
      if (E.isLeft(ls)) return ls;
      const masks = zukoMasks(order.right, hidden, c, P);
      for (let l = 0; l < masks.length; l++) {
        const mk = `${ls.right[l]!.key}.mask`;
        const m = bools(sd, mk, [ls.right[l]!.rows, ls.right[l]!.cols]);
        if (E.isLeft(m)) return m;
        const bad = masks[l]!.findIndex((v, j) => m.right[j] !== v);
        if (bad >= 0)
          return E.left(
            keyError(
              mk,
              `the MADE mask of order [${rank.right.join(', ')}] (zuko 1.x MaskedMLP without residual/adjacency)`,
              `a different mask (first difference at [${Math.floor(bad / ls.right[l]!.cols)}, ${bad % ls.right[l]!.cols}])`,
            ),
          );
      }
      orders.push(order.right);
      ranks.push(rank.right);
      const [first, ...rest] = ls.right;
      const h1 = first!.rows;
      const w0 = transpose(first!.w, h1, first!.cols); // [d + c, h1]: inputs, then context
      layers.push(() => ({
        layers: [
          { w: tf.tensor2d(w0.slice(0, d * h1), [d, h1]), b: tf.tensor1d(first!.b) },
          ...rest.map((l) => ({ w: dense(l.w, l.rows, l.cols), b: tf.tensor1d(l.b) })),
        ],
        context: c > 0 ? [tf.tensor2d(w0.slice(d * h1), [c, h1])] : [],
      }));
    }
    const natural = (o: readonly number[]) => o.every((v, k) => v === k);
    const reversed = (o: readonly number[]) => o.every((v, k) => v === d - 1 - k);
    const alternate = orders.every((o, i) => (i % 2 === 0 ? natural(o) : reversed(o)));
    const common = {
      dim: d,
      contextDim: c,
      transforms: T,
      hidden,
      init: 'fanIn' as const,
      orderings: alternate ? ('alternate' as const) : orders,
      ...(c > 0 ? { contextEntry: 'input' as const } : {}),
    };
    built = E.right({
      def:
        flowName === 'MAF'
          ? maf(common)
          : mafSpline({ ...common, bins: bins!, bound: 5, parametrization: 'zuko' }),
      layers,
      zuko: {
        flow: flowName,
        features: d,
        context: c,
        transforms: T,
        hiddenFeatures: hidden,
        ...(bins === undefined ? {} : { bins }),
        orders: ranks,
      },
    });
  }
  if (E.isLeft(built)) return built;
  for (const key of sd.keys())
    if (!expectedKeys.has(key)) return E.left(layoutError(flowName, key));
  for (const key of expectedKeys)
    if (!sd.has(key)) return E.left(keyError(key, 'a tensor', 'no such key'));
  return E.right({
    def: built.right.def,
    params: { transform: built.right.layers.map((make) => make()), base: [] },
    zuko: built.right.zuko,
  });
};
