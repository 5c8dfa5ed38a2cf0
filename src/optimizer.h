// Optimizer updates (SGD, SGD with momentum, Adam, AdaGrad) in place, for dense or row_sparse gradients.
//
// Every element computes, in the compute type (float64 for float64 weights, float32 otherwise):
//   g' = clip(rescale_grad * g, clip_gradient) + wd * w      (no clipping when clip_gradient <= 0)
//   sgd:          w = w - lr * g'
//   sgd_momentum: m = momentum * m - lr * g';               w = w + m
//   adam:         m = beta1 * m + (1 - beta1) * g';  v = beta2 * v + (1 - beta2) * (g' * g')
//                 w = w - (lr * m) / (sqrt(v) + epsilon)
//   adagrad:      h = h + g' * g';                          w = w - (lr * g') / (sqrt(h) + epsilon)
// Each operation rounds to the compute type (no fused multiply-add), and stored values round once on store,
// so SIMD and scalar builds give identical bits. NaN payloads are the exception: with clipping on, the SIMD
// min and max return the canonical NaN where the scalar code keeps the input's payload. float16 and bfloat16 weights and states are decoded to
// float32 and encoded back.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dtype.h"

namespace wasm_embedding {

enum class OptimizerKind : int32_t { kSgd = 0, kSgdMomentum = 1, kAdam = 2, kAdaGrad = 3 };

struct OptimizerParams {
  double lr;
  double wd;
  double rescale_grad;
  double clip_gradient;  // <= 0 turns clipping off
  double momentum;
  double beta1;
  double beta2;
  double epsilon;
};

// Weight, gradient and states share dtype and rows of row_elems elements. state0 is the momentum, Adam's
// mean or AdaGrad's history; state1 is Adam's variance (unused otherwise).
//
// Gradient layouts:
//   grad_rows == nullptr   dense: grad has weight_rows rows, and every weight row is updated.
//   grad_rows != nullptr   row_sparse: grad row k belongs to weight row grad_rows[k] (ascending, distinct,
//                          in range). lazy: only those rows change. Otherwise every weight row is updated,
//                          with g = 0 for rows absent from grad_rows.
//
// mirror, when not null, receives the updated float32 weight encoded as mirror_dtype (float16 or bfloat16)
// for every updated row: the low-precision copy of a multi-precision weight.
struct OptimizerArrays {
  DType dtype;
  void* weight;
  const void* grad;
  void* state0;
  void* state1;
  size_t row_elems;
  size_t weight_rows;
  const int32_t* grad_rows;
  size_t grad_row_count;
  bool lazy;
  DType mirror_dtype;
  void* mirror;
};

// Work below which an update runs on one thread, in weight elements. An estimate, not tuned by measurement.
constexpr size_t kParallelUpdateMinElements = 32 * 1024;

void optimizer_update(OptimizerKind kind, const OptimizerParams& params, const OptimizerArrays& arrays);

}  // namespace wasm_embedding
