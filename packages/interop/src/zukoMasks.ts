import { hiddenDegrees, inputDegrees } from '@bijective/autoregressive/layers';

/**
 * The MADE degrees of a bijective `made` network built as zuko's `MaskedMLP`
 * (`contextEntry: 'input'` when there is a context): input `order[k]` has degree `k + 1`;
 * hidden units cycle through `1..d-1` without a context and `0..d-1` with one (zuko's
 * `MaskedMLP` then keeps the context-only dependency set as a hidden "degree 0").
 */
export const madeDegrees = (
  order: readonly number[],
  hidden: readonly number[],
  contextDim: number,
): { readonly input: number[]; readonly hidden: number[][] } => {
  const d = order.length;
  return {
    input: inputDegrees(order),
    hidden: hidden.map((h) =>
      contextDim > 0 ? Array.from({ length: h }, (_, k) => k % d) : hiddenDegrees(h, d),
    ),
  };
};

/**
 * zuko's `MaskedLinear` masks (`[out, in]`, row-major 0/1, the `hyper.<2l>.mask` buffers) that
 * bijective's masks with these degrees amount to: hidden unit `k` sees input `j` iff
 * `m_k ≥ deg_j` (and every context column), hidden→hidden iff `m_k ≥ m_g`, output unit
 * `u = i·P + p` sees hidden unit `g` iff `deg_i > m_g`. {@link fromZuko} compares them with the
 * stored buffers, so a zuko model whose masks differ (another zuko version, `residual`,
 * `adjacency`, `passes`) is refused instead of silently mis-read.
 */
export const zukoMasks = (
  order: readonly number[],
  hidden: readonly number[],
  contextDim: number,
  paramsPerDim: number,
): Uint8Array[] => {
  const d = order.length;
  const deg = madeDegrees(order, hidden, contextDim);
  const outDeg = deg.input.flatMap((g) => new Array<number>(paramsPerDim).fill(g));
  const layers = [...deg.hidden, outDeg];
  return layers.map((outs, l) => {
    const strict = l === layers.length - 1;
    const ins = l === 0 ? deg.input : deg.hidden[l - 1]!;
    const width = l === 0 ? d + contextDim : ins.length;
    const m = new Uint8Array(outs.length * width);
    outs.forEach((o, k) => {
      for (let j = 0; j < width; j++) {
        const i = ins[j];
        m[k * width + j] = i === undefined || (strict ? o > i : o >= i) ? 1 : 0;
      }
    });
    return m;
  });
};
