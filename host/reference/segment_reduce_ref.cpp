#include "host/reference/segment_reduce_ref.h"

#include <algorithm>

#include "host/core/parallel.h"

namespace grl::ref {

namespace {

// One chunk [e0, e1) reduced in edge order into `acc` (dim floats), from its first element.
void reduce_chunk(bool is_max, MatrixView<const float> src, const NodeId* indices, int64_t e0,
                  int64_t e1, float* acc) {
  const int64_t dim = src.cols;
  const float* x0 = src.row(indices[e0]);
  if (is_max) {
    std::copy(x0, x0 + dim, acc);
  } else {
    for (int64_t f = 0; f < dim; ++f) acc[f] = 0.0f + x0[f];
  }
  for (int64_t e = e0 + 1; e < e1; ++e) {
    const float* x = src.row(indices[e]);
    if (is_max) {
      for (int64_t f = 0; f < dim; ++f)
        if (x[f] > acc[f]) acc[f] = x[f];
    } else {
      for (int64_t f = 0; f < dim; ++f) acc[f] += x[f];
    }
  }
}

}  // namespace

void segment_reduce(AggregateKind kind, MatrixView<const float> src, CsrView g, const int32_t* rows,
                    int64_t num_rows, const SegmentPlan&, MatrixView<float> out) {
  const bool is_max = kind == AggregateKind::kMax;
  const int64_t dim = out.cols;
  parallel_chunks(
      num_rows,
      [&](int64_t lo, int64_t hi, int) {
        std::vector<float> chunk(static_cast<size_t>(dim));
        for (int64_t i = lo; i < hi; ++i) {
          const NodeId r = rows[i];
          const int64_t b = g.offsets[r], e = g.offsets[r + 1], d = e - b;
          float* o = out.row(i);
          if (d == 0) {
            std::fill(o, o + dim, 0.0f);
            continue;
          }
          reduce_chunk(is_max, src, g.indices, b, std::min(e, b + kSegmentChunkEdges), o);
          for (int64_t c0 = b + kSegmentChunkEdges; c0 < e; c0 += kSegmentChunkEdges) {
            reduce_chunk(is_max, src, g.indices, c0, std::min(e, c0 + kSegmentChunkEdges),
                         chunk.data());
            for (int64_t f = 0; f < dim; ++f) {
              if (!is_max)
                o[f] += chunk[f];
              else if (chunk[f] > o[f])
                o[f] = chunk[f];
            }
          }
          if (!is_max) {
            const float inv = 1.0f / static_cast<float>(d);
            for (int64_t f = 0; f < dim; ++f) o[f] *= inv;
          }
        }
      },
      64);
}

}  // namespace grl::ref
