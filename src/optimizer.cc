#include "optimizer.h"

#include <algorithm>
#include <cmath>

#include "half.h"
#include "thread_pool.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace wasm_embedding {
namespace {

// Arithmetic policies: the same update formulas run on scalars and on SIMD vectors.

template <typename C>
struct ScalarMath {
  using V = C;
  static V splat(double value) { return static_cast<C>(value); }
  static V zero() { return C{0}; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V div(V a, V b) { return a / b; }
  static V sqrt(V a) { return std::sqrt(a); }
  // NaN passes through, as with the SIMD min and max.
  static V clip(V g, V low, V high) {
    if (g != g) return g;
    return g < low ? low : (g > high ? high : g);
  }
};

#ifdef __wasm_simd128__

struct Float32x4Math {
  using V = v128_t;
  static V splat(float value) { return wasm_f32x4_splat(value); }
  static V zero() { return wasm_f32x4_splat(0.0f); }
  static V add(V a, V b) { return wasm_f32x4_add(a, b); }
  static V sub(V a, V b) { return wasm_f32x4_sub(a, b); }
  static V mul(V a, V b) { return wasm_f32x4_mul(a, b); }
  static V div(V a, V b) { return wasm_f32x4_div(a, b); }
  static V sqrt(V a) { return wasm_f32x4_sqrt(a); }
  static V clip(V g, V low, V high) { return wasm_f32x4_min(wasm_f32x4_max(g, low), high); }
};

struct Float64x2Math {
  using V = v128_t;
  static V splat(double value) { return wasm_f64x2_splat(value); }
  static V zero() { return wasm_f64x2_splat(0.0); }
  static V add(V a, V b) { return wasm_f64x2_add(a, b); }
  static V sub(V a, V b) { return wasm_f64x2_sub(a, b); }
  static V mul(V a, V b) { return wasm_f64x2_mul(a, b); }
  static V div(V a, V b) { return wasm_f64x2_div(a, b); }
  static V sqrt(V a) { return wasm_f64x2_sqrt(a); }
  static V clip(V g, V low, V high) { return wasm_f64x2_min(wasm_f64x2_max(g, low), high); }
};

#endif  // __wasm_simd128__

// Coefficients in one policy's value type. one_minus_beta1 and one_minus_beta2 are computed in the compute
// type, so vector and scalar code use the same rounded values.
template <typename M, typename C>
struct Coefficients {
  typename M::V lr, wd, rescale, clip_low, clip_high, momentum, beta1, one_minus_beta1, beta2, one_minus_beta2,
      epsilon;
  bool clip_on;

  explicit Coefficients(const OptimizerParams& p)
      : lr(M::splat(static_cast<C>(p.lr))),
        wd(M::splat(static_cast<C>(p.wd))),
        rescale(M::splat(static_cast<C>(p.rescale_grad))),
        clip_low(M::splat(-static_cast<C>(p.clip_gradient))),
        clip_high(M::splat(static_cast<C>(p.clip_gradient))),
        momentum(M::splat(static_cast<C>(p.momentum))),
        beta1(M::splat(static_cast<C>(p.beta1))),
        one_minus_beta1(M::splat(C{1} - static_cast<C>(p.beta1))),
        beta2(M::splat(static_cast<C>(p.beta2))),
        one_minus_beta2(M::splat(C{1} - static_cast<C>(p.beta2))),
        epsilon(M::splat(static_cast<C>(p.epsilon))),
        clip_on(p.clip_gradient > 0) {}
};

// One element (or one vector of elements) of the update. s0 and s1 are the states the kind uses.
template <OptimizerKind Kind, typename M, typename C>
inline void update_values(typename M::V& w, typename M::V g, typename M::V& s0, typename M::V& s1,
                          const Coefficients<M, C>& c) {
  g = M::mul(c.rescale, g);
  if (c.clip_on) g = M::clip(g, c.clip_low, c.clip_high);
  g = M::add(g, M::mul(c.wd, w));

  if constexpr (Kind == OptimizerKind::kSgd) {
    w = M::sub(w, M::mul(c.lr, g));
  } else if constexpr (Kind == OptimizerKind::kSgdMomentum) {
    s0 = M::sub(M::mul(c.momentum, s0), M::mul(c.lr, g));
    w = M::add(w, s0);
  } else if constexpr (Kind == OptimizerKind::kAdam) {
    s0 = M::add(M::mul(c.beta1, s0), M::mul(c.one_minus_beta1, g));
    s1 = M::add(M::mul(c.beta2, s1), M::mul(c.one_minus_beta2, M::mul(g, g)));
    w = M::sub(w, M::div(M::mul(c.lr, s0), M::add(M::sqrt(s1), c.epsilon)));
  } else {
    s0 = M::add(s0, M::mul(g, g));
    w = M::sub(w, M::div(M::mul(c.lr, g), M::add(M::sqrt(s0), c.epsilon)));
  }
}

template <OptimizerKind Kind>
constexpr int state_count() {
  return Kind == OptimizerKind::kSgd ? 0 : (Kind == OptimizerKind::kAdam ? 2 : 1);
}

// Storage policies: how a dtype's elements load into and store from the compute type, one at a time and,
// in SIMD builds, one vector at a time.

struct Float32Storage {
  using T = float;
  using C = float;
  static C load(const T* p) { return *p; }
  static void store(T* p, C value) { *p = value; }
#ifdef __wasm_simd128__
  using Vector = Float32x4Math;
  static constexpr size_t kLanes = 4;
  static v128_t load_vector(const T* p) { return wasm_v128_load(p); }
  static void store_vector(T* p, v128_t value) { wasm_v128_store(p, value); }
#endif
};

struct Float64Storage {
  using T = double;
  using C = double;
  static C load(const T* p) { return *p; }
  static void store(T* p, C value) { *p = value; }
#ifdef __wasm_simd128__
  using Vector = Float64x2Math;
  static constexpr size_t kLanes = 2;
  static v128_t load_vector(const T* p) { return wasm_v128_load(p); }
  static void store_vector(T* p, v128_t value) { wasm_v128_store(p, value); }
#endif
};

struct Float16Storage {
  using T = uint16_t;
  using C = float;
  static C load(const T* p) { return half_to_float(*p); }
  static void store(T* p, C value) { *p = float_to_half(value); }
#ifdef __wasm_simd128__
  using Vector = Float32x4Math;
  static constexpr size_t kLanes = 4;
  static v128_t load_vector(const T* p) { return half_to_float_x4(wasm_u32x4_load16x4(p)); }
  // The encoded lanes are below 2^16, so the saturating narrow keeps them unchanged.
  static void store_vector(T* p, v128_t value) {
    const v128_t bits = float_to_half_x4(value);
    wasm_v128_store64_lane(p, wasm_u16x8_narrow_i32x4(bits, bits), 0);
  }
#endif
};

struct BFloat16Storage {
  using T = uint16_t;
  using C = float;
  static C load(const T* p) { return bfloat16_to_float(*p); }
  static void store(T* p, C value) { *p = float_to_bfloat16(value); }
#ifdef __wasm_simd128__
  using Vector = Float32x4Math;
  static constexpr size_t kLanes = 4;
  static v128_t load_vector(const T* p) { return bfloat16_to_float_x4(wasm_u32x4_load16x4(p)); }
  static void store_vector(T* p, v128_t value) {
    const v128_t bits = float_to_bfloat16_x4(value);
    wasm_v128_store64_lane(p, wasm_u16x8_narrow_i32x4(bits, bits), 0);
  }
#endif
};

template <typename Storage>
struct UpdateJob {
  const OptimizerArrays* arrays;
  Coefficients<ScalarMath<typename Storage::C>, typename Storage::C> scalar;
#ifdef __wasm_simd128__
  Coefficients<typename Storage::Vector, typename Storage::C> vector;
#endif
};

// Updates one row of n elements. grad is null for a row absent from a row_sparse gradient (g = 0).
template <OptimizerKind Kind, typename Storage>
void update_row(const UpdateJob<Storage>& job, typename Storage::T* w, const typename Storage::T* grad,
                typename Storage::T* s0, typename Storage::T* s1, size_t n) {
  constexpr int kStates = state_count<Kind>();
  size_t i = 0;

#ifdef __wasm_simd128__
  using M = typename Storage::Vector;
  for (; i + Storage::kLanes <= n; i += Storage::kLanes) {
    v128_t wv = Storage::load_vector(w + i);
    const v128_t gv = grad ? Storage::load_vector(grad + i) : M::zero();
    v128_t a = kStates >= 1 ? Storage::load_vector(s0 + i) : M::zero();
    v128_t b = kStates >= 2 ? Storage::load_vector(s1 + i) : M::zero();
    update_values<Kind>(wv, gv, a, b, job.vector);
    Storage::store_vector(w + i, wv);
    if (kStates >= 1) Storage::store_vector(s0 + i, a);
    if (kStates >= 2) Storage::store_vector(s1 + i, b);
  }
#endif

  using C = typename Storage::C;
  for (; i < n; ++i) {
    C wv = Storage::load(w + i);
    const C gv = grad ? Storage::load(grad + i) : C{0};
    C a = kStates >= 1 ? Storage::load(s0 + i) : C{0};
    C b = kStates >= 2 ? Storage::load(s1 + i) : C{0};
    update_values<Kind>(wv, gv, a, b, job.scalar);
    Storage::store(w + i, wv);
    if (kStates >= 1) Storage::store(s0 + i, a);
    if (kStates >= 2) Storage::store(s1 + i, b);
  }
}

// Writes the low-precision copy of an updated float32 row.
void mirror_row(const OptimizerArrays& arrays, size_t row) {
  const size_t n = arrays.row_elems;
  const float* source = static_cast<const float*>(arrays.weight) + row * n;
  uint16_t* target = static_cast<uint16_t*>(arrays.mirror) + row * n;
  if (arrays.mirror_dtype == DType::kFloat16) {
    encode_half_from_f32(source, n, target);
  } else {
    encode_bfloat16_from_f32(source, n, target);
  }
}

// Items are weight rows (dense gradient, or standard row_sparse update) or gradient rows (lazy update).
template <OptimizerKind Kind, typename Storage>
void update_range(void* context, size_t begin, size_t end) {
  using T = typename Storage::T;
  const UpdateJob<Storage>& job = *static_cast<const UpdateJob<Storage>*>(context);
  const OptimizerArrays& a = *job.arrays;
  const size_t n = a.row_elems;
  T* weight = static_cast<T*>(a.weight);
  const T* grad = static_cast<const T*>(a.grad);
  T* s0 = static_cast<T*>(a.state0);
  T* s1 = static_cast<T*>(a.state1);
  auto offset = [n](T* base, size_t row) { return base ? base + row * n : nullptr; };

  auto update = [&](size_t row, const T* grad_row) {
    update_row<Kind, Storage>(job, weight + row * n, grad_row, offset(s0, row), offset(s1, row), n);
    if (a.mirror) mirror_row(a, row);
  };

  if (a.grad_rows == nullptr) {
    for (size_t row = begin; row < end; ++row) update(row, grad + row * n);
  } else if (a.lazy) {
    for (size_t k = begin; k < end; ++k) update(static_cast<size_t>(a.grad_rows[k]), grad + k * n);
  } else {
    // Walk the weight rows and the sorted gradient rows together.
    const int32_t* rows_end = a.grad_rows + a.grad_row_count;
    const int32_t* next = std::lower_bound(a.grad_rows, rows_end, static_cast<int32_t>(begin));
    for (size_t row = begin; row < end; ++row) {
      const bool present = next != rows_end && static_cast<size_t>(*next) == row;
      update(row, present ? grad + static_cast<size_t>(next - a.grad_rows) * n : nullptr);
      if (present) ++next;
    }
  }
}

template <OptimizerKind Kind, typename Storage>
void run_update(const OptimizerParams& params, const OptimizerArrays& arrays) {
#ifdef __wasm_simd128__
  UpdateJob<Storage> job{&arrays, Coefficients<ScalarMath<typename Storage::C>, typename Storage::C>(params),
                         Coefficients<typename Storage::Vector, typename Storage::C>(params)};
#else
  UpdateJob<Storage> job{&arrays, Coefficients<ScalarMath<typename Storage::C>, typename Storage::C>(params)};
#endif
  const bool by_grad_rows = arrays.grad_rows != nullptr && arrays.lazy;
  const size_t count = by_grad_rows ? arrays.grad_row_count : arrays.weight_rows;
  const size_t row_elems = std::max<size_t>(arrays.row_elems, 1);
  const size_t min_chunk = (kParallelUpdateMinElements + row_elems - 1) / row_elems;
  parallel_for(count, min_chunk, 1, update_range<Kind, Storage>, &job);
}

template <OptimizerKind Kind>
void dispatch_dtype(const OptimizerParams& params, const OptimizerArrays& arrays) {
  switch (arrays.dtype) {
    case DType::kFloat32: return run_update<Kind, Float32Storage>(params, arrays);
    case DType::kFloat64: return run_update<Kind, Float64Storage>(params, arrays);
    case DType::kFloat16: return run_update<Kind, Float16Storage>(params, arrays);
    case DType::kBFloat16: return run_update<Kind, BFloat16Storage>(params, arrays);
    default: return;
  }
}

}  // namespace

void optimizer_update(OptimizerKind kind, const OptimizerParams& params, const OptimizerArrays& arrays) {
  if (arrays.row_elems == 0) return;
  switch (kind) {
    case OptimizerKind::kSgd: return dispatch_dtype<OptimizerKind::kSgd>(params, arrays);
    case OptimizerKind::kSgdMomentum: return dispatch_dtype<OptimizerKind::kSgdMomentum>(params, arrays);
    case OptimizerKind::kAdam: return dispatch_dtype<OptimizerKind::kAdam>(params, arrays);
    case OptimizerKind::kAdaGrad: return dispatch_dtype<OptimizerKind::kAdaGrad>(params, arrays);
  }
}

}  // namespace wasm_embedding
