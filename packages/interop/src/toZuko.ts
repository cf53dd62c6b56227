import * as E from 'fp-ts/lib/Either.js';
import { type BijectiveError, type FlowDef, type Params, tf } from '@bijective/core';
import { splitSeed } from '@bijective/core/params';
import { resolveOrdering } from '@bijective/autoregressive/layers';
import { randomMask } from '@bijective/coupling/layers';
import type { SafeTensor } from './safetensors.js';
import { type StateDict, keyError, transpose } from './stateDict.js';
import type { ZukoFlowName } from './fromZuko.js';
import { zukoMasks } from './zukoMasks.js';

const isTensor = (v: unknown, shape: readonly number[]): v is tf.Tensor =>
  v instanceof tf.Tensor &&
  !v.isDisposed &&
  v.shape.length === shape.length &&
  v.shape.every((n: number, i: number) => n === shape[i]);

const field = (o: unknown, k: string): unknown =>
  typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, k)
    ? (o as Record<string, unknown>)[k]
    : undefined;

const f32 = (shape: number[], data: Float32Array): SafeTensor => ({ dtype: 'F32', shape, data });

/** Read `[out, in]` zuko weights from a bijective `[in, out]` tensor. */
const weightOf = (w: tf.Tensor): Float32Array =>
  transpose(w.dataSync() as Float32Array, w.shape[0]!, w.shape[1]!);

const tensorAt = (
  params: unknown,
  path: readonly (string | number)[],
  shape: readonly number[],
): E.Either<BijectiveError, tf.Tensor> => {
  let v: unknown = params;
  for (const p of path)
    v = typeof p === 'number' ? (Array.isArray(v) ? v[p] : undefined) : field(v, p);
  const name = `params.transform.${path.join('.')}`;
  return isTensor(v, shape)
    ? E.right(v)
    : E.left(
        keyError(
          name,
          `a live tensor of shape [${shape.join(', ')}]`,
          v instanceof tf.Tensor
            ? `shape [${v.shape.join(', ')}]${v.isDisposed ? ' (disposed)' : ''}`
            : typeof v,
        ),
      );
};

const configError = (key: string, expected: string, actual: unknown): BijectiveError =>
  keyError(`def.config.${key}`, expected, JSON.stringify(actual) ?? 'undefined');

/**
 * Write a zuko `state_dict` (tensor name → tensor, ready for {@link encodeSafetensors} /
 * `writeSafetensorsFile`) that `zuko.flows.MAF` / `RealNVP` / `NSF` `.load_state_dict(...)`
 * accepts and that computes the same function as `def` with `params`:
 *
 * - `maf` → `MAF(features=dim, context=contextDim, transforms, hidden_features=hidden)`,
 * - `mafSpline` with `parametrization: 'zuko'`, `bound: 5` → `NSF(…, bins=bins)`,
 * - `realNVP` → `RealNVP(features=dim, context=contextDim, transforms=transforms, hidden_features=hidden)`
 *   (alternating, random or explicit masks: zuko uses the loaded `mask` buffers, as long as step
 *   `i` keeps `#{j : j % 2 = i % 2}` coordinates, as every zuko RealNVP does),
 *
 * writing each weight `w [in, out]` as `W = wᵀ [out, in]`, each layer's `order` buffer (the rank
 * of each feature; `randperm=True` orders load as well, since `order` is a buffer), the MADE
 * `mask` buffers zuko builds, RealNVP's `mask`s and the standard normal `base.loc`/`base.scale`.
 * The returned `flow` is the zuko class to construct. Returns `Left(ValueError)` naming the
 * config field or parameter when zuko has no equivalent (other presets, batch norm, residual
 * MADEs, non-ReLU activations, `contextEntry: 'hidden'` with a context, a spline not in zuko's
 * parametrization, coupling masks of other sizes) or a parameter has the wrong shape.
 *
 * @example
 * ```ts
 * const sd = toZuko(def, params); // Right({ flow: 'MAF', stateDict })
 * if (E.isRight(sd)) await writeSafetensorsFile('flow.safetensors', sd.right.stateDict)();
 * ```
 */
export const toZuko = <P extends Params>(
  def: FlowDef<P>,
  params: P,
): E.Either<BijectiveError, { readonly flow: ZukoFlowName; readonly stateDict: StateDict }> => {
  const c = def.config;
  const dim = def.dim;
  const ctx = def.contextDim;
  const sd = new Map<string, SafeTensor>();
  sd.set('base.loc', f32([dim], new Float32Array(dim)));
  sd.set('base.scale', f32([dim], new Float32Array(dim).fill(1)));
  const hidden = c['hidden'];
  if (!(Array.isArray(hidden) && hidden.every((h) => typeof h === 'number')))
    return E.left(configError('hidden', 'hidden widths', hidden));
  const widths = hidden as number[];
  if ((c['activation'] ?? 'relu') !== 'relu')
    return E.left(configError('activation', "'relu' (zuko's default)", c['activation']));
  const transformParams = field(params, 'transform');

  if (def.name === 'realNVP') {
    // `transforms` since the coupling presets' rename; configs saved before it have `steps`.
    const steps = c['transforms'] ?? c['steps'];
    if (typeof steps !== 'number') return E.left(configError('transforms', 'a number', steps));
    const maskOption = c['mask'] ?? 'alternating';
    // The kept (conditioning) half of each step, zuko's `mask` buffer.
    const keptOf = (i: number): boolean[] | undefined => {
      if (maskOption === 'alternating')
        return Array.from({ length: dim }, (_, j) => j % 2 === i % 2);
      const m =
        maskOption === 'random'
          ? randomMask(
              dim,
              splitSeed(typeof c['structureSeed'] === 'number' ? c['structureSeed'] : 0, i),
            )
          : Array.isArray(maskOption) && Array.isArray(maskOption[i])
            ? { conditioning: (maskOption[i] as boolean[]).flatMap((t, j) => (t ? [] : [j])) }
            : undefined;
      if (m === undefined) return undefined;
      const kept = new Set(m.conditioning);
      return Array.from({ length: dim }, (_, j) => kept.has(j));
    };
    for (let i = 0; i < steps; i++) {
      const kept = keptOf(i);
      if (kept === undefined) return E.left(configError('mask', 'a mask per step', maskOption));
      const na = kept.filter((v) => v).length;
      // zuko's RealNVP(features) keeps #{j : j % 2 == i % 2} coordinates at step i (randperm or not).
      const zukoKept = Math.floor((dim + 1 - (i % 2)) / 2);
      if (na !== zukoKept)
        return E.left(
          configError(
            'mask',
            `step ${i} keeping ${zukoKept} of ${dim} coordinates (as zuko's RealNVP does)`,
            maskOption,
          ),
        );
      const cond = kept.map((v) => (v ? 1 : 0));
      const sizes = [na + ctx, ...widths, 2 * (dim - na)];
      sd.set(`transform.transforms.${i}.mask`, {
        dtype: 'BOOL',
        shape: [dim],
        data: Uint8Array.from(cond),
      });
      for (let l = 0; l + 1 < sizes.length; l++) {
        const w = tensorAt(transformParams, [i, 'net', l, 'w'], [sizes[l]!, sizes[l + 1]!]);
        if (E.isLeft(w)) return w;
        const b = tensorAt(transformParams, [i, 'net', l, 'b'], [sizes[l + 1]!]);
        if (E.isLeft(b)) return b;
        const p = `transform.transforms.${i}.hyper.${2 * l}`;
        sd.set(`${p}.weight`, f32([sizes[l + 1]!, sizes[l]!], weightOf(w.right)));
        sd.set(`${p}.bias`, f32([sizes[l + 1]!], Float32Array.from(b.right.dataSync())));
      }
    }
    return E.right({ flow: 'RealNVP', stateDict: sd });
  }

  if (def.name !== 'maf' && def.name !== 'mafSpline')
    return E.left(
      keyError(
        'def.name',
        "'maf', 'mafSpline' or 'realNVP' (zuko's MAF, NSF, RealNVP)",
        `'${def.name}'`,
      ),
    );
  if (c['batchNorm'] === true)
    return E.left(configError('batchNorm', 'false (zuko has no batch norm)', true));
  if (c['residual'] === true) return E.left(configError('residual', 'false', true));
  if (ctx > 0 && c['contextEntry'] !== 'input')
    return E.left(
      configError(
        'contextEntry',
        "'input' (zuko's MaskedMLP takes the context at its first layer only)",
        c['contextEntry'],
      ),
    );
  let P = 2;
  if (def.name === 'mafSpline') {
    if (c['parametrization'] !== 'zuko')
      return E.left(
        configError(
          'parametrization',
          "'zuko' (zuko's spline parametrization)",
          c['parametrization'],
        ),
      );
    if (c['bound'] !== 5) return E.left(configError('bound', "5 (zuko's NSF)", c['bound']));
    const bins = c['bins'];
    if (typeof bins !== 'number') return E.left(configError('bins', 'a number', bins));
    P = 3 * bins - 1;
  }
  const transforms = c['transforms'];
  if (typeof transforms !== 'number')
    return E.left(configError('transforms', 'a number', transforms));
  const orderings = c['orderings'];
  const orderSeed = typeof c['orderSeed'] === 'number' ? c['orderSeed'] : 0;
  for (let i = 0; i < transforms; i++) {
    let order: number[];
    try {
      order =
        orderings === 'random'
          ? resolveOrdering(dim, { random: splitSeed(orderSeed, i) })
          : Array.isArray(orderings)
            ? resolveOrdering(dim, orderings[i] as number[])
            : resolveOrdering(dim, i % 2 === 0 ? 'natural' : 'reversed');
    } catch {
      return E.left(
        configError('orderings', `a permutation of 0..${dim - 1} per layer`, orderings),
      );
    }
    const rank = new Array<number>(dim);
    order.forEach((f, k) => (rank[f] = k));
    const p = `transform.transforms.${i}`;
    sd.set(`${p}.order`, {
      dtype: 'I64',
      shape: [dim],
      data: BigInt64Array.from(rank, (r) => BigInt(r)),
    });
    const masks = zukoMasks(order, widths, ctx, P);
    const sizes = [dim, ...widths, dim * P];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const w = tensorAt(transformParams, [i, 'layers', l, 'w'], [sizes[l]!, sizes[l + 1]!]);
      if (E.isLeft(w)) return w;
      const b = tensorAt(transformParams, [i, 'layers', l, 'b'], [sizes[l + 1]!]);
      if (E.isLeft(b)) return b;
      let weight = weightOf(w.right);
      let inputs = sizes[l]!;
      if (l === 0 && ctx > 0) {
        const v = tensorAt(transformParams, [i, 'context', 0], [ctx, sizes[1]!]);
        if (E.isLeft(v)) return v;
        // [h1, d] and [h1, c] side by side: zuko's first layer sees [x, c].
        const wc = weightOf(v.right);
        const h1 = sizes[1]!;
        const joined = new Float32Array(h1 * (dim + ctx));
        for (let k = 0; k < h1; k++) {
          joined.set(weight.subarray(k * dim, (k + 1) * dim), k * (dim + ctx));
          joined.set(wc.subarray(k * ctx, (k + 1) * ctx), k * (dim + ctx) + dim);
        }
        weight = joined;
        inputs = dim + ctx;
      }
      const h = `${p}.hyper.${2 * l}`;
      sd.set(`${h}.weight`, f32([sizes[l + 1]!, inputs], weight));
      sd.set(`${h}.bias`, f32([sizes[l + 1]!], Float32Array.from(b.right.dataSync())));
      sd.set(`${h}.mask`, { dtype: 'BOOL', shape: [sizes[l + 1]!, inputs], data: masks[l]! });
    }
    const cw = field(field(transformParams, String(i)), 'context');
    if (!Array.isArray(cw) || cw.length !== (ctx > 0 ? 1 : 0))
      return E.left(
        keyError(
          `params.transform.${i}.context`,
          `${ctx > 0 ? 1 : 0} context weight(s)`,
          Array.isArray(cw) ? `${cw.length}` : typeof cw,
        ),
      );
  }
  return E.right({ flow: def.name === 'maf' ? 'MAF' : 'NSF', stateDict: sd });
};
