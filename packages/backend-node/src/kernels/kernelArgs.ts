import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { tf } from '@bijective/core';

/** The argument tfjs passes to every kernel function. */
export type KernelArgs = Parameters<KernelFunc>[0];

/** The `native` backend is a `MathBackendCPU`, so kernels share its storage. */
export const cpuStorage = (args: KernelArgs): MathBackendCPU => args.backend as MathBackendCPU;

/**
 * The Float32Array that backs a float32 tensor in the cpu backend's storage
 * (no copy), or undefined for other dtypes and layouts (the caller then falls
 * back to the cpu kernel).
 */
export const float32Values = (
  backend: MathBackendCPU,
  t: TensorInfo | undefined,
): Float32Array | undefined => {
  if (t === undefined || t.dtype !== 'float32') return undefined;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array && values.length === tf.util.sizeFromShape(t.shape)
    ? values
    : undefined;
};

/** Wrap a float32 result array as a tensor of `shape` owned by `backend`. */
export const float32Result = (
  backend: MathBackendCPU,
  shape: readonly number[],
  values: Float32Array,
): TensorInfo => backend.makeTensorInfo([...shape], 'float32', values);

/** A boolean attribute (false when absent). */
export const boolAttr = (attrs: NamedAttrMap | undefined, key: string): boolean =>
  attrs?.[key] === true;

/** A string attribute, or `fallback` when absent or not a string. */
export const stringAttr = (
  attrs: NamedAttrMap | undefined,
  key: string,
  fallback: string,
): string => {
  const v = attrs?.[key];
  return typeof v === 'string' ? v : fallback;
};

/** A number attribute, or `fallback` when absent or not a number. */
export const numberAttr = (
  attrs: NamedAttrMap | undefined,
  key: string,
  fallback: number,
): number => {
  const v = attrs?.[key];
  return typeof v === 'number' ? v : fallback;
};

/** An axis attribute (number or number[]), or undefined when absent (tfjs: all axes). */
export const axisAttr = (
  attrs: NamedAttrMap | undefined,
  key: string,
): number | number[] | undefined => {
  const v = attrs?.[key];
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.every((x): x is number => typeof x === 'number')) return v;
  return undefined;
};

/**
 * A kernel that tries `native` first and runs the cpu kernel `fallback`
 * (tfjs-backend-cpu's own implementation) whenever `native` returns
 * undefined, i.e. for dtypes, layouts or attributes it does not handle.
 */
export const withFallback =
  (
    fallback: KernelConfig,
    native: (args: KernelArgs) => TensorInfo | TensorInfo[] | undefined,
  ): KernelFunc =>
  (args) =>
    native(args) ?? fallback.kernelFunc(args);
