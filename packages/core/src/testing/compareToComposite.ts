/**
 * The places where a fused kernel's results `got` differ from the composite
 * ops' `ref`, one message per result that differs (its first differing
 * entry): entries must agree to `rtol` of the result's largest entry (at
 * least 1), so float32 rounding passes and a wrong term does not. `names`
 * labels the results in the messages.
 *
 * @example
 * ```ts
 * compareToComposite('tanh [2, 8, 2]', ['out', 'dx'], ref, got, 1e-5); // [] when they agree
 * ```
 */
export const compareToComposite = (
  what: string,
  names: readonly string[],
  ref: readonly number[][],
  got: readonly number[][],
  rtol: number,
): string[] => {
  if (got.length !== ref.length) return [`${what}: ${got.length} results instead of ${ref.length}`];
  const problems: string[] = [];
  ref.forEach((r, k) => {
    const g = got[k]!;
    if (g.length !== r.length)
      return problems.push(`${what} ${names[k]}: ${g.length} values instead of ${r.length}`);
    const scale = Math.max(1, ...r.map(Math.abs));
    const i = r.findIndex((v, j) => !(Math.abs(g[j]! - v) <= rtol * scale));
    if (i >= 0) problems.push(`${what} ${names[k]}[${i}]: ${g[i]} vs composite ${r[i]}`);
    return 0;
  });
  return problems;
};
