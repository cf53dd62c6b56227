import type { Json, JsonObject } from '../flow.js';

/** Why a value is not plain, bounded JSON, or `undefined` when it is. */
export const jsonProblem = (
  value: unknown,
  maxNodes: number,
  maxDepth: number,
): string | undefined => {
  // Iterative walk: a hostile file may nest 100,000 levels deep, which a recursive walk would not survive.
  const stack: { v: unknown; depth: number; at: string }[] = [{ v: value, depth: 0, at: 'config' }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, depth, at } = stack.pop()!;
    if (++nodes > maxNodes) return `more than ${maxNodes} values`;
    if (depth > maxDepth) return `nested deeper than ${maxDepth} levels at ${at}`;
    if (v === null || typeof v === 'boolean' || typeof v === 'string') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return `${at} is not a finite number`;
      continue;
    }
    if (typeof v !== 'object') return `${at} is a ${typeof v}, not JSON`;
    if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push({ v: x, depth: depth + 1, at: `${at}[${i}]` }));
      continue;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return `${at} is not a plain object`;
    for (const k of Object.keys(v))
      stack.push({ v: (v as Record<string, unknown>)[k], depth: depth + 1, at: `${at}.${k}` });
  }
  return undefined;
};

/**
 * JSON with object keys sorted and no whitespace, so that two equal configs
 * give equal strings whatever their key order (the form that is hashed).
 * Only for values that passed {@link jsonProblem} (bounded depth).
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export const canonicalJson = (v: Json): string =>
  v === null || typeof v !== 'object'
    ? JSON.stringify(v)
    : Array.isArray(v)
      ? `[${(v as readonly Json[]).map(canonicalJson).join(',')}]`
      : `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as JsonObject)[k]!)}`)
          .join(',')}}`;

/**
 * A fresh copy of a checked JSON object whose keys are all own data
 * properties (a key `__proto__` stays an ordinary key, never a prototype).
 */
export const copyJsonObject = (v: object): JsonObject => {
  const copy: JsonObject = JSON.parse(JSON.stringify(v));
  return copy;
};
