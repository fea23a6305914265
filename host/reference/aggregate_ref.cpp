#include "host/reference/aggregate_ref.h"

#include <cstring>

#include "host/core/parallel.h"

namespace grl::ref {

void aggregate_forward(AggregateKind kind, MatrixView<const float> src, const int32_t* row_map,
                       const BlockView& b, MatrixView<float> out, uint8_t* argslot) {
  const int64_t dim = out.cols;
  parallel_chunks(
      b.num_dst,
      [&](int64_t lo, int64_t hi, int) {
        for (int64_t i = lo; i < hi; ++i) {
          const BlockSegment& s = block_segment_of(b, static_cast<int32_t>(i));
          const int64_t r = i - s.row_begin;
          const int c = s.cnt[r];
          const int32_t* nb = s.nbr + r * s.fanout;
          float* o = out.row(i);
          if (kind == AggregateKind::kMean) {
            for (int64_t f = 0; f < dim; ++f) o[f] = 0.0f;
            for (int j = 0; j < c; ++j) {
              const float* x = src.row(row_map ? row_map[nb[j]] : nb[j]);
              for (int64_t f = 0; f < dim; ++f) o[f] += x[f];
            }
            const float inv = c > 0 ? 1.0f / static_cast<float>(c) : 0.0f;
            for (int64_t f = 0; f < dim; ++f) o[f] *= inv;
          } else {
            uint8_t* a = argslot + i * dim;
            if (c == 0) {
              for (int64_t f = 0; f < dim; ++f) {
                o[f] = 0.0f;
                a[f] = 255;
              }
              continue;
            }
            const float* x0 = src.row(row_map ? row_map[nb[0]] : nb[0]);
            for (int64_t f = 0; f < dim; ++f) {
              o[f] = x0[f];
              a[f] = 0;
            }
            for (int j = 1; j < c; ++j) {
              const float* x = src.row(row_map ? row_map[nb[j]] : nb[j]);
              for (int64_t f = 0; f < dim; ++f)
                if (x[f] > o[f]) {
                  o[f] = x[f];
                  a[f] = static_cast<uint8_t>(j);
                }
            }
          }
        }
      },
      64);
}

void aggregate_backward(AggregateKind kind, const BlockView& b, MatrixView<const float> g,
                        const uint8_t* argslot, MatrixView<float> grad_src) {
  const int64_t dim = g.cols;
  for (int64_t u = 0; u < b.num_src; ++u) std::memset(grad_src.row(u), 0, dim * sizeof(float));
  // Sequential in (row, slot) order: the summation order the GPU's sorted transpose uses.
  for (int32_t i = 0; i < b.num_dst; ++i) {
    const BlockSegment& s = block_segment_of(b, i);
    const int64_t r = i - s.row_begin;
    const int c = s.cnt[r];
    const float* gi = g.row(i);
    const float inv = c > 0 ? 1.0f / static_cast<float>(c) : 0.0f;
    for (int j = 0; j < c; ++j) {
      float* d = grad_src.row(s.nbr[r * s.fanout + j]);
      if (kind == AggregateKind::kMean) {
        for (int64_t f = 0; f < dim; ++f) d[f] += gi[f] * inv;
      } else {
        const uint8_t* a = argslot + int64_t{i} * dim;
        for (int64_t f = 0; f < dim; ++f)
          if (a[f] == j) d[f] += gi[f];
      }
    }
  }
}

}  // namespace grl::ref
