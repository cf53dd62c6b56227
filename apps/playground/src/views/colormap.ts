/**
 * The viridis colour map (van der Walt & Smith, matplotlib 2015),
 * perceptually uniform and readable by colour-blind people, as a degree-6
 * polynomial fit per channel (Matt Zucker's fit, max error below 1/255).
 */

const C0 = [0.2777273272234177, 0.005407344544966578, 0.3340998053353061];
const C1 = [0.1050930431085774, 1.404613529898575, 1.384590162594685];
const C2 = [-0.3308618287255563, 0.214847559468213, 0.09509516302823659];
const C3 = [-4.634230498983486, -5.799100973351585, -19.33244095627987];
const C4 = [6.228269936347081, 14.17993336680509, 56.69055260068105];
const C5 = [4.776384997670288, -13.74514537774601, -65.35303263337234];
const C6 = [-5.435455855934631, 4.645852612178535, 26.3124352495832];

/**
 * The colour at `t ∈ [0, 1]` (clamped), as 0-255 RGB.
 *
 * @example
 * ```ts
 * viridis(0); // [68, 1, 84], dark purple
 * ```
 */
export const viridis = (t: number): [number, number, number] => {
  const x = Math.min(1, Math.max(0, t));
  const ch = (i: number) =>
    255 *
    (C0[i]! +
      x * (C1[i]! + x * (C2[i]! + x * (C3[i]! + x * (C4[i]! + x * (C5[i]! + x * C6[i]!))))));
  return [ch(0), ch(1), ch(2)].map((v) => Math.round(Math.min(255, Math.max(0, v)))) as [
    number,
    number,
    number,
  ];
};
