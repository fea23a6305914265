// CPU reference of kernels/lstm.h (same arguments; no stream, no scratch).
#pragma once
#include "kernels/lstm.h"

namespace grl::ref {

void lstm_orders(const BlockView& block, int width, uint64_t seed, uint32_t key, uint8_t* ord,
                 uint8_t* tpos);
void lstm_gates_forward(const BlockView& block, const LstmStep& step, MatrixView<const float> proj,
                        const uint8_t* ord, const float* bias, MatrixView<float> gates,
                        MatrixView<const float> c_prev, MatrixView<float> c_out,
                        MatrixView<float> h_out, MatrixView<float> agg);
void lstm_gates_backward(const BlockView& block, const LstmStep& step, MatrixView<float> gates,
                         MatrixView<const float> c_prev, MatrixView<const float> c_t,
                         MatrixView<const float> d_agg, MatrixView<float> dh_run,
                         MatrixView<float> dc_run);
void lstm_scatter(const BlockView& block, MatrixView<const float> gates_all, int64_t slab,
                  const uint8_t* tpos, int width, MatrixView<float> grad_proj);

}  // namespace grl::ref
