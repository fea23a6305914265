#include "host/reference/lstm_ref.h"

#include <cmath>
#include <cstring>

#include "host/core/parallel.h"

namespace grl::ref {

namespace {
int row_count(const BlockView& b, int32_t d) {
  const BlockSegment& s = block_segment_of(b, d);
  return s.cnt[d - s.row_begin];
}
float sigmoidf(float x) { return 1.0f / (1.0f + std::exp(-x)); }
}  // namespace

void lstm_orders(const BlockView& b, int width, uint64_t seed, uint32_t key, uint8_t* ord,
                 uint8_t* tpos) {
  if (width == 0) return;
  for (int32_t d = 0; d < b.num_dst; ++d)
    lstm_row_order(seed, key, static_cast<int32_t>(block_row_key(b, d)), row_count(b, d), width,
                   ord + int64_t{d} * width, tpos + int64_t{d} * width);
}

void lstm_gates_forward(const BlockView& b, const LstmStep& st, MatrixView<const float> proj,
                        const uint8_t* ord, const float* bias, MatrixView<float> gates,
                        MatrixView<const float> c_prev, MatrixView<float> c_out,
                        MatrixView<float> h_out, MatrixView<float> agg) {
  const int64_t H = c_out.cols;
  parallel_chunks(
      st.rows,
      [&](int64_t lo, int64_t hi, int) {
        for (int64_t d = lo; d < hi; ++d) {
          const BlockSegment& s = block_segment_of(b, static_cast<int32_t>(d));
          const int64_t r = d - s.row_begin;
          const int cnt = s.cnt[r];
          float* a = gates.row(d);
          if (st.t >= cnt) {
            std::memset(a, 0, 4 * H * sizeof(float));
            std::memset(c_out.row(d), 0, H * sizeof(float));
            std::memset(h_out.row(d), 0, H * sizeof(float));
            if (cnt == 0) std::memset(agg.row(d), 0, H * sizeof(float));
            continue;
          }
          const float* p = proj.row(s.nbr[r * s.fanout + ord[d * st.width + st.t]]);
          const bool first = st.t == 0;
          for (int64_t k = 0; k < H; ++k) {
            const float ai = p[k] + bias[k] + (first ? 0.0f : a[k]);
            const float af = p[H + k] + bias[H + k] + (first ? 0.0f : a[H + k]);
            const float ag = p[2 * H + k] + bias[2 * H + k] + (first ? 0.0f : a[2 * H + k]);
            const float ao = p[3 * H + k] + bias[3 * H + k] + (first ? 0.0f : a[3 * H + k]);
            const float i = sigmoidf(ai), f = sigmoidf(af), g = std::tanh(ag), o = sigmoidf(ao);
            const float c = (first ? 0.0f : f * c_prev.at(d, k)) + i * g;
            const float h = o * std::tanh(c);
            a[k] = i;
            a[H + k] = f;
            a[2 * H + k] = g;
            a[3 * H + k] = o;
            c_out.at(d, k) = c;
            h_out.at(d, k) = h;
            if (st.t == cnt - 1) agg.at(d, k) = h;
          }
        }
      },
      16);
}

void lstm_gates_backward(const BlockView& b, const LstmStep& st, MatrixView<float> gates,
                         MatrixView<const float> c_prev, MatrixView<const float> c_t,
                         MatrixView<const float> d_agg, MatrixView<float> dh_run,
                         MatrixView<float> dc_run) {
  const int64_t H = c_t.cols;
  parallel_chunks(
      st.rows,
      [&](int64_t lo, int64_t hi, int) {
        for (int64_t d = lo; d < hi; ++d) {
          const int cnt = row_count(b, static_cast<int32_t>(d));
          float* a = gates.row(d);
          if (st.t >= cnt) {
            std::memset(a, 0, 4 * H * sizeof(float));
            continue;
          }
          const bool last = st.t == cnt - 1;
          for (int64_t k = 0; k < H; ++k) {
            const float i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k];
            const float tc = std::tanh(c_t.at(d, k));
            const float dh = last ? d_agg.at(d, k) : dh_run.at(d, k);
            const float dc = (last ? 0.0f : dc_run.at(d, k)) + dh * o * (1.0f - tc * tc);
            const float cp = st.t == 0 ? 0.0f : c_prev.at(d, k);
            a[k] = dc * g * i * (1.0f - i);
            a[H + k] = dc * cp * f * (1.0f - f);
            a[2 * H + k] = dc * i * (1.0f - g * g);
            a[3 * H + k] = dh * tc * o * (1.0f - o);
            dc_run.at(d, k) = dc * f;
          }
        }
      },
      16);
}

void lstm_scatter(const BlockView& b, MatrixView<const float> gates_all, int64_t slab,
                  const uint8_t* tpos, int width, MatrixView<float> grad_proj) {
  const int64_t C = grad_proj.cols;
  for (int64_t u = 0; u < b.num_src; ++u) std::memset(grad_proj.row(u), 0, C * sizeof(float));
  // Sequential in (row, slot) order: the summation order of the GPU's sorted transpose.
  for (int32_t d = 0; d < b.num_dst; ++d) {
    const BlockSegment& s = block_segment_of(b, d);
    const int64_t r = d - s.row_begin;
    for (int j = 0; j < s.cnt[r]; ++j) {
      float* out = grad_proj.row(s.nbr[r * s.fanout + j]);
      const float* g = gates_all.row(int64_t{tpos[int64_t{d} * width + j]} * slab + d);
      for (int64_t c = 0; c < C; ++c) out[c] += g[c];
    }
  }
}

}  // namespace grl::ref
