import type { FlowDef } from '../flow.js';
import type { Params } from '../params.js';
import type { TransformDef } from '../transform.js';
import { type CheckOptions, checkBijection, flowAsTransform } from './checkBijection.js';

/** The shape a registry constructor is asked to build. */
export interface Shape {
  readonly dim: number;
  /** 0 for unconditional. */
  readonly contextDim: number;
}

/**
 * One line of a package's registry: how to build a transform or a preset for
 * a shape, which shapes it supports, and any checker options it needs (a
 * restricted input domain, looser float32 tolerances with the reason).
 * The shared checker and the cross-backend conformance suite iterate every
 * registry, so a new transform is tested by adding one entry (FlowJAX's model).
 */
export type RegistryEntry =
  | {
      readonly kind: 'transform';
      readonly build: (shape: Shape) => TransformDef<Params>;
      readonly dims: readonly number[];
      readonly conditional: boolean;
      readonly check?: Omit<Partial<CheckOptions>, 'dim' | 'contextDim'>;
    }
  | {
      readonly kind: 'flow';
      readonly build: (shape: Shape) => FlowDef<Params>;
      readonly dims: readonly number[];
      readonly conditional: boolean;
      readonly check?: Omit<Partial<CheckOptions>, 'dim' | 'contextDim'>;
    };

/** A package's registry: name → entry. */
export type Registry = Readonly<Record<string, RegistryEntry>>;

/** The cases of a registry the checker runs: every entry × dim × (with and without context). */
export const registryCases = (
  registry: Registry,
  contextDim = 3,
): { name: string; entry: RegistryEntry; shape: Shape }[] =>
  Object.entries(registry).flatMap(([name, entry]) =>
    entry.dims.flatMap((dim) => [
      { name: `${name} dim=${dim}`, entry, shape: { dim, contextDim: 0 } },
      ...(entry.conditional
        ? [{ name: `${name} dim=${dim} context=${contextDim}`, entry, shape: { dim, contextDim } }]
        : []),
    ]),
  );

/**
 * Run {@link checkBijection} on one registry case: builds the transform (or
 * the preset's bijection) for the shape and checks it with the entry's options.
 *
 * @example
 * ```ts
 * for (const c of registryCases(registry)) it(c.name, () => checkEntry(c.entry, c.shape));
 * ```
 */
export const checkEntry = (
  entry: RegistryEntry,
  shape: Shape,
  overrides: Partial<CheckOptions> = {},
): void => {
  const def = entry.kind === 'flow' ? flowAsTransform(entry.build(shape)) : entry.build(shape);
  checkBijection(def, {
    ...entry.check,
    ...overrides,
    dim: shape.dim,
    contextDim: shape.contextDim,
  });
};
