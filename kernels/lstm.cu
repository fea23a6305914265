// LSTM aggregator kernels: per-row orders, the fused gate kernels of one time step, and the
// deterministic scatter of the gate gradients onto source rows (math and layout in lstm.h).
#include <cmath>

#include "kernels/aggregate.h"  // the block transpose of the scatter
#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/lstm.h"

namespace grl {

namespace {

constexpr int kBlock = 256;

__device__ __forceinline__ float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

__global__ void lstm_orders_kernel(BlockView b, int width, uint64_t seed, uint32_t key,
                                   uint8_t* ord, uint8_t* tpos) {
  const int32_t i = static_cast<int32_t>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i >= b.num_dst) return;
  const BlockSegment& s = block_segment_of(b, i);
  lstm_row_order(seed, key, static_cast<int32_t>(block_row_key(b, i)), s.cnt[i - s.row_begin],
                 width, ord + int64_t{i} * width, tpos + int64_t{i} * width);
}

__global__ void lstm_forward_kernel(BlockView b, LstmStep st, MatrixView<const float> proj,
                                    const uint8_t* ord, const float* bias, MatrixView<float> gates,
                                    MatrixView<const float> c_prev, MatrixView<float> c_out,
                                    MatrixView<float> h_out, MatrixView<float> agg) {
  const int64_t H = c_out.cols;
  const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (e >= int64_t{st.rows} * H) return;
  const int32_t d = static_cast<int32_t>(e / H);
  const int64_t k = e - int64_t{d} * H;
  const BlockSegment& s = block_segment_of(b, d);
  const int64_t r = d - s.row_begin;
  const int cnt = s.cnt[r];
  float* a = gates.row(d);
  if (st.t >= cnt) {  // finished (or empty) row: zeros keep the prefix defined
    a[k] = a[H + k] = a[2 * H + k] = a[3 * H + k] = 0.0f;
    c_out.at(d, k) = 0.0f;
    h_out.at(d, k) = 0.0f;
    if (cnt == 0) agg.at(d, k) = 0.0f;
    return;
  }
  const int32_t u = s.nbr[r * s.fanout + ord[int64_t{d} * st.width + st.t]];
  const float* p = proj.row(u);
  const bool first = st.t == 0;
  const float ai = p[k] + bias[k] + (first ? 0.0f : a[k]);
  const float af = p[H + k] + bias[H + k] + (first ? 0.0f : a[H + k]);
  const float ag = p[2 * H + k] + bias[2 * H + k] + (first ? 0.0f : a[2 * H + k]);
  const float ao = p[3 * H + k] + bias[3 * H + k] + (first ? 0.0f : a[3 * H + k]);
  const float i = sigmoidf(ai), f = sigmoidf(af), g = tanhf(ag), o = sigmoidf(ao);
  const float c = (first ? 0.0f : f * c_prev.at(d, k)) + i * g;
  const float h = o * tanhf(c);
  a[k] = i;
  a[H + k] = f;
  a[2 * H + k] = g;
  a[3 * H + k] = o;
  c_out.at(d, k) = c;
  h_out.at(d, k) = h;
  if (st.t == cnt - 1) agg.at(d, k) = h;
}

__global__ void lstm_backward_kernel(BlockView b, LstmStep st, MatrixView<float> gates,
                                     MatrixView<const float> c_prev, MatrixView<const float> c_t,
                                     MatrixView<const float> d_agg, MatrixView<float> dh_run,
                                     MatrixView<float> dc_run) {
  const int64_t H = c_t.cols;
  const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (e >= int64_t{st.rows} * H) return;
  const int32_t d = static_cast<int32_t>(e / H);
  const int64_t k = e - int64_t{d} * H;
  const BlockSegment& s = block_segment_of(b, d);
  const int cnt = s.cnt[d - s.row_begin];
  float* a = gates.row(d);
  if (st.t >= cnt) {
    a[k] = a[H + k] = a[2 * H + k] = a[3 * H + k] = 0.0f;
    return;
  }
  const bool last = st.t == cnt - 1;
  const float i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k];
  const float tc = tanhf(c_t.at(d, k));
  const float dh = last ? d_agg.at(d, k) : dh_run.at(d, k);
  const float dc = (last ? 0.0f : dc_run.at(d, k)) + dh * o * (1.0f - tc * tc);
  const float cp = st.t == 0 ? 0.0f : c_prev.at(d, k);
  a[k] = dc * g * i * (1.0f - i);
  a[H + k] = dc * cp * f * (1.0f - f);
  a[2 * H + k] = dc * i * (1.0f - g * g);
  a[3 * H + k] = dh * tc * o * (1.0f - o);
  dc_run.at(d, k) = dc * f;
}

// A group of G lanes per source row u; lanes over the 4H columns; edges in (row, slot) order.
template <int G>
__global__ void lstm_scatter_kernel(BlockView b, MatrixView<const float> gates_all, int64_t slab,
                                    const uint8_t* tpos, int width, const int64_t* offsets,
                                    const uint32_t* codes, MatrixView<float> grad_proj) {
  const int lane = threadIdx.x % G;
  const int64_t group = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / G;
  const int64_t groups = int64_t{gridDim.x} * blockDim.x / G;
  for (int64_t u = group; u < b.num_src; u += groups) {
    const int64_t p0 = offsets[u], p1 = offsets[u + 1];
    for (int64_t c = lane; c < grad_proj.cols; c += G) {
      float acc = 0.0f;
      for (int64_t q = p0; q < p1; ++q) {
        const int32_t d = static_cast<int32_t>(codes[q] >> 8);
        const int j = static_cast<int>(codes[q] & 0xFFu);
        const int64_t t = tpos[int64_t{d} * width + j];
        acc += gates_all.at(t * slab + d, c);
      }
      grad_proj.at(u, c) = acc;
    }
  }
}

unsigned blocks_for(int64_t threads) {
  return static_cast<unsigned>((threads + kBlock - 1) / kBlock);
}

}  // namespace

void launch_lstm_orders(const BlockView& block, int width, uint64_t seed, uint32_t key,
                        uint8_t* ord, uint8_t* tpos, cudaStream_t stream) {
  if (block.num_dst == 0 || width == 0) return;
  GRL_LAUNCH(blocks_for(block.num_dst), kBlock, stream, lstm_orders_kernel)
  (block, width, seed, key, ord, tpos);
  GRL_LAUNCH_CHECK("lstm_orders_kernel");
}

void launch_lstm_gates_forward(const BlockView& block, const LstmStep& step,
                               MatrixView<const float> proj, const uint8_t* ord, const float* bias,
                               MatrixView<float> gates, MatrixView<const float> c_prev,
                               MatrixView<float> c_out, MatrixView<float> h_out,
                               MatrixView<float> agg, cudaStream_t stream) {
  const int64_t n = int64_t{step.rows} * c_out.cols;
  if (n == 0) return;
  GRL_LAUNCH(blocks_for(n), kBlock, stream, lstm_forward_kernel)
  (block, step, proj, ord, bias, gates, c_prev, c_out, h_out, agg);
  GRL_LAUNCH_CHECK("lstm_forward_kernel");
}

void launch_lstm_gates_backward(const BlockView& block, const LstmStep& step,
                                MatrixView<float> gates, MatrixView<const float> c_prev,
                                MatrixView<const float> c_t, MatrixView<const float> d_agg,
                                MatrixView<float> dh_run, MatrixView<float> dc_run,
                                cudaStream_t stream) {
  const int64_t n = int64_t{step.rows} * c_t.cols;
  if (n == 0) return;
  GRL_LAUNCH(blocks_for(n), kBlock, stream, lstm_backward_kernel)
  (block, step, gates, c_prev, c_t, d_agg, dh_run, dc_run);
  GRL_LAUNCH_CHECK("lstm_backward_kernel");
}

void launch_lstm_scatter(const BlockView& block, MatrixView<const float> gates_all, int64_t slab,
                         const uint8_t* tpos, int width, MatrixView<float> grad_proj, void* scratch,
                         size_t scratch_bytes, cudaStream_t stream) {
  if (block.num_src == 0 || grad_proj.cols == 0) return;
  if (block.num_slots() == 0) {
    GRL_CUDA_CHECK(cudaMemset2DAsync(grad_proj.data, grad_proj.stride * sizeof(float), 0,
                                     grad_proj.cols * sizeof(float), block.num_src, stream));
    return;
  }
  const BlockTranspose tr = launch_block_transpose(block, scratch, scratch_bytes, stream);
  constexpr int G = 32;
  int64_t blocks = (int64_t{block.num_src} * G + kBlock - 1) / kBlock;
  if (blocks > (1 << 20)) blocks = 1 << 20;
  GRL_LAUNCH(static_cast<unsigned>(blocks), kBlock, stream, lstm_scatter_kernel<G>)
  (block, gates_all, slab, tpos, width, tr.offsets, tr.codes, grad_proj);
  GRL_LAUNCH_CHECK("lstm_scatter_kernel");
}

}  // namespace grl
