// Bindings for EmbeddingBag, take, per-row quantization, decoding gathers and max-norm rescaling.
// Pointers cross as uintptr_t numbers; the JS layer validates shapes, dtypes and offsets before calling in.
#include <emscripten/bind.h>

#include <cstddef>
#include <cstdint>

#include "bag.h"
#include "quantize.h"
#include "renorm.h"
#include "row_source.h"
#include "take.h"

using namespace wasm_embedding;

namespace {

template <typename T>
T* pointer(uintptr_t address) {
  return reinterpret_cast<T*>(address);
}

RowSource row_source(int format, uintptr_t data, size_t row_elems, uintptr_t scales, uintptr_t offsets) {
  return RowSource{static_cast<RowFormat>(format), pointer<const void>(data), row_elems,
                   pointer<const float>(scales), pointer<const float>(offsets)};
}

// table_format, table, row_elems, scales and offsets describe the table (see RowSource).
void embedding_bag_forward_binding(int index_dtype, uintptr_t indices, int input_dim, uintptr_t bag_starts,
                                   size_t bag_count, int table_format, uintptr_t table, size_t row_elems,
                                   uintptr_t scales, uintptr_t offsets, int mode, uintptr_t per_sample_weights,
                                   int padding_row, uintptr_t out, uintptr_t max_positions) {
  BagForwardArgs args{static_cast<DType>(index_dtype),
                      pointer<const void>(indices),
                      input_dim,
                      pointer<const int32_t>(bag_starts),
                      bag_count,
                      row_source(table_format, table, row_elems, scales, offsets),
                      static_cast<BagMode>(mode),
                      pointer<const void>(per_sample_weights),
                      padding_row,
                      pointer<void>(out),
                      pointer<int32_t>(max_positions)};
  embedding_bag_forward(args);
}

size_t embedding_bag_backward_plan_binding(int index_dtype, uintptr_t indices, size_t count, int input_dim,
                                           uintptr_t bag_starts, size_t bag_count, int padding_row,
                                           uintptr_t rows, uintptr_t row_starts, uintptr_t positions,
                                           uintptr_t distinct_rows, uintptr_t bag_sizes) {
  return embedding_bag_backward_plan(static_cast<DType>(index_dtype), pointer<const void>(indices), count,
                                     input_dim, pointer<const int32_t>(bag_starts), bag_count, padding_row,
                                     pointer<int32_t>(rows), pointer<int32_t>(row_starts),
                                     pointer<int32_t>(positions), pointer<int32_t>(distinct_rows),
                                     pointer<int32_t>(bag_sizes));
}

void embedding_bag_backward_binding(uintptr_t bag_starts, size_t bag_count, uintptr_t row_starts,
                                    uintptr_t positions, uintptr_t distinct_rows, size_t distinct_count,
                                    uintptr_t bag_sizes, int mode, uintptr_t per_sample_weights,
                                    uintptr_t max_positions, uintptr_t out_grad, int grad_dtype, size_t row_elems,
                                    uintptr_t grad, bool sparse, bool add) {
  BagBackwardArgs args{pointer<const int32_t>(bag_starts),
                       bag_count,
                       pointer<const int32_t>(row_starts),
                       pointer<const int32_t>(positions),
                       pointer<const int32_t>(distinct_rows),
                       distinct_count,
                       pointer<const int32_t>(bag_sizes),
                       static_cast<BagMode>(mode),
                       pointer<const void>(per_sample_weights),
                       pointer<const int32_t>(max_positions),
                       pointer<const void>(out_grad),
                       static_cast<DType>(grad_dtype),
                       row_elems,
                       pointer<void>(grad),
                       sparse,
                       add};
  embedding_bag_backward(args);
}

// error receives two doubles: the maximum absolute error and the sum of squared errors.
void quantize_rows_binding(uintptr_t source, size_t rows, size_t row_elems, bool asymmetric, uintptr_t codes,
                           uintptr_t scales, uintptr_t offsets, uintptr_t error) {
  quantize_rows(pointer<const float>(source), rows, row_elems, asymmetric, pointer<void>(codes),
                pointer<float>(scales), pointer<float>(offsets), pointer<double>(error));
}

void gather_decoded_binding(int index_dtype, uintptr_t indices, size_t count, int input_dim, int table_format,
                            uintptr_t table, size_t row_elems, uintptr_t scales, uintptr_t offsets,
                            uintptr_t out) {
  gather_decoded(static_cast<DType>(index_dtype), pointer<const void>(indices), count, input_dim,
                 row_source(table_format, table, row_elems, scales, offsets), pointer<float>(out));
}

size_t renorm_rows_binding(int index_dtype, uintptr_t indices, size_t count, int input_dim, int table_format,
                           uintptr_t table, size_t row_elems, double max_norm, double norm_type,
                           uintptr_t rows_scratch) {
  return renorm_rows(static_cast<DType>(index_dtype), pointer<const void>(indices), count, input_dim,
                     static_cast<RowFormat>(table_format), pointer<void>(table), row_elems, max_norm, norm_type,
                     pointer<int32_t>(rows_scratch));
}

double take_map_indices_binding(int index_dtype, uintptr_t indices, size_t count, int axis_len, int mode,
                                uintptr_t rows) {
  return static_cast<double>(take_map_indices(static_cast<DType>(index_dtype), pointer<const void>(indices),
                                              count, axis_len, static_cast<TakeMode>(mode),
                                              pointer<int32_t>(rows)));
}

void take_gather_binding(uintptr_t rows, size_t count, uintptr_t a, size_t outer, size_t axis_len,
                         size_t inner_elems, size_t element_size, uintptr_t out) {
  take_gather(pointer<const int32_t>(rows), count, pointer<const void>(a), outer, axis_len, inner_elems,
              element_size, pointer<void>(out));
}

void take_backward_binding(uintptr_t rows, size_t count, uintptr_t out_grad, size_t outer, int axis_len,
                           size_t inner_elems, int grad_dtype, uintptr_t grad, bool add) {
  take_backward(pointer<const int32_t>(rows), count, pointer<const void>(out_grad), outer, axis_len,
                inner_elems, static_cast<DType>(grad_dtype), pointer<void>(grad), add);
}

int code(RowFormat format) { return static_cast<int>(format); }
int code(BagMode mode) { return static_cast<int>(mode); }
int code(TakeMode mode) { return static_cast<int>(mode); }

}  // namespace

EMSCRIPTEN_BINDINGS(extras) {
  emscripten::constant("ROW_FORMAT_FLOAT32", code(RowFormat::kFloat32));
  emscripten::constant("ROW_FORMAT_FLOAT16", code(RowFormat::kFloat16));
  emscripten::constant("ROW_FORMAT_BFLOAT16", code(RowFormat::kBFloat16));
  emscripten::constant("ROW_FORMAT_QUANTIZED_INT8", code(RowFormat::kQuantizedInt8));
  emscripten::constant("ROW_FORMAT_QUANTIZED_UINT8", code(RowFormat::kQuantizedUInt8));
  emscripten::constant("ROW_FORMAT_FLOAT64", code(RowFormat::kFloat64));

  emscripten::constant("BAG_MODE_SUM", code(BagMode::kSum));
  emscripten::constant("BAG_MODE_MEAN", code(BagMode::kMean));
  emscripten::constant("BAG_MODE_MAX", code(BagMode::kMax));

  emscripten::constant("TAKE_MODE_CLIP", code(TakeMode::kClip));
  emscripten::constant("TAKE_MODE_WRAP", code(TakeMode::kWrap));
  emscripten::constant("TAKE_MODE_RAISE", code(TakeMode::kRaise));

  emscripten::function("embeddingBagForward", &embedding_bag_forward_binding);
  emscripten::function("embeddingBagBackwardPlan", &embedding_bag_backward_plan_binding);
  emscripten::function("embeddingBagBackward", &embedding_bag_backward_binding);
  emscripten::function("quantizeRows", &quantize_rows_binding);
  emscripten::function("gatherDecoded", &gather_decoded_binding);
  emscripten::function("renormRows", &renorm_rows_binding);
  emscripten::function("takeMapIndices", &take_map_indices_binding);
  emscripten::function("takeGather", &take_gather_binding);
  emscripten::function("takeBackward", &take_backward_binding);
}
