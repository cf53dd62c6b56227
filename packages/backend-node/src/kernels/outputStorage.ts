import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/**
 * Output arrays of native kernels, recycled when their tensor is disposed.
 *
 * Why: a fresh `Float32Array` of a few hundred KiB is fresh memory from the
 * allocator, and writing it costs a page fault per 4 KiB page (about 2 µs
 * each measured on a 2-vCPU VM: ~250 µs for a 512 KiB output, more than the
 * 2-thread GEMM that fills it). V8 frees the backing store only at a later
 * garbage collection and glibc then hands the pages back to the kernel, so a
 * training step or a `logProb` call at batch 1024 paid those faults on every
 * hidden-layer output. wasm's heap is allocated once and stays resident, which
 * is why its times were steadier. Recycling on dispose (what PyTorch's
 * refcounted `free` gives it for free) keeps the pages resident.
 *
 * Safety: an array is reused only when no one else can still see it. It must
 * have been taken here, registered by exactly one `write` (the kernel's
 * output), never handed out (`readSync`/`read`, which return the storage
 * itself to `dataSync()`/`data()`), and never registered again, whole or as a
 * view (cpu's simple `Slice` returns a `subarray` of its input), under
 * another data id or by `move`. Anything else marks it `kept` for good.
 * Arrays below {@link MIN_RECYCLED_LENGTH} elements are plain allocations:
 * the allocator keeps those pages resident anyway.
 */

/** Elements (64 KiB of float32) from which outputs are recycled. */
export const MIN_RECYCLED_LENGTH = 16384;
/**
 * Bytes of free arrays kept for reuse. A disposed array that does not fit evicts the oldest free
 * arrays (first disposed, first dropped) to make room; one larger than this is left to the garbage
 * collector.
 */
export const MAX_RETAINED_BYTES = 64 * 1024 * 1024;

type Entry = {
  readonly array: Float32Array;
  /** `taken`: handed to a kernel; `bound`: the storage of `dataId` only; `kept`: seen elsewhere, never reused. */
  state: 'taken' | 'bound' | 'kept';
  dataId: object | undefined;
};

type Recycler = {
  readonly entries: WeakMap<ArrayBufferLike, Entry>;
  readonly free: Map<number, Float32Array[]>;
  /** Every free array, oldest first: what gives way when the budget is full. */
  readonly order: Set<Float32Array>;
  retained: number;
  reused: number;
};

const recyclers = new WeakMap<MathBackendCPU, Recycler>();

/** The entry of an array's buffer, when the array is one of ours (or a view of one). */
const entryOf = (r: Recycler, values: unknown): Entry | undefined =>
  ArrayBuffer.isView(values) ? r.entries.get(values.buffer) : undefined;

/** Drop a free array (the oldest) for the garbage collector; it is never handed out again. */
const evict = (r: Recycler, array: Float32Array): void => {
  r.order.delete(array);
  const list = r.free.get(array.length);
  const i = list?.indexOf(array) ?? -1;
  if (list !== undefined && i >= 0) list.splice(i, 1);
  if (list?.length === 0) r.free.delete(array.length);
  r.retained -= array.byteLength;
  const e = r.entries.get(array.buffer);
  if (e !== undefined) e.state = 'kept';
};

/**
 * Install recycling on a cpu-storage backend: wraps `write`, `move`,
 * `readSync`, `disposeData` and `dispose` on the instance (the class is
 * untouched).
 * Returns the backend. Idempotent.
 *
 * @example
 * ```ts
 * tf.registerBackend('native', () => withOutputRecycling(new MathBackendCPU()), 0);
 * ```
 */
export const withOutputRecycling = (backend: MathBackendCPU): MathBackendCPU => {
  if (recyclers.has(backend)) return backend;
  const r: Recycler = {
    entries: new WeakMap(),
    free: new Map(),
    order: new Set(),
    retained: 0,
    reused: 0,
  };
  recyclers.set(backend, r);
  const write = backend.write.bind(backend);
  const move = backend.move.bind(backend);
  const readSync = backend.readSync.bind(backend);
  const disposeData = backend.disposeData.bind(backend);
  backend.write = (values, shape, dtype) => {
    const dataId = write(values, shape, dtype);
    const e = entryOf(r, values);
    if (e !== undefined) {
      if (e.state === 'taken' && values === e.array) {
        e.state = 'bound';
        e.dataId = dataId;
      } else {
        e.state = 'kept';
      }
    }
    return dataId;
  };
  backend.move = (dataId, values, shape, dtype, refCount) => {
    const e = entryOf(r, values);
    if (e !== undefined) e.state = 'kept';
    move(dataId, values, shape, dtype, refCount);
  };
  // `data.get` of an id this backend does not hold would move the data here (tfjs's DataStorage),
  // so the wrappers look only at ids it has and leave everything else to the wrapped methods.
  const valuesOf = (dataId: object): unknown =>
    backend.data.has(dataId) ? backend.data.get(dataId)?.values : undefined;
  backend.readSync = (dataId) => {
    const e = entryOf(r, valuesOf(dataId));
    if (e !== undefined) e.state = 'kept';
    return readSync(dataId);
  };
  // cpu's `read` is `async read(id) { return this.readSync(id); }`, so it goes through the wrapper above.
  backend.disposeData = (dataId, force) => {
    const values = valuesOf(dataId);
    const released = disposeData(dataId, force);
    const e = entryOf(r, values);
    if (
      e !== undefined &&
      e.state === 'bound' &&
      e.dataId === dataId &&
      !backend.data.has(dataId) &&
      e.array.byteLength <= MAX_RETAINED_BYTES
    ) {
      // Make room by dropping the oldest free arrays: a model's lengths replace those of one
      // used before, instead of finding the budget full of arrays no kernel asks for any more.
      for (const old of r.order) {
        if (r.retained + e.array.byteLength <= MAX_RETAINED_BYTES) break;
        evict(r, old);
      }
      e.state = 'taken';
      e.dataId = undefined;
      const list = r.free.get(e.array.length);
      if (list === undefined) r.free.set(e.array.length, [e.array]);
      else list.push(e.array);
      r.order.add(e.array);
      r.retained += e.array.byteLength;
    }
    return released;
  };
  // tfjs calls `dispose` when the backend is removed: drop the free arrays with it.
  const dispose = backend.dispose.bind(backend);
  backend.dispose = () => {
    r.free.clear();
    r.order.clear();
    r.retained = 0;
    dispose();
  };
  return backend;
};

/**
 * A zero-filled `Float32Array` of `length` for a kernel's output, reusing a
 * disposed output of the same length when `backend` recycles (see
 * {@link withOutputRecycling}). Same contract as `new Float32Array(length)`;
 * register it with `backend.makeTensorInfo` (once) or drop it.
 *
 * @example
 * ```ts
 * const out = float32Output(backend, m * n);
 * addon.gemm(a, b, out, ...);
 * return float32Result(backend, [m, n], out);
 * ```
 */
export const float32Output = (backend: MathBackendCPU, length: number): Float32Array => {
  const r = recyclers.get(backend);
  if (r === undefined || length < MIN_RECYCLED_LENGTH) return new Float32Array(length);
  const reused = r.free.get(length)?.pop();
  if (reused !== undefined) {
    r.order.delete(reused);
    r.retained -= reused.byteLength;
    r.reused++;
    return reused.fill(0);
  }
  const array = new Float32Array(length);
  r.entries.set(array.buffer, { array, state: 'taken', dataId: undefined });
  return array;
};

/**
 * How many outputs were served from recycled arrays, and how many bytes of
 * free arrays are held (for tests and the profile script).
 *
 * @example
 * ```ts
 * outputRecyclingStats(backend); // { reused: 120, retainedBytes: 1048576 }
 * ```
 */
export const outputRecyclingStats = (
  backend: MathBackendCPU,
): { readonly reused: number; readonly retainedBytes: number } => {
  const r = recyclers.get(backend);
  return { reused: r?.reused ?? 0, retainedBytes: r?.retained ?? 0 };
};
