// N-API bindings: thin argument checking around the kernels in kernels.h.
// Every array argument is a Float32Array (or Int32Array for shapes) whose
// storage is read and written in place; bounds are checked before any access.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "scratch.h"
#include "thread_pool.h"

namespace bijective {

ThreadPool& pool() {
  static ThreadPool instance(std::max(1u, std::thread::hardware_concurrency()));
  return instance;
}

namespace {

// A failed call, thrown to `guarded`, which rethrows it in JavaScript: a TypeError when
// an argument has the wrong type (or is missing), else an Error.
struct Failure {
  std::string message;
  bool type_error = false;
};

[[noreturn]] void fail(const std::string& what, bool type_error = false) {
  throw Failure{"bijective native: " + what, type_error};
}

void require(bool ok, const char* message) {
  if (!ok) fail(message);
}

void check(napi_status status, const char* what) {
  if (status != napi_ok) fail(what);
}

// A typed array's storage, viewed in place (no copy).
template <typename T>
struct View {
  T* data = nullptr;
  size_t length = 0;
};
using F32 = View<float>;

// The JavaScript typed array that stores each element type, and the message for any other value.
template <typename T>
struct ArrayOf;
template <>
struct ArrayOf<float> {
  static constexpr napi_typedarray_type type = napi_float32_array;
  static constexpr const char* must = " must be a Float32Array";
};
template <>
struct ArrayOf<int32_t> {
  static constexpr napi_typedarray_type type = napi_int32_array;
  static constexpr const char* must = " must be an Int32Array";
};
template <>
struct ArrayOf<uint8_t> {
  static constexpr napi_typedarray_type type = napi_uint8_array;
  static constexpr const char* must = " must be a Uint8Array";
};

// A shape walked by two strided operands (see `Args::strided`): its element count and the
// largest element offset each operand reaches (0 when the shape is empty).
struct Strided {
  std::vector<int64_t> shape, strides0, strides1;
  size_t size = 1;
  int64_t last0 = 0, last1 = 0;
};

// The arguments of one call, read by position. Each reader names the argument in its
// message and throws a TypeError for a wrong type, so a binding reads its inputs in a line each.
class Args {
 public:
  Args(napi_env env, napi_callback_info info, size_t n) : env_(env), argv_(n) {
    size_t argc = n;
    check(napi_get_cb_info(env, info, &argc, argv_.data(), nullptr, nullptr), "arguments");
    if (argc < n) fail("too few arguments", true);
  }

  // Argument i as a typed array of T (Float32Array, Int32Array or Uint8Array).
  template <typename T>
  View<T> array(size_t i, const char* name) const {
    bool is_typed = false;
    typed(napi_is_typedarray(env_, argv_[i], &is_typed), name, ArrayOf<T>::must);
    napi_typedarray_type type = napi_float32_array;
    size_t length = 0;
    void* data = nullptr;
    if (is_typed)
      typed(napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, nullptr, nullptr), name, ArrayOf<T>::must);
    if (!is_typed || type != ArrayOf<T>::type) fail(std::string(name) + ArrayOf<T>::must, true);
    return View<T>{static_cast<T*>(data), length};
  }

  F32 f32(size_t i, const char* name) const { return array<float>(i, name); }

  // Argument i, an Int32Array of dims or strides, widened to int64 for offset arithmetic.
  std::vector<int64_t> dims(size_t i, const char* name) const {
    const View<int32_t> v = array<int32_t>(i, name);
    return std::vector<int64_t>(v.data, v.data + v.length);
  }

  int64_t integer(size_t i, const char* name) const {
    int64_t out = 0;
    typed(napi_get_value_int64(env_, argv_[i], &out), name, " must be a number");
    return out;
  }

  // A size or an index: an integer >= 0.
  size_t count(size_t i, const char* name) const {
    const int64_t n = integer(i, name);
    if (n < 0) fail(std::string(name) + " must be >= 0");
    return size_t(n);
  }

  // An enum code in [0, last] (`unknown` is the message otherwise).
  template <typename Enum>
  Enum code(size_t i, const char* name, int64_t last, const char* unknown) const {
    const int64_t c = integer(i, name);
    require(c >= 0 && c <= last, unknown);
    return Enum(c);
  }

  bool boolean(size_t i, const char* name) const {
    bool out = false;
    typed(napi_get_value_bool(env_, argv_[i], &out), name, " must be a boolean");
    return out;
  }

  double number(size_t i, const char* name) const {
    double out = 0;
    typed(napi_get_value_double(env_, argv_[i], &out), name, " must be a number");
    return out;
  }

  // Whether argument i is given (neither null nor undefined).
  bool present(size_t i, const char* name) const {
    napi_valuetype type;
    check(napi_typeof(env_, argv_[i], &type), name);
    return type != napi_null && type != napi_undefined;
  }

  // Argument i, a JavaScript array of Float32Arrays (entries may be null when `nullable`; they read as
  // empty views with a null pointer).
  std::vector<F32> f32_list(size_t i, const char* name, bool nullable = false) const {
    bool is_array = false;
    typed(napi_is_array(env_, argv_[i], &is_array), name, " must be an array");
    if (!is_array) fail(std::string(name) + " must be an array", true);
    uint32_t n = 0;
    check(napi_get_array_length(env_, argv_[i], &n), name);
    std::vector<F32> out(n);
    for (uint32_t j = 0; j < n; ++j) {
      napi_value item;
      check(napi_get_element(env_, argv_[i], j, &item), name);
      napi_valuetype type;
      check(napi_typeof(env_, item, &type), name);
      if (nullable && (type == napi_null || type == napi_undefined)) continue;
      bool is_typed = false;
      napi_typedarray_type kind = napi_int8_array;
      size_t length = 0;
      void* data = nullptr;
      check(napi_is_typedarray(env_, item, &is_typed), name);
      if (is_typed) check(napi_get_typedarray_info(env_, item, &kind, &length, &data, nullptr, nullptr), name);
      if (!is_typed || kind != napi_float32_array)
        fail(std::string(name) + " must hold Float32Arrays" + (nullable ? " or nulls" : ""), true);
      out[j] = F32{static_cast<float*>(data), length};
    }
    return out;
  }

  // Arguments i, i+1, i+2: a shape and the per-dim element strides of two operands over it
  // (Int32Arrays of one rank, at most `max_rank`, no negative entry).
  Strided strided(size_t i, const char* shape, const char* strides0, const char* strides1,
                  size_t max_rank = SIZE_MAX) const {
    Strided s{dims(i, shape), dims(i + 1, strides0), dims(i + 2, strides1)};
    if (s.shape.size() > max_rank) fail("rank must be <= " + std::to_string(max_rank));
    require(s.strides0.size() == s.shape.size() && s.strides1.size() == s.shape.size(),
            "shape and strides differ in rank");
    for (size_t d = 0; d < s.shape.size(); ++d) {
      require(s.shape[d] >= 0 && s.strides0[d] >= 0 && s.strides1[d] >= 0, "negative shape or stride");
      s.size *= size_t(s.shape[d]);
      if (s.shape[d] > 0) {
        s.last0 += (s.shape[d] - 1) * s.strides0[d];
        s.last1 += (s.shape[d] - 1) * s.strides1[d];
      }
    }
    return s;
  }

 private:
  // A failed read of an argument means a wrong type (napi_number_expected and the like).
  static void typed(napi_status status, const char* name, const char* must) {
    if (status != napi_ok) fail(std::string(name) + must, true);
  }

  napi_env env_;
  std::vector<napi_value> argv_;
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// Runs a binding's body, turning a C++ failure into a JavaScript exception; a body that
// returns nothing returns undefined to JavaScript.
template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      return undefined(env);
    } else {
      return body();
    }
  } catch (const Failure& f) {
    if (f.type_error) napi_throw_type_error(env, nullptr, f.message.c_str());
    else napi_throw_error(env, nullptr, f.message.c_str());
    return nullptr;
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
    return nullptr;
  }
}

// gemm(a, b, out, batch, batchA, batchB, m, n, k, transA, transB,
//      bias | null, biasBatchStride, biasRowStride, biasColStride, activation, alpha)
napi_value Gemm(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 17);
    const F32 a = args.f32(0, "a"), b = args.f32(1, "b"), out = args.f32(2, "out");
    const size_t batch = args.count(3, "batch"), batch_a = args.count(4, "batchA"), batch_b = args.count(5, "batchB");
    const size_t m = args.count(6, "m"), n = args.count(7, "n"), k = args.count(8, "k");
    const bool ta = args.boolean(9, "transA"), tb = args.boolean(10, "transB");
    require(batch_a >= 1 && batch_b >= 1 && batch >= 1, "batch sizes must be >= 1");
    require(a.length >= batch_a * m * k, "a is too short");
    require(b.length >= batch_b * k * n, "b is too short");
    require(out.length >= batch * m * n, "out is too short");
    BiasView bias;
    if (args.present(11, "bias")) {
      const F32 bv = args.f32(11, "bias");
      bias.data = bv.data;
      bias.batch_stride = args.integer(12, "biasBatchStride");
      bias.row_stride = args.integer(13, "biasRowStride");
      bias.col_stride = args.integer(14, "biasColStride");
      require(bias.batch_stride >= 0 && bias.row_stride >= 0 && bias.col_stride >= 0, "bias strides must be >= 0");
      if (m > 0 && n > 0) {
        const int64_t last = int64_t(batch - 1) * bias.batch_stride + int64_t(m - 1) * bias.row_stride +
                             int64_t(n - 1) * bias.col_stride;
        require(last < int64_t(bv.length), "bias is too short");
      }
    }
    const auto act = args.code<Activation>(15, "activation", 5, "unknown activation");
    const float alpha = float(args.number(16, "alpha"));
    if (m > 0 && n > 0) gemm(a.data, b.data, out.data, batch, batch_a, batch_b, m, n, k, ta, tb, bias, act, alpha);
  });
}

// binary(op, a, b, out, shape, stridesA, stridesB)
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 7);
    const auto op = args.code<BinaryOp>(0, "op", 6, "unknown binary op");
    const F32 a = args.f32(1, "a"), b = args.f32(2, "b"), out = args.f32(3, "out");
    const Strided s = args.strided(4, "shape", "stridesA", "stridesB");
    if (s.size == 0) return;
    require(s.last0 < int64_t(a.length) && s.last1 < int64_t(b.length), "operand is too short for its strides");
    require(out.length >= s.size, "out is too short");
    binary(op, a.data, b.data, out.data, s.shape.size(), s.shape.data(), s.strides0.data(), s.strides1.data());
  });
}

// unary(op, x, out)
napi_value Unary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 3);
    const auto op = args.code<UnaryOp>(0, "op", 10, "unknown unary op");
    const F32 x = args.f32(1, "x"), out = args.f32(2, "out");
    require(out.length >= x.length, "out is too short");
    unary(op, x.data, out.data, x.length);
  });
}

// reduce(op, x, out, outer, red, inner)
napi_value Reduce(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 6);
    const auto op = args.code<ReduceOp>(0, "op", 1, "unknown reduce op");
    const F32 x = args.f32(1, "x"), out = args.f32(2, "out");
    const size_t outer = args.count(3, "outer"), red = args.count(4, "red"), inner = args.count(5, "inner");
    require(red >= 1, "reduced size must be >= 1");
    require(x.length >= outer * red * inner, "x is too short");
    require(out.length >= outer * inner, "out is too short");
    reduce(op, x.data, out.data, outer, red, inner);
  });
}

// copy(x, out, shape, stridesX, stridesOut): strided copy (x and out may be offset views).
napi_value Copy(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 5);
    const F32 x = args.f32(0, "x"), out = args.f32(1, "out");
    const Strided s = args.strided(2, "shape", "stridesX", "stridesOut", 16);
    if (s.size == 0) return;
    require(s.last0 < int64_t(x.length) && s.last1 < int64_t(out.length), "array is too short for its strides");
    strided_copy(x.data, out.data, s.shape.size(), s.shape.data(), s.strides0.data(), s.strides1.data());
  });
}

// softmax(x, out, rows, cols)
napi_value Softmax(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 4);
    const F32 x = args.f32(0, "x"), out = args.f32(1, "out");
    const size_t rows = args.count(2, "rows"), cols = args.count(3, "cols");
    require(cols >= 1, "cols must be >= 1");
    require(x.length >= rows * cols && out.length >= rows * cols, "x or out is too short");
    softmax(x.data, out.data, rows, cols);
  });
}

// compare(op, a, b, out: Uint8Array, shape, stridesA, stridesB)
napi_value Compare(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 7);
    const auto op = args.code<CompareOp>(0, "op", 5, "unknown compare op");
    const F32 a = args.f32(1, "a"), b = args.f32(2, "b");
    const auto out = args.array<uint8_t>(3, "out");
    const Strided s = args.strided(4, "shape", "stridesA", "stridesB");
    if (s.size == 0) return;
    require(s.last0 < int64_t(a.length) && s.last1 < int64_t(b.length), "operand is too short for its strides");
    require(out.length >= s.size, "out is too short");
    compare(op, a.data, b.data, out.data, s.shape.size(), s.shape.data(), s.strides0.data(), s.strides1.data());
  });
}

// select(cond: Uint8Array, t, e, out)
napi_value Select(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 4);
    const auto cond = args.array<uint8_t>(0, "cond");
    const F32 t = args.f32(1, "t"), e = args.f32(2, "e"), out = args.f32(3, "out");
    const size_t n = out.length;
    require(cond.length >= n && t.length >= n && e.length >= n, "cond, t or e is too short");
    select(cond.data, t.data, e.data, out.data, n);
  });
}

// gather(x, indices: Int32Array, out, outer, dim, inner)
napi_value Gather(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 6);
    const F32 x = args.f32(0, "x"), out = args.f32(2, "out");
    const auto idx = args.array<int32_t>(1, "indices");
    const size_t outer = args.count(3, "outer"), dim = args.count(4, "dim"), inner = args.count(5, "inner");
    require(x.length >= outer * dim * inner, "x is too short");
    require(out.length >= outer * idx.length * inner, "out is too short");
    for (size_t j = 0; j < idx.length; ++j) require(idx.data[j] >= 0 && size_t(idx.data[j]) < dim, "index out of range");
    gather(x.data, idx.data, out.data, outer, dim, inner, idx.length);
  });
}

// cumsum(x, out, rows, cols, exclusive, reverse)
napi_value Cumsum(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 6);
    const F32 x = args.f32(0, "x"), out = args.f32(1, "out");
    const size_t rows = args.count(2, "rows"), cols = args.count(3, "cols");
    require(x.length >= rows * cols && out.length >= rows * cols, "x or out is too short");
    cumsum(x.data, out.data, rows, cols, args.boolean(4, "exclusive"), args.boolean(5, "reverse"));
  });
}

// unaryParam(op, x, out, p0, p1)
napi_value UnaryParam(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 5);
    const auto op = args.code<ParamOp>(0, "op", 1, "unknown parametrised unary op");
    const F32 x = args.f32(1, "x"), out = args.f32(2, "out");
    require(out.length >= x.length, "out is too short");
    unary_param(op, x.data, out.data, x.length, args.number(3, "p0"), args.number(4, "p1"));
  });
}

// scratchBytes() -> number: scratch bytes the calling thread's last fused MLP or field-trace call kept
// for reuse (0 when it exceeded SCRATCH_KEEP_BYTES and freed them; see scratch.h).
napi_value ScratchBytes(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_double(env, double(last_scratch_bytes()), &out);
  return out;
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, simd, threads, avx2;
  napi_create_object(env, &obj);
  const char* mode = gemm_uses_avx512() ? "avx512f" : gemm_uses_avx2() ? "avx2+fma" : "portable";
  napi_create_string_utf8(env, mode, NAPI_AUTO_LENGTH, &simd);
  napi_create_uint32(env, uint32_t(pool().size()), &threads);
  napi_get_boolean(env, cpu_has_avx2_fma(), &avx2);
  napi_set_named_property(env, obj, "simd", simd);
  napi_set_named_property(env, obj, "threads", threads);
  napi_set_named_property(env, obj, "cpuHasAvx2Fma", avx2);
  napi_value inline_jobs;
  napi_create_double(env, double(pool().inline_jobs()), &inline_jobs);
  napi_set_named_property(env, obj, "inlineJobs", inline_jobs);
  return obj;
}

// setThreads(n): resize the pool (n >= 1 threads, the caller included).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 1);
    const size_t n = args.count(0, "threads");
    require(n >= 1 && n <= 256, "threads must be in [1, 256]");
    if (n != pool().size()) pool().resize(n);
  });
}

// adam(p, m, v, g, pOut, mOut, vOut, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, epsHat)
napi_value Adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 13);
    const F32 p = args.f32(0, "p"), m = args.f32(1, "m"), s = args.f32(2, "v"), g = args.f32(3, "g");
    const F32 po = args.f32(4, "pOut"), mo = args.f32(5, "mOut"), so = args.f32(6, "vOut");
    const size_t n = p.length;
    require(m.length == n && s.length == n && g.length == n, "p, m, v and g differ in length");
    require(po.length >= n && mo.length >= n && so.length >= n, "an output is too short");
    AdamConstants c{};
    c.beta1 = float(args.number(7, "beta1"));
    c.one_minus_beta1 = float(args.number(8, "oneMinusBeta1"));
    c.beta2 = float(args.number(9, "beta2"));
    c.one_minus_beta2 = float(args.number(10, "oneMinusBeta2"));
    c.step_size = float(args.number(11, "stepSize"));
    c.eps_hat = float(args.number(12, "epsHat"));
    adam(p.data, m.data, s.data, g.data, po.data, mo.data, so.data, n, c);
  });
}

// sumSquares(x) -> number: Σ x², accumulated in double.
napi_value SumSquares(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 1);
    const F32 x = args.f32(0, "x");
    napi_value out;
    check(napi_create_double(env, sum_squares(x.data, x.length), &out), "result");
    return out;
  });
}

// The shape arguments shared by mlpForward and mlpBackward: sizes (Int32Array of layers + 1 widths,
// each >= 1), batch, contextDim, activation code; and the per-layer weights checked against them.
struct MlpArgs {
  std::vector<size_t> sizes;
  MlpShape shape;
  std::vector<MlpLayerView> layers;
};

MlpArgs mlp_args(const Args& args, size_t first, const std::vector<F32>& ws, const std::vector<F32>* bs,
                 const std::vector<F32>& masks, const std::vector<F32>& vs, const F32* c) {
  MlpArgs m;
  for (const int64_t d : args.dims(first, "sizes")) {
    require(d >= 1, "every layer width must be >= 1");
    m.sizes.push_back(size_t(d));
  }
  require(m.sizes.size() >= 2, "sizes must hold at least two widths");
  m.shape.layers = m.sizes.size() - 1;
  m.shape.sizes = m.sizes.data();
  m.shape.batch = args.count(first + 1, "batch");
  m.shape.context = args.count(first + 2, "contextDim");
  m.shape.activation = args.code<MlpActivation>(first + 3, "activation", 4, "unknown MLP activation");
  const size_t n = m.shape.layers;
  require(ws.size() == n && masks.size() == n && vs.size() == n && (bs == nullptr || bs->size() == n),
          "one weight, bias, mask and context weight entry per layer");
  if (c != nullptr) require(c->length >= m.shape.batch * m.shape.context, "c is too short");
  m.layers.resize(n);
  for (size_t l = 0; l < n; ++l) {
    const size_t din = m.sizes[l], dout = m.sizes[l + 1];
    require(ws[l].length == din * dout, "a weight has the wrong size");
    m.layers[l].w = ws[l].data;
    if (bs != nullptr) {
      require((*bs)[l].length == dout, "a bias has the wrong size");
      m.layers[l].b = (*bs)[l].data;
    }
    if (masks[l].data != nullptr) {
      require(masks[l].length == din * dout, "a mask has the wrong size");
      m.layers[l].mask = masks[l].data;
    }
    if (vs[l].data != nullptr) {
      require(c != nullptr && m.shape.context >= 1, "a context weight needs a context");
      require(vs[l].length == m.shape.context * dout, "a context weight has the wrong size");
      m.layers[l].v = vs[l].data;
    }
  }
  return m;
}

// mlpForward(x, c | null, sizes, batch, contextDim, activation, ws, bs, masks, vs, outs)
napi_value MlpForward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 11);
    const F32 x = args.f32(0, "x");
    F32 c;
    if (args.present(1, "c")) c = args.f32(1, "c");
    const auto ws = args.f32_list(6, "ws"), bs = args.f32_list(7, "bs");
    const auto masks = args.f32_list(8, "masks", true), vs = args.f32_list(9, "vs", true);
    const auto outs = args.f32_list(10, "outs");
    const MlpArgs m = mlp_args(args, 2, ws, &bs, masks, vs, c.data == nullptr ? nullptr : &c);
    const size_t batch = m.shape.batch;
    require(x.length == batch * m.sizes[0], "x has the wrong size");
    require(outs.size() == m.shape.layers, "one output per layer");
    std::vector<float*> out_ptrs;
    for (size_t l = 0; l < m.shape.layers; ++l) {
      require(outs[l].length == batch * m.sizes[l + 1], "an output has the wrong size");
      out_ptrs.push_back(outs[l].data);
    }
    if (batch > 0) mlp_forward(m.shape, x.data, c.data, m.layers.data(), out_ptrs.data());
  });
}

// mlpBackward(dy, x, c | null, sizes, batch, contextDim, activation, hidden, ws, masks, vs,
//             dx | null, dc | null, dws, dbs, dvs)
napi_value MlpBackward(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 16);
    const F32 dy = args.f32(0, "dy"), x = args.f32(1, "x");
    F32 c, dx, dc;
    if (args.present(2, "c")) c = args.f32(2, "c");
    const auto hidden = args.f32_list(7, "hidden"), ws = args.f32_list(8, "ws");
    const auto masks = args.f32_list(9, "masks", true), vs = args.f32_list(10, "vs", true);
    if (args.present(11, "dx")) dx = args.f32(11, "dx");
    if (args.present(12, "dc")) dc = args.f32(12, "dc");
    const auto dws = args.f32_list(13, "dws"), dbs = args.f32_list(14, "dbs"), dvs = args.f32_list(15, "dvs", true);
    const MlpArgs m = mlp_args(args, 3, ws, nullptr, masks, vs, c.data == nullptr ? nullptr : &c);
    const size_t batch = m.shape.batch, n = m.shape.layers;
    require(dy.length == batch * m.sizes[n], "dy has the wrong size");
    require(x.length == batch * m.sizes[0], "x has the wrong size");
    require(hidden.size() == n - 1, "one hidden output per hidden layer");
    std::vector<const float*> hidden_ptrs;
    for (size_t l = 0; l + 1 < n; ++l) {
      require(hidden[l].length == batch * m.sizes[l + 1], "a hidden output has the wrong size");
      hidden_ptrs.push_back(hidden[l].data);
    }
    if (dx.data != nullptr) require(dx.length == x.length, "dx has the wrong size");
    if (dc.data != nullptr) require(c.data != nullptr && dc.length == batch * m.shape.context, "dc has the wrong size");
    require(dws.size() == n && dbs.size() == n && dvs.size() == n, "one gradient entry per layer");
    std::vector<MlpGradView> grads(n);
    for (size_t l = 0; l < n; ++l) {
      require(dws[l].length == m.sizes[l] * m.sizes[l + 1] && dbs[l].length == m.sizes[l + 1],
              "a weight or bias gradient has the wrong size");
      grads[l].dw = dws[l].data;
      grads[l].db = dbs[l].data;
      if (dvs[l].data != nullptr) {
        require(m.layers[l].v != nullptr && dvs[l].length == m.shape.context * m.sizes[l + 1],
                "a context weight gradient has the wrong size");
        grads[l].dv = dvs[l].data;
      }
    }
    mlp_backward(m.shape, dy.data, x.data, c.data, hidden_ptrs.data(), m.layers.data(), dx.data, dc.data,
                 grads.data());
  });
}

// The optional cotangent at argument i: nullptr when null/undefined, else a Float32Array of >= n.
const float* cotangent(const Args& args, size_t i, const char* name, size_t n) {
  if (!args.present(i, name)) return nullptr;
  const F32 v = args.f32(i, name);
  if (v.length < n) fail(std::string(name) + " is too short");
  return v.data;
}

// spline(x, raw, out, lad, logDet, rows, dim, bins, bound, minBinSize, minDerivative, zuko, inverse)
SplineSettings spline_settings(const Args& args, size_t i) {
  SplineSettings s{};
  s.bins = args.count(i, "bins");
  s.bound = args.number(i + 1, "bound");
  s.min_bin_size = args.number(i + 2, "minBinSize");
  s.min_derivative = args.number(i + 3, "minDerivative");
  s.zuko = args.boolean(i + 4, "zuko");
  s.inverse = args.boolean(i + 5, "inverse");
  require(s.bins >= 2 && s.bins <= 4096, "bins must be in [2, 4096]");
  require(s.bound > 0 && std::isfinite(s.bound), "bound must be positive and finite");
  require(s.min_derivative > 0 && s.min_derivative < 1, "minDerivative must be in (0, 1)");
  require(s.zuko || (s.min_bin_size >= 0 && s.min_bin_size * double(s.bins) < 1),
          "minBinSize must be in [0, 1/bins)");
  return s;
}

napi_value Spline(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 13);
    const F32 x = args.f32(0, "x"), raw = args.f32(1, "raw");
    const F32 out = args.f32(2, "out"), lad = args.f32(3, "lad"), log_det = args.f32(4, "logDet");
    const size_t rows = args.count(5, "rows"), dim = args.count(6, "dim");
    const SplineSettings s = spline_settings(args, 7);
    const size_t n = rows * dim;
    require(x.length >= n && out.length >= n && lad.length >= n, "x, out or lad is too short");
    require(raw.length >= n * (3 * s.bins - 1), "raw is too short");
    require(log_det.length >= rows, "logDet is too short");
    spline(x.data, raw.data, out.data, lad.data, log_det.data, rows, dim, s);
  });
}

// splineGrad(x, raw, dOut?, dLad?, dLogDet?, dx, dRaw, rows, dim, bins, bound, minBinSize, minDerivative, zuko, inverse)
napi_value SplineGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 15);
    const F32 x = args.f32(0, "x"), raw = args.f32(1, "raw");
    const size_t rows = args.count(7, "rows"), dim = args.count(8, "dim");
    const SplineSettings s = spline_settings(args, 9);
    const size_t n = rows * dim, p = n * (3 * s.bins - 1);
    const float* d_out = cotangent(args, 2, "dOut", n);
    const float* d_lad = cotangent(args, 3, "dLad", n);
    const float* d_log_det = cotangent(args, 4, "dLogDet", rows);
    const F32 dx = args.f32(5, "dx"), d_raw = args.f32(6, "dRaw");
    require(x.length >= n && dx.length >= n, "x or dx is too short");
    require(raw.length >= p && d_raw.length >= p, "raw or dRaw is too short");
    spline_grad(x.data, raw.data, d_out, d_lad, d_log_det, dx.data, d_raw.data, rows, dim, s);
  });
}

// affine(x, raw, out, lad, logDet, rows, dim, bound, inverse)
napi_value Affine(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 9);
    const F32 x = args.f32(0, "x"), raw = args.f32(1, "raw");
    const F32 out = args.f32(2, "out"), lad = args.f32(3, "lad"), log_det = args.f32(4, "logDet");
    const size_t rows = args.count(5, "rows"), dim = args.count(6, "dim"), n = rows * dim;
    const double bound = args.number(7, "bound");
    require(bound > 0, "bound must be positive");
    require(x.length >= n && out.length >= n && lad.length >= n, "x, out or lad is too short");
    require(raw.length >= 2 * n && log_det.length >= rows, "raw or logDet is too short");
    affine(x.data, raw.data, out.data, lad.data, log_det.data, rows, dim, bound, args.boolean(8, "inverse"));
  });
}

// affineGrad(x, raw, dOut?, dLad?, dLogDet?, dx, dRaw, rows, dim, bound, inverse)
napi_value AffineGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 11);
    const F32 x = args.f32(0, "x"), raw = args.f32(1, "raw");
    const size_t rows = args.count(7, "rows"), dim = args.count(8, "dim"), n = rows * dim;
    const float* d_out = cotangent(args, 2, "dOut", n);
    const float* d_lad = cotangent(args, 3, "dLad", n);
    const float* d_log_det = cotangent(args, 4, "dLogDet", rows);
    const F32 dx = args.f32(5, "dx"), d_raw = args.f32(6, "dRaw");
    const double bound = args.number(9, "bound");
    require(bound > 0, "bound must be positive");
    require(x.length >= n && dx.length >= n, "x or dx is too short");
    require(raw.length >= 2 * n && d_raw.length >= 2 * n, "raw or dRaw is too short");
    affine_grad(x.data, raw.data, d_out, d_lad, d_log_det, dx.data, d_raw.data, rows, dim, bound,
                args.boolean(10, "inverse"));
  });
}

// stdNormalLogProb(z, logDet, out, rows, dim, sign)
napi_value StdNormalLogProb(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 6);
    const F32 z = args.f32(0, "z"), log_det = args.f32(1, "logDet"), out = args.f32(2, "out");
    const size_t rows = args.count(3, "rows"), dim = args.count(4, "dim");
    require(z.length >= rows * dim, "z is too short");
    require(log_det.length >= rows && out.length >= rows, "logDet or out is too short");
    std_normal_log_prob(z.data, log_det.data, out.data, rows, dim, args.number(5, "sign"));
  });
}

// stdNormalLogProbGrad(z, dy, dz, dLogDet, rows, dim, sign)
napi_value StdNormalLogProbGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 7);
    const F32 z = args.f32(0, "z"), dy = args.f32(1, "dy"), dz = args.f32(2, "dz"), dl = args.f32(3, "dLogDet");
    const size_t rows = args.count(4, "rows"), dim = args.count(5, "dim");
    require(z.length >= rows * dim && dz.length >= rows * dim, "z or dz is too short");
    require(dy.length >= rows && dl.length >= rows, "dy or dLogDet is too short");
    std_normal_log_prob_grad(z.data, dy.data, dz.data, dl.data, rows, dim, args.number(6, "sign"));
  });
}

// The arguments shared by fieldTrace and fieldTraceGrad: sizes (d_0 = d_L = D), batch, activation
// code, per layer w [d_l, d_{l+1}], and every layer's scales (optional) and shifts side by side as
// one [1 or batch, d_1 + … + d_L] matrix each.
struct FieldTraceArgs {
  std::vector<size_t> sizes;
  FieldTraceShape shape;
  std::vector<FieldTraceLayerView> layers;
  size_t width = 0;  // d_1 + … + d_L
  size_t s_rows = 0, c_rows = 0;
};

FieldTraceArgs field_trace_args(const Args& args, size_t first, const std::vector<F32>& ws, const F32& s,
                                const F32& c) {
  FieldTraceArgs m;
  for (const int64_t d : args.dims(first, "sizes")) {
    require(d >= 1, "every layer width must be >= 1");
    m.sizes.push_back(size_t(d));
  }
  require(m.sizes.size() >= 2 && m.sizes.front() == m.sizes.back(), "sizes must start and end at D");
  m.shape.layers = m.sizes.size() - 1;
  m.shape.sizes = m.sizes.data();
  m.shape.batch = args.count(first + 1, "batch");
  m.shape.activation =
      args.code<FieldTraceActivation>(first + 2, "activation", 4, "unknown field-trace activation");
  const size_t n = m.shape.layers, batch = m.shape.batch;
  require(ws.size() == n, "one weight per layer");
  for (size_t l = 0; l < n; ++l) m.width += m.sizes[l + 1];
  // The rows of the scales or shifts: 1 or batch, from the length.
  const auto rows = [&m, batch](const F32& v) -> size_t {
    if (v.length == m.width) return 1;
    require(batch > 0 && v.length == batch * m.width, "scales and shifts must be [1 or batch, d_1 + … + d_L]");
    return batch;
  };
  require(c.data != nullptr, "the shifts are required");
  m.c_rows = rows(c);
  if (s.data != nullptr) m.s_rows = rows(s);
  m.layers.resize(n);
  size_t offset = 0;
  for (size_t l = 0; l < n; ++l) {
    const size_t din = m.sizes[l], dout = m.sizes[l + 1];
    require(ws[l].length == din * dout, "a weight has the wrong size");
    FieldTraceLayerView& v = m.layers[l];
    v.w = ws[l].data;
    v.stride = m.width;
    v.c = c.data + offset;
    v.c_rows = m.c_rows;
    if (s.data != nullptr) {
      v.s = s.data + offset;
      v.s_rows = m.s_rows;
    }
    offset += dout;
  }
  return m;
}

// fieldTrace(z, sizes, batch, activation, ws, s | null, c, out)
napi_value FieldTrace(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 8);
    const F32 z = args.f32(0, "z"), c = args.f32(6, "c"), out = args.f32(7, "out");
    F32 s;
    if (args.present(5, "s")) s = args.f32(5, "s");
    const auto ws = args.f32_list(4, "ws");
    const FieldTraceArgs m = field_trace_args(args, 1, ws, s, c);
    const size_t batch = m.shape.batch, dim = m.sizes[0];
    require(z.length == batch * dim, "z has the wrong size");
    require(out.length == batch * (dim + 2), "out has the wrong size");
    if (batch > 0) field_trace(m.shape, z.data, m.layers.data(), out.data);
  });
}

// fieldTraceGrad(z, sizes, batch, activation, ws, s | null, c, dy, dz | null, dws, ds | null, dc)
napi_value FieldTraceGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 12);
    const F32 z = args.f32(0, "z"), c = args.f32(6, "c"), dy = args.f32(7, "dy"), dc = args.f32(11, "dc");
    F32 s, dz, ds;
    if (args.present(5, "s")) s = args.f32(5, "s");
    if (args.present(8, "dz")) dz = args.f32(8, "dz");
    if (args.present(10, "ds")) ds = args.f32(10, "ds");
    const auto ws = args.f32_list(4, "ws"), dws = args.f32_list(9, "dws");
    const FieldTraceArgs m = field_trace_args(args, 1, ws, s, c);
    const size_t batch = m.shape.batch, dim = m.sizes[0], n = m.shape.layers;
    require(z.length == batch * dim, "z has the wrong size");
    require(dy.length == batch * (dim + 2), "dy has the wrong size");
    if (dz.data != nullptr) require(dz.length == z.length, "dz has the wrong size");
    require(dc.length == c.length, "dc has the wrong size");
    if (s.data != nullptr) require(ds.data != nullptr && ds.length == s.length, "ds has the wrong size");
    require(dws.size() == n, "one weight gradient per layer");
    std::vector<FieldTraceGradView> grads(n);
    size_t offset = 0;
    for (size_t l = 0; l < n; ++l) {
      require(dws[l].length == m.sizes[l] * m.sizes[l + 1], "a weight gradient has the wrong size");
      grads[l].dw = dws[l].data;
      grads[l].dc = dc.data + offset;
      if (s.data != nullptr) grads[l].ds = ds.data + offset;
      offset += m.sizes[l + 1];
    }
    if (batch > 0) field_trace_grad(m.shape, z.data, m.layers.data(), dy.data, dz.data, grads.data());
  });
}

// setPortable(bool): force the portable GEMM micro-kernel (for tests and comparisons).
napi_value SetPortable(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 1);
    gemm_force_portable(args.boolean(0, "portable"));
  });
}

// setAvx512(bool): allow the AVX-512 GEMM tile kernel (true, the default) or keep to AVX2 (tests).
napi_value SetAvx512(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    const Args args(env, info, 1);
    gemm_enable_avx512(args.boolean(0, "enabled"));
  });
}

}  // namespace
}  // namespace bijective

NAPI_MODULE_INIT() {
  using namespace bijective;
  napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"copy", nullptr, Copy, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"compare", nullptr, Compare, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"select", nullptr, Select, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gather", nullptr, Gather, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"cumsum", nullptr, Cumsum, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unaryParam", nullptr, UnaryParam, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sumSquares", nullptr, SumSquares, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"mlpForward", nullptr, MlpForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"mlpBackward", nullptr, MlpBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"spline", nullptr, Spline, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"splineGrad", nullptr, SplineGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"affine", nullptr, Affine, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"affineGrad", nullptr, AffineGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"stdNormalLogProb", nullptr, StdNormalLogProb, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"stdNormalLogProbGrad", nullptr, StdNormalLogProbGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fieldTrace", nullptr, FieldTrace, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fieldTraceGrad", nullptr, FieldTraceGrad, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"scratchBytes", nullptr, ScratchBytes, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setPortable", nullptr, SetPortable, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setAvx512", nullptr, SetAvx512, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
