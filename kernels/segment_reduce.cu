// Segmented mean/max over whole CSR neighbourhoods (semantics and summation order in
// segment_reduce.h).
//
// Tuned: three passes, each a grid-stride loop of G-lane groups (G = 8, 16 or 32, the smallest
// covering the row's float4 columns; scalar columns when the width is not a multiple of 4).
//   rows   a group per output row reduces the row's first chunk (at most kSegmentChunkEdges
//          edges) and writes it, final for a row of one chunk (mean: times 1/d), raw for a hub;
//   items  a group per further chunk of a hub (SegmentPlan) reduces it into its partial row;
//   fix-up a group per hub combines the raw first chunk with its partials in chunk order.
// Within a chunk the group's lanes load the chunk's neighbour ids together (one coalesced
// load, shuffles broadcast them) and each lane issues 8 row loads before accumulating, as the
// sampled aggregation does (aggregate.cu), so a group never waits on one load at a time.
// No group reduces more than one chunk, so hubs cost their edges' bytes spread over the GPU.
//
// Simple: one thread per output element reduces the whole row in the same chunk order (no
// plan), scalar loads: the baseline, and the demonstration that the order, not the mapping,
// fixes the result.
#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/common/rows.cuh"
#include "kernels/segment_reduce.h"

namespace grl {

namespace {

constexpr int kBlock = 256;
constexpr int kUnroll = 8;

using rowops::group_lanes;
using rowops::vec4_ok;

// Column v of a row as a float4: 4 floats (kVec) or one float in .x.
template <bool kVec>
__device__ __forceinline__ float4 load_col(const float* row, int64_t v) {
  if (kVec) return rowops::ld4(row + 4 * v);
  return make_float4(__ldg(row + v), 0.f, 0.f, 0.f);
}
template <bool kVec>
__device__ __forceinline__ void store_col(float* row, int64_t v, const float4& x) {
  if (kVec)
    *reinterpret_cast<float4*>(row + 4 * v) = x;
  else
    row[v] = x.x;
}
template <bool kMax>
__device__ __forceinline__ void combine(float4& a, const float4& b) {
  if (kMax) {
    if (b.x > a.x) a.x = b.x;
    if (b.y > a.y) a.y = b.y;
    if (b.z > a.z) a.z = b.z;
    if (b.w > a.w) a.w = b.w;
  } else {
    a.x += b.x;
    a.y += b.y;
    a.z += b.z;
    a.w += b.w;
  }
}
__device__ __forceinline__ void scale(float4& a, float s) {
  a.x *= s;
  a.y *= s;
  a.z *= s;
  a.w *= s;
}

// The group's reduction of edges [e0, e1) (e1 > e0), column v, in edge order from the first
// element. Every lane of the group calls it (the shuffles need them all); `active`: whether
// this lane's column exists.
template <int G, bool kMax, bool kVec>
__device__ float4 reduce_chunk(MatrixView<const float> src, const NodeId* indices, int64_t e0,
                               int64_t e1, int lane, int64_t v, bool active, unsigned mask) {
  float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
  const int n_all = static_cast<int>(e1 - e0);
  for (int j0 = 0; j0 < n_all; j0 += G) {
    const int32_t my_row = j0 + lane < n_all ? indices[e0 + j0 + lane] : 0;
    const int n = min(G, n_all - j0);
    for (int k0 = 0; k0 < n; k0 += kUnroll) {
      float4 vals[kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int32_t row = __shfl_sync(mask, my_row, (k0 + u) % G, G);
        if (active && k0 + u < n) vals[u] = load_col<kVec>(src.row(row), v);
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        if (!active || k0 + u >= n) continue;
        if (kMax && j0 + k0 + u == 0)
          acc = vals[u];
        else
          combine<kMax>(acc, vals[u]);
      }
    }
  }
  return acc;
}

struct GroupShape {
  int lane;
  int64_t group, groups;
  unsigned mask;
};
template <int G>
__device__ GroupShape group_shape() {
  GroupShape s;
  s.lane = threadIdx.x % G;
  s.group = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / G;
  s.groups = int64_t{gridDim.x} * blockDim.x / G;
  s.mask = G == 32 ? 0xFFFFFFFFu : (((1u << G) - 1u) << ((threadIdx.x % 32) / G * G));
  return s;
}

template <int G, bool kMax, bool kVec>
__global__ void segment_rows_kernel(MatrixView<const float> src, CsrView g, const int32_t* rows,
                                    int64_t num_rows, MatrixView<float> out) {
  const GroupShape s = group_shape<G>();
  const int64_t width = kVec ? out.cols / 4 : out.cols;
  for (int64_t i = s.group; i < num_rows; i += s.groups) {
    const NodeId r = rows[i];
    const int64_t b = g.offsets[r], e = g.offsets[r + 1], d = e - b;
    const int64_t e1 = min(e, b + kSegmentChunkEdges);
    for (int64_t v0 = 0; v0 < width; v0 += G) {
      const int64_t v = v0 + s.lane;
      const bool active = v < width;
      float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
      if (d > 0)
        acc = reduce_chunk<G, kMax, kVec>(src, g.indices, b, e1, s.lane, v, active, s.mask);
      if (!active) continue;
      if (!kMax && d > 0 && d <= kSegmentChunkEdges) scale(acc, 1.0f / static_cast<float>(d));
      store_col<kVec>(out.row(i), v, acc);
    }
  }
}

template <int G, bool kMax, bool kVec>
__global__ void segment_items_kernel(MatrixView<const float> src, CsrView g, const int32_t* rows,
                                     SegmentPlan p, int64_t width_cols) {
  const GroupShape s = group_shape<G>();
  const int64_t width = kVec ? width_cols / 4 : width_cols;
  for (int64_t k = s.group; k < p.num_items; k += s.groups) {
    const NodeId r = rows[p.item_row[k]];
    const int64_t b = g.offsets[r] + int64_t{p.item_chunk[k]} * kSegmentChunkEdges;
    const int64_t e1 = min(g.offsets[r + 1], b + kSegmentChunkEdges);
    for (int64_t v0 = 0; v0 < width; v0 += G) {
      const int64_t v = v0 + s.lane;
      const bool active = v < width;
      const float4 acc =
          reduce_chunk<G, kMax, kVec>(src, g.indices, b, e1, s.lane, v, active, s.mask);
      if (active) store_col<kVec>(p.partials + k * p.stride, v, acc);
    }
  }
}

template <int G, bool kMax, bool kVec>
__global__ void segment_fixup_kernel(CsrView g, const int32_t* rows, SegmentPlan p,
                                     MatrixView<float> out) {
  const GroupShape s = group_shape<G>();
  const int64_t width = kVec ? out.cols / 4 : out.cols;
  for (int64_t h = s.group; h < p.num_hubs; h += s.groups) {
    const int32_t i = p.hub_row[h];
    const NodeId r = rows[i];
    const int64_t d = g.offsets[r + 1] - g.offsets[r];
    for (int64_t v = s.lane; v < width; v += G) {
      float4 acc = load_col<kVec>(out.row(i), v);
      for (int64_t k = p.hub_first[h]; k < p.hub_first[h + 1]; ++k)
        combine<kMax>(acc, load_col<kVec>(p.partials + k * p.stride, v));
      if (!kMax) scale(acc, 1.0f / static_cast<float>(d));
      store_col<kVec>(out.row(i), v, acc);
    }
  }
}

// ---- simple: one thread per (row, column), the whole row in chunk order -----------------------
template <bool kMax>
__global__ void segment_simple_kernel(MatrixView<const float> src, CsrView g, const int32_t* rows,
                                      int64_t num_rows, MatrixView<float> out) {
  const int64_t dim = out.cols;
  const int64_t idx = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (idx >= num_rows * dim) return;
  const int64_t i = idx / dim, f = idx - i * dim;
  const NodeId r = rows[i];
  const int64_t b = g.offsets[r], e = g.offsets[r + 1], d = e - b;
  float acc = 0.0f;
  for (int64_t c0 = b; c0 < e; c0 += kSegmentChunkEdges) {
    const int64_t c1 = min(e, c0 + kSegmentChunkEdges);
    float part = kMax ? src.at(g.indices[c0], f) : 0.0f + src.at(g.indices[c0], f);
    for (int64_t x = c0 + 1; x < c1; ++x) {
      const float y = src.at(g.indices[x], f);
      if (!kMax)
        part += y;
      else if (y > part)
        part = y;
    }
    if (c0 == b)
      acc = part;
    else if (!kMax)
      acc += part;
    else if (part > acc)
      acc = part;
  }
  if (!kMax && d > 0) acc *= 1.0f / static_cast<float>(d);
  out.at(i, f) = acc;
}

template <int G, bool kMax, bool kVec>
void launch_tuned(MatrixView<const float> src, CsrView g, const int32_t* rows, int64_t num_rows,
                  const SegmentPlan& p, MatrixView<float> out, cudaStream_t stream) {
  GRL_LAUNCH(rowops::grid_for(num_rows, G, kBlock), kBlock, stream,
             segment_rows_kernel<G, kMax, kVec>)
  (src, g, rows, num_rows, out);
  GRL_LAUNCH_CHECK("segment_rows_kernel");
  if (p.num_hubs == 0) return;
  GRL_LAUNCH(rowops::grid_for(p.num_items, G, kBlock), kBlock, stream,
             segment_items_kernel<G, kMax, kVec>)
  (src, g, rows, p, out.cols);
  GRL_LAUNCH_CHECK("segment_items_kernel");
  GRL_LAUNCH(rowops::grid_for(p.num_hubs, G, kBlock), kBlock, stream,
             segment_fixup_kernel<G, kMax, kVec>)
  (g, rows, p, out);
  GRL_LAUNCH_CHECK("segment_fixup_kernel");
}

template <bool kMax, bool kVec>
void launch_lanes(MatrixView<const float> src, CsrView g, const int32_t* rows, int64_t num_rows,
                  const SegmentPlan& p, MatrixView<float> out, cudaStream_t stream) {
  const int lanes = group_lanes(kVec ? out.cols / 4 : out.cols);
  if (lanes == 8)
    launch_tuned<8, kMax, kVec>(src, g, rows, num_rows, p, out, stream);
  else if (lanes == 16)
    launch_tuned<16, kMax, kVec>(src, g, rows, num_rows, p, out, stream);
  else
    launch_tuned<32, kMax, kVec>(src, g, rows, num_rows, p, out, stream);
}

}  // namespace

void launch_segment_reduce(AggregateKind kind, MatrixView<const float> src, CsrView g,
                           const int32_t* rows, int64_t num_rows, const SegmentPlan& plan,
                           MatrixView<float> out, KernelVariant variant, cudaStream_t stream) {
  if (num_rows == 0 || out.cols == 0) return;
  const bool is_max = kind == AggregateKind::kMax;
  if (variant == KernelVariant::kTuned) {
    const bool vec = vec4_ok(src.data, src.stride, src.cols) &&
                     vec4_ok(out.data, out.stride, out.cols) &&
                     (plan.num_items == 0 || vec4_ok(plan.partials, plan.stride, out.cols));
    if (vec && is_max)
      launch_lanes<true, true>(src, g, rows, num_rows, plan, out, stream);
    else if (vec)
      launch_lanes<false, true>(src, g, rows, num_rows, plan, out, stream);
    else if (is_max)
      launch_lanes<true, false>(src, g, rows, num_rows, plan, out, stream);
    else
      launch_lanes<false, false>(src, g, rows, num_rows, plan, out, stream);
    return;
  }
  const int64_t n = num_rows * out.cols;
  const unsigned grid = static_cast<unsigned>((n + kBlock - 1) / kBlock);
  if (is_max)
    GRL_LAUNCH(grid, kBlock, stream, segment_simple_kernel<true>)(src, g, rows, num_rows, out);
  else
    GRL_LAUNCH(grid, kBlock, stream, segment_simple_kernel<false>)(src, g, rows, num_rows, out);
  GRL_LAUNCH_CHECK("segment_simple_kernel");
}

}  // namespace grl
