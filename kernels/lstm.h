// The LSTM aggregator of GraphSAGE (Hamilton et al. 2017, sec. 3.3): an LSTM runs over each
// destination's sampled neighbours in a random order and its last hidden state is the
// aggregate. The recurrence is batched over all destinations of a block; per time step t the
// host issues one GEMM (h_{t-1} W_hh, through cuBLAS / the reference gemm) and one fused
// element-wise kernel for the gates. The input projection is done once per source row up front
// (P = X W_ih, n_src x 4H), so step t only gathers a row of P per destination.
//
// Gates (PyTorch order i, f, g, o in column blocks [0,H), [H,2H), [2H,3H), [3H,4H)):
//   a_t = P[src(d, t)] + h_{t-1} W_hh + b        (h_{-1} = c_{-1} = 0)
//   i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
//   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
//   agg[d] = h at t = cnt_d - 1, or 0 when cnt_d = 0
// src(d, t) = nbr_d[ord[d][t]], ord[d] a permutation of 0..cnt_d-1 drawn per minibatch from
// Philox (purpose kLstmOrder, key, node id of row d: block.ids, else d): a Fisher-Yates
// shuffle shared by host and device. Keyed by node, a destination is read in the same order
// whichever batch (or rank's share of one) holds it.
//
// Variable lengths: row d takes part in steps t < cnt_d only. Segments (hops) are contiguous
// row ranges with their own fanout, so the rows that can be active at step t are a prefix
// [0, rows_t), rows_t = max row_end over segments with fanout > t (lstm_active_rows); the GEMM
// and the kernels of step t cover that prefix, and rows of it already finished get zeros.
//
// Layouts: all matrices row-major with a stride (MatrixView). The per-step states are slabs of
// one buffer: step t of `gates` (4H wide), `cells` and `hiddens` (H wide) starts at row
// t * slab. Gates hold the activated (i, f, g, o) after the forward kernel and are overwritten
// in place by the pre-activation gradients in the backward kernel, so the weight gradients
// afterwards are GEMMs over them (dW_hh += h_{t-1}^T dA_t, dW_ih = X^T dP).
//
// Backward through time (step t, row d < rows_t, active when t < cnt_d):
//   dh = t == cnt_d - 1 ? d_agg[d] : dh_run[d]     (dh_run = dA_{t+1} W_hh^T, the host's GEMM)
//   dc = (t == cnt_d - 1 ? 0 : dc_run[d]) + dh * o * (1 - tanh(c_t)^2)
//   dA = [dc g i(1-i), dc c_{t-1} f(1-f), dc i (1-g^2), dh tanh(c_t) o(1-o)];  dc_run = dc * f
//   finished rows get dA = 0.
// Scatter: dP[u] = sum over (d, j) with nbr_dj = u of dA_{tpos[d][j]}[d] (tpos = ord^-1),
// summed per source in (row, slot) order through aggregate.h's deterministic block transpose.
//
// Thread mapping (GPU): gates kernels, one thread per (row, unit k < H), reading the four gate
// columns k, H+k, 2H+k, 3H+k. Orders, one thread per row. Scatter, a group of lanes per source
// row, lanes over the 4H columns.
// Bytes per step: forward reads 4H floats of P and of W_hh h_{t-1} per active row, writes 4H
// gates + 2H states; backward reads 4H gates + 3H states + H gradient, writes 4H + 2H.
#pragma once
#include <cstdint>

#include "kernels/common/block.h"
#include "kernels/common/philox.h"
#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

// Longest neighbour sequence of a block (its largest fanout); ord/tpos rows have this width.
inline int lstm_max_steps(const BlockView& b) {
  int t = 0;
  for (int s = 0; s < b.num_segments; ++s) t = b.seg[s].fanout > t ? b.seg[s].fanout : t;
  return t;
}

// Rows that can be active at step t: a prefix of the destinations (see above).
inline int32_t lstm_active_rows(const BlockView& b, int t) {
  int32_t rows = 0;
  for (int s = 0; s < b.num_segments; ++s)
    if (b.seg[s].fanout > t && b.seg[s].row_end > rows) rows = b.seg[s].row_end;
  return rows;
}

// Fisher-Yates over 0..cnt-1 for row `row` (its key): ord[t] = the slot read at step t, tpos its
// inverse. Entries at and beyond cnt are 255. Shared by the kernel and the CPU reference.
GRL_HD void lstm_row_order(uint64_t seed, uint32_t key, int32_t row, int cnt, int width,
                           uint8_t* ord, uint8_t* tpos) {
  for (int j = 0; j < width; ++j) ord[j] = j < cnt ? static_cast<uint8_t>(j) : uint8_t{255};
  for (int j = cnt - 1; j > 0; --j) {
    Philox4 w = philox(seed, RandomPurpose::kLstmOrder, key, static_cast<uint32_t>(row),
                       static_cast<uint32_t>(j));
    const int k = static_cast<int>(random_below(w.v[0], static_cast<uint32_t>(j + 1)));
    const uint8_t x = ord[j];
    ord[j] = ord[k];
    ord[k] = x;
  }
  for (int j = 0; j < width; ++j) tpos[j] = 255;
  for (int t = 0; t < cnt; ++t) tpos[ord[t]] = static_cast<uint8_t>(t);
}

// One step's view of the per-step state buffers.
struct LstmStep {
  int t = 0;
  int32_t rows = 0;  // lstm_active_rows(block, t)
  int width = 0;     // row width of ord / tpos (lstm_max_steps)
};

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
// ord, tpos: num_dst x width bytes.
void launch_lstm_orders(const BlockView& block, int width, uint64_t seed, uint32_t key,
                        uint8_t* ord, uint8_t* tpos, cudaStream_t stream);
// gates (rows x 4H): in, W_hh h_{t-1} (ignored at t = 0); out, activated (i, f, g, o).
// proj: n_src x 4H. c_prev (unused at t = 0), c_out, h_out: rows x H. agg: num_dst x H, rows d
// with t == cnt_d - 1 (and, at t = 0, rows with cnt_d = 0) are written.
void launch_lstm_gates_forward(const BlockView& block, const LstmStep& step,
                               MatrixView<const float> proj, const uint8_t* ord, const float* bias,
                               MatrixView<float> gates, MatrixView<const float> c_prev,
                               MatrixView<float> c_out, MatrixView<float> h_out,
                               MatrixView<float> agg, cudaStream_t stream);
// gates (rows x 4H): in, the activated gates of step t; out, dA_t. dh_run, dc_run: rows x H.
void launch_lstm_gates_backward(const BlockView& block, const LstmStep& step,
                                MatrixView<float> gates, MatrixView<const float> c_prev,
                                MatrixView<const float> c_t, MatrixView<const float> d_agg,
                                MatrixView<float> dh_run, MatrixView<float> dc_run,
                                cudaStream_t stream);
// grad_proj (num_src x 4H) = the scatter above; gates_all: the dA slabs (row t * slab + d).
// Scratch as aggregate_backward_scratch_bytes.
void launch_lstm_scatter(const BlockView& block, MatrixView<const float> gates_all, int64_t slab,
                         const uint8_t* tpos, int width, MatrixView<float> grad_proj, void* scratch,
                         size_t scratch_bytes, cudaStream_t stream);
#endif

}  // namespace grl
