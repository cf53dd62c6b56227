// N-API bindings: thin argument checking around the kernels in kernels.h.
// Every array argument is a Float32Array (or Int32Array for shapes) whose
// storage is read and written in place; bounds are checked before any access.
#include <node_api.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "kernels.h"
#include "thread_pool.h"

namespace bijective {

ThreadPool& pool() {
  static ThreadPool instance(std::max(1u, std::thread::hardware_concurrency()));
  return instance;
}

namespace {

struct Failure {
  std::string message;
};

void check(napi_env env, napi_status status, const char* what) {
  if (status != napi_ok) throw Failure{std::string("bijective native: ") + what};
}

struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

F32 f32(napi_env env, napi_value v, const char* name) {
  bool is_typed = false;
  check(env, napi_is_typedarray(env, v, &is_typed), name);
  if (!is_typed) throw Failure{std::string("bijective native: ") + name + " must be a Float32Array"};
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  check(env, napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr), name);
  if (type != napi_float32_array) throw Failure{std::string("bijective native: ") + name + " must be a Float32Array"};
  return F32{static_cast<float*>(data), length};
}

template <typename T>
struct Typed {
  T* data = nullptr;
  size_t length = 0;
};

template <typename T>
Typed<T> typed(napi_env env, napi_value v, napi_typedarray_type want, const char* name, const char* kind) {
  bool is_typed = false;
  check(env, napi_is_typedarray(env, v, &is_typed), name);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (is_typed) check(env, napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr), name);
  if (!is_typed || type != want) throw Failure{std::string("bijective native: ") + name + " must be a " + kind};
  return Typed<T>{static_cast<T*>(data), length};
}

std::vector<int64_t> i32s(napi_env env, napi_value v, const char* name) {
  bool is_typed = false;
  check(env, napi_is_typedarray(env, v, &is_typed), name);
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (is_typed) check(env, napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr), name);
  if (!is_typed || type != napi_int32_array) throw Failure{std::string("bijective native: ") + name + " must be an Int32Array"};
  const int32_t* p = static_cast<const int32_t*>(data);
  return std::vector<int64_t>(p, p + length);
}

int64_t integer(napi_env env, napi_value v, const char* name) {
  int64_t out = 0;
  check(env, napi_get_value_int64(env, v, &out), name);
  return out;
}

size_t count(napi_env env, napi_value v, const char* name) {
  const int64_t n = integer(env, v, name);
  if (n < 0) throw Failure{std::string("bijective native: ") + name + " must be >= 0"};
  return size_t(n);
}

bool boolean(napi_env env, napi_value v, const char* name) {
  bool out = false;
  check(env, napi_get_value_bool(env, v, &out), name);
  return out;
}

double number(napi_env env, napi_value v, const char* name) {
  double out = 0;
  check(env, napi_get_value_double(env, v, &out), name);
  return out;
}

void require(bool ok, const char* message) {
  if (!ok) throw Failure{std::string("bijective native: ") + message};
}

template <size_t N>
std::vector<napi_value> args(napi_env env, napi_callback_info info) {
  size_t argc = N;
  std::vector<napi_value> argv(N);
  check(env, napi_get_cb_info(env, info, &argc, argv.data(), nullptr, nullptr), "arguments");
  require(argc >= N, "too few arguments");
  return argv;
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    return body();
  } catch (const Failure& f) {
    napi_throw_error(env, nullptr, f.message.c_str());
    return nullptr;
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
    return nullptr;
  }
}

// gemm(a, b, out, batch, batchA, batchB, m, n, k, transA, transB,
//      bias | null, biasBatchStride, biasRowStride, biasColStride, activation, alpha)
napi_value Gemm(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<17>(env, info);
    const F32 a = f32(env, v[0], "a"), b = f32(env, v[1], "b"), out = f32(env, v[2], "out");
    const size_t batch = count(env, v[3], "batch"), batch_a = count(env, v[4], "batchA"),
                 batch_b = count(env, v[5], "batchB");
    const size_t m = count(env, v[6], "m"), n = count(env, v[7], "n"), k = count(env, v[8], "k");
    const bool ta = boolean(env, v[9], "transA"), tb = boolean(env, v[10], "transB");
    require(batch_a >= 1 && batch_b >= 1 && batch >= 1, "batch sizes must be >= 1");
    require(a.length >= batch_a * m * k, "a is too short");
    require(b.length >= batch_b * k * n, "b is too short");
    require(out.length >= batch * m * n, "out is too short");
    BiasView bias;
    napi_valuetype bias_type;
    check(env, napi_typeof(env, v[11], &bias_type), "bias");
    if (bias_type != napi_null && bias_type != napi_undefined) {
      const F32 bv = f32(env, v[11], "bias");
      bias.data = bv.data;
      bias.batch_stride = integer(env, v[12], "biasBatchStride");
      bias.row_stride = integer(env, v[13], "biasRowStride");
      bias.col_stride = integer(env, v[14], "biasColStride");
      require(bias.batch_stride >= 0 && bias.row_stride >= 0 && bias.col_stride >= 0, "bias strides must be >= 0");
      if (m > 0 && n > 0) {
        const int64_t last = int64_t(batch - 1) * bias.batch_stride + int64_t(m - 1) * bias.row_stride +
                             int64_t(n - 1) * bias.col_stride;
        require(last < int64_t(bv.length), "bias is too short");
      }
    }
    const int64_t act = integer(env, v[15], "activation");
    require(act >= 0 && act <= 5, "unknown activation");
    const float alpha = float(number(env, v[16], "alpha"));
    if (m > 0 && n > 0) gemm(a.data, b.data, out.data, batch, batch_a, batch_b, m, n, k, ta, tb, bias, Activation(act), alpha);
    return undefined(env);
  });
}

// binary(op, a, b, out, shape, stridesA, stridesB)
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<7>(env, info);
    const int64_t op = integer(env, v[0], "op");
    require(op >= 0 && op <= 6, "unknown binary op");
    const F32 a = f32(env, v[1], "a"), b = f32(env, v[2], "b"), out = f32(env, v[3], "out");
    const auto shape = i32s(env, v[4], "shape");
    const auto sa = i32s(env, v[5], "stridesA");
    const auto sb = i32s(env, v[6], "stridesB");
    require(sa.size() == shape.size() && sb.size() == shape.size(), "shape and strides differ in rank");
    size_t size = 1;
    int64_t last_a = 0, last_b = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      require(shape[d] >= 0 && sa[d] >= 0 && sb[d] >= 0, "negative shape or stride");
      size *= size_t(shape[d]);
      if (shape[d] > 0) {
        last_a += (shape[d] - 1) * sa[d];
        last_b += (shape[d] - 1) * sb[d];
      }
    }
    if (size == 0) return undefined(env);
    require(last_a < int64_t(a.length) && last_b < int64_t(b.length), "operand is too short for its strides");
    require(out.length >= size, "out is too short");
    binary(BinaryOp(op), a.data, b.data, out.data, shape.size(), shape.data(), sa.data(), sb.data());
    return undefined(env);
  });
}

// unary(op, x, out)
napi_value Unary(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<3>(env, info);
    const int64_t op = integer(env, v[0], "op");
    require(op >= 0 && op <= 9, "unknown unary op");
    const F32 x = f32(env, v[1], "x"), out = f32(env, v[2], "out");
    require(out.length >= x.length, "out is too short");
    unary(UnaryOp(op), x.data, out.data, x.length);
    return undefined(env);
  });
}

// reduce(op, x, out, outer, red, inner)
napi_value Reduce(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<6>(env, info);
    const int64_t op = integer(env, v[0], "op");
    require(op >= 0 && op <= 1, "unknown reduce op");
    const F32 x = f32(env, v[1], "x"), out = f32(env, v[2], "out");
    const size_t outer = count(env, v[3], "outer"), red = count(env, v[4], "red"), inner = count(env, v[5], "inner");
    require(red >= 1, "reduced size must be >= 1");
    require(x.length >= outer * red * inner, "x is too short");
    require(out.length >= outer * inner, "out is too short");
    reduce(ReduceOp(op), x.data, out.data, outer, red, inner);
    return undefined(env);
  });
}

// copy(x, out, shape, stridesX, stridesOut): strided copy (x and out may be offset views).
napi_value Copy(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<5>(env, info);
    const F32 x = f32(env, v[0], "x"), out = f32(env, v[1], "out");
    const auto shape = i32s(env, v[2], "shape");
    const auto sx = i32s(env, v[3], "stridesX");
    const auto so = i32s(env, v[4], "stridesOut");
    require(shape.size() <= 16, "rank must be <= 16");
    require(sx.size() == shape.size() && so.size() == shape.size(), "shape and strides differ in rank");
    size_t size = 1;
    int64_t last_x = 0, last_o = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      require(shape[d] >= 0 && sx[d] >= 0 && so[d] >= 0, "negative shape or stride");
      size *= size_t(shape[d]);
      if (shape[d] > 0) {
        last_x += (shape[d] - 1) * sx[d];
        last_o += (shape[d] - 1) * so[d];
      }
    }
    if (size == 0) return undefined(env);
    require(last_x < int64_t(x.length) && last_o < int64_t(out.length), "array is too short for its strides");
    strided_copy(x.data, out.data, shape.size(), shape.data(), sx.data(), so.data());
    return undefined(env);
  });
}

// softmax(x, out, rows, cols)
napi_value Softmax(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<4>(env, info);
    const F32 x = f32(env, v[0], "x"), out = f32(env, v[1], "out");
    const size_t rows = count(env, v[2], "rows"), cols = count(env, v[3], "cols");
    require(cols >= 1, "cols must be >= 1");
    require(x.length >= rows * cols && out.length >= rows * cols, "x or out is too short");
    softmax(x.data, out.data, rows, cols);
    return undefined(env);
  });
}

// compare(op, a, b, out: Uint8Array, shape, stridesA, stridesB)
napi_value Compare(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<7>(env, info);
    const int64_t op = integer(env, v[0], "op");
    require(op >= 0 && op <= 5, "unknown compare op");
    const F32 a = f32(env, v[1], "a"), b = f32(env, v[2], "b");
    const auto out = typed<uint8_t>(env, v[3], napi_uint8_array, "out", "Uint8Array");
    const auto shape = i32s(env, v[4], "shape");
    const auto sa = i32s(env, v[5], "stridesA");
    const auto sb = i32s(env, v[6], "stridesB");
    require(sa.size() == shape.size() && sb.size() == shape.size(), "shape and strides differ in rank");
    size_t size = 1;
    int64_t last_a = 0, last_b = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      require(shape[d] >= 0 && sa[d] >= 0 && sb[d] >= 0, "negative shape or stride");
      size *= size_t(shape[d]);
      if (shape[d] > 0) {
        last_a += (shape[d] - 1) * sa[d];
        last_b += (shape[d] - 1) * sb[d];
      }
    }
    if (size == 0) return undefined(env);
    require(last_a < int64_t(a.length) && last_b < int64_t(b.length), "operand is too short for its strides");
    require(out.length >= size, "out is too short");
    compare(CompareOp(op), a.data, b.data, out.data, shape.size(), shape.data(), sa.data(), sb.data());
    return undefined(env);
  });
}

// select(cond: Uint8Array, t, e, out)
napi_value Select(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<4>(env, info);
    const auto cond = typed<uint8_t>(env, v[0], napi_uint8_array, "cond", "Uint8Array");
    const F32 t = f32(env, v[1], "t"), e = f32(env, v[2], "e"), out = f32(env, v[3], "out");
    const size_t n = out.length;
    require(cond.length >= n && t.length >= n && e.length >= n, "cond, t or e is too short");
    select(cond.data, t.data, e.data, out.data, n);
    return undefined(env);
  });
}

// gather(x, indices: Int32Array, out, outer, dim, inner)
napi_value Gather(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<6>(env, info);
    const F32 x = f32(env, v[0], "x"), out = f32(env, v[2], "out");
    const auto idx = typed<int32_t>(env, v[1], napi_int32_array, "indices", "Int32Array");
    const size_t outer = count(env, v[3], "outer"), dim = count(env, v[4], "dim"), inner = count(env, v[5], "inner");
    require(x.length >= outer * dim * inner, "x is too short");
    require(out.length >= outer * idx.length * inner, "out is too short");
    for (size_t j = 0; j < idx.length; ++j) require(idx.data[j] >= 0 && size_t(idx.data[j]) < dim, "index out of range");
    gather(x.data, idx.data, out.data, outer, dim, inner, idx.length);
    return undefined(env);
  });
}

// cumsum(x, out, rows, cols, exclusive, reverse)
napi_value Cumsum(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<6>(env, info);
    const F32 x = f32(env, v[0], "x"), out = f32(env, v[1], "out");
    const size_t rows = count(env, v[2], "rows"), cols = count(env, v[3], "cols");
    require(x.length >= rows * cols && out.length >= rows * cols, "x or out is too short");
    cumsum(x.data, out.data, rows, cols, boolean(env, v[4], "exclusive"), boolean(env, v[5], "reverse"));
    return undefined(env);
  });
}

// unaryParam(op, x, out, p0, p1)
napi_value UnaryParam(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<5>(env, info);
    const int64_t op = integer(env, v[0], "op");
    require(op >= 0 && op <= 1, "unknown parametrised unary op");
    const F32 x = f32(env, v[1], "x"), out = f32(env, v[2], "out");
    require(out.length >= x.length, "out is too short");
    unary_param(ParamOp(op), x.data, out.data, x.length, number(env, v[3], "p0"), number(env, v[4], "p1"));
    return undefined(env);
  });
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, simd, threads, avx2;
  napi_create_object(env, &obj);
  const char* mode = gemm_uses_avx2() ? "avx2+fma" : "portable";
  napi_create_string_utf8(env, mode, NAPI_AUTO_LENGTH, &simd);
  napi_create_uint32(env, uint32_t(pool().size()), &threads);
  napi_get_boolean(env, cpu_has_avx2_fma(), &avx2);
  napi_set_named_property(env, obj, "simd", simd);
  napi_set_named_property(env, obj, "threads", threads);
  napi_set_named_property(env, obj, "cpuHasAvx2Fma", avx2);
  return obj;
}

// setThreads(n): resize the pool (n >= 1 threads, the caller included).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<1>(env, info);
    const size_t n = count(env, v[0], "threads");
    require(n >= 1 && n <= 256, "threads must be in [1, 256]");
    if (n != pool().size()) pool().resize(n);
    return undefined(env);
  });
}

// adam(p, m, v, g, pOut, mOut, vOut, beta1, oneMinusBeta1, beta2, oneMinusBeta2, stepSize, epsHat)
napi_value Adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<13>(env, info);
    const F32 p = f32(env, v[0], "p"), m = f32(env, v[1], "m"), s = f32(env, v[2], "v"), g = f32(env, v[3], "g");
    const F32 po = f32(env, v[4], "pOut"), mo = f32(env, v[5], "mOut"), so = f32(env, v[6], "vOut");
    const size_t n = p.length;
    require(m.length == n && s.length == n && g.length == n, "p, m, v and g differ in length");
    require(po.length >= n && mo.length >= n && so.length >= n, "an output is too short");
    AdamConstants c{};
    c.beta1 = float(number(env, v[7], "beta1"));
    c.one_minus_beta1 = float(number(env, v[8], "oneMinusBeta1"));
    c.beta2 = float(number(env, v[9], "beta2"));
    c.one_minus_beta2 = float(number(env, v[10], "oneMinusBeta2"));
    c.step_size = float(number(env, v[11], "stepSize"));
    c.eps_hat = float(number(env, v[12], "epsHat"));
    adam(p.data, m.data, s.data, g.data, po.data, mo.data, so.data, n, c);
    return undefined(env);
  });
}

// sumSquares(x) -> number: Σ x², accumulated in double.
napi_value SumSquares(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<1>(env, info);
    const F32 x = f32(env, v[0], "x");
    napi_value out;
    check(env, napi_create_double(env, sum_squares(x.data, x.length), &out), "result");
    return out;
  });
}

// setPortable(bool): force the portable GEMM micro-kernel (for tests and comparisons).
napi_value SetPortable(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto v = args<1>(env, info);
    gemm_force_portable(boolean(env, v[0], "portable"));
    return undefined(env);
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
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setPortable", nullptr, SetPortable, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
