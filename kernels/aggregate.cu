// Fused gather + segmented mean/max aggregation, forward and backward (semantics in aggregate.h).
//
// Tuned forward: a group of G lanes (G = 8, 16 or 32, the smallest covering dim/4) owns one
// destination row; each lane owns float4 columns. The group's lanes load the row's neighbour
// ids together (one coalesced load, then shuffles broadcast them), and every lane issues its
// neighbours' 16-byte loads 8 at a time before accumulating, so enough bytes are in flight to
// cover HBM latency. Rows of 128 floats are 16 full 32-byte sectors: random row order costs
// little DRAM efficiency.
// Bytes it must move per destination: cnt * dim * 4 (neighbour rows) + dim * 4 (output)
// + 4 * cnt (ids) [+ 4 * cnt row-map reads] [+ dim argslot bytes for max].
//
// Simple forward: one thread per output element, scalar loads (the baseline).
//
// Backward: keys (source, edge) -> stable CUB radix sort -> per-source offsets by binary
// search -> a group per source row sums its edges' gradients in edge order. Deterministic.
#if !defined(GRL_WARP_EMULATION)  // tests/emu/warp_emulator.h supplies a host version
#include <cub/device/device_radix_sort.cuh>
#endif

#include "kernels/aggregate.h"
#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/common/rows.cuh"

namespace grl {

namespace {

constexpr int kBlock = 256;

using rowops::group_lanes;
using rowops::ld4;
using rowops::vec4_ok;
__device__ __forceinline__ void add4(float4& a, const float4& b) {
  a.x += b.x;
  a.y += b.y;
  a.z += b.z;
  a.w += b.w;
}
__device__ __forceinline__ void max4(float4& a, uchar4& arg, const float4& b, uint8_t j) {
  if (b.x > a.x) {
    a.x = b.x;
    arg.x = j;
  }
  if (b.y > a.y) {
    a.y = b.y;
    arg.y = j;
  }
  if (b.z > a.z) {
    a.z = b.z;
    arg.z = j;
  }
  if (b.w > a.w) {
    a.w = b.w;
    arg.w = j;
  }
}

// ---- simple forward: one thread per (row, feature) -------------------------------------------
template <bool kMax>
__global__ void aggregate_simple_kernel(MatrixView<const float> src, const int32_t* row_map,
                                        BlockView b, MatrixView<float> out, uint8_t* argslot) {
  const int64_t dim = out.cols;
  const int64_t idx = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (idx >= int64_t{b.num_dst} * dim) return;
  const int32_t i = static_cast<int32_t>(idx / dim);
  const int64_t f = idx - int64_t{i} * dim;
  const BlockSegment& s = block_segment_of(b, i);
  const int64_t r = i - s.row_begin;
  const int c = s.cnt[r];
  const int32_t* nb = s.nbr + r * s.fanout;
  if (!kMax) {
    float acc = 0.0f;
    for (int j = 0; j < c; ++j) acc += src.at(row_map ? row_map[nb[j]] : nb[j], f);
    out.at(i, f) = acc * (c > 0 ? 1.0f / static_cast<float>(c) : 0.0f);
  } else {
    float best = 0.0f;
    uint8_t arg = 255;
    for (int j = 0; j < c; ++j) {
      float v = src.at(row_map ? row_map[nb[j]] : nb[j], f);
      if (j == 0 || v > best) {
        best = v;
        arg = static_cast<uint8_t>(j);
      }
    }
    out.at(i, f) = best;
    argslot[idx] = arg;
  }
}

// ---- tuned forward: G lanes per row, float4 columns -------------------------------------------
template <int G, bool kMax>
__global__ void aggregate_tuned_kernel(MatrixView<const float> src, const int32_t* row_map,
                                       BlockView b, MatrixView<float> out, uint8_t* argslot) {
  constexpr int kUnroll = 8;
  const int lane = threadIdx.x % G;
  const int64_t group = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / G;
  const int64_t groups = int64_t{gridDim.x} * blockDim.x / G;
  const int64_t nvec = out.cols / 4;
  // Lanes of one group hold the same row; the mask covers the group's lanes of the warp.
  const unsigned mask = G == 32 ? 0xFFFFFFFFu : (((1u << G) - 1u) << ((threadIdx.x % 32) / G * G));
  for (int64_t i = group; i < b.num_dst; i += groups) {
    const BlockSegment& s = block_segment_of(b, static_cast<int32_t>(i));
    const int64_t r = i - s.row_begin;
    const int c = s.cnt[r];
    const int32_t* nb = s.nbr + r * s.fanout;
    for (int64_t v0 = 0; v0 < nvec; v0 += G) {
      const int64_t v = v0 + lane;
      const bool active = v < nvec;
      float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
      uchar4 arg = make_uchar4(255, 255, 255, 255);
      for (int j0 = 0; j0 < c; j0 += G) {
        // Lane k loads the id of neighbour j0 + k; shuffles hand it to the whole group.
        int32_t my_row = 0;
        if (j0 + lane < c) {
          int32_t x = nb[j0 + lane];
          my_row = row_map ? row_map[x] : x;
        }
        const int n = min(G, c - j0);
        for (int k0 = 0; k0 < n; k0 += kUnroll) {
          float4 vals[kUnroll];
#pragma unroll
          for (int u = 0; u < kUnroll; ++u) {
            int32_t row = __shfl_sync(mask, my_row, (k0 + u) % G, G);
            if (active && k0 + u < n) vals[u] = ld4(src.row(row) + 4 * v);
          }
#pragma unroll
          for (int u = 0; u < kUnroll; ++u) {
            if (!active || k0 + u >= n) continue;
            const int j = j0 + k0 + u;
            if (!kMax) {
              add4(acc, vals[u]);
            } else if (j == 0) {
              acc = vals[u];
              arg = make_uchar4(0, 0, 0, 0);
            } else {
              max4(acc, arg, vals[u], static_cast<uint8_t>(j));
            }
          }
        }
      }
      if (!active) continue;
      if (!kMax) {
        const float inv = c > 0 ? 1.0f / static_cast<float>(c) : 0.0f;
        acc.x *= inv;
        acc.y *= inv;
        acc.z *= inv;
        acc.w *= inv;
      }
      *reinterpret_cast<float4*>(out.row(i) + 4 * v) = acc;
      if (kMax) *reinterpret_cast<uchar4*>(argslot + i * out.cols + 4 * v) = arg;
    }
  }
}

// ---- backward ---------------------------------------------------------------------------------
struct SlotBases {
  int64_t base[kMaxHops + 1];
};

__global__ void edge_keys_kernel(BlockView b, SlotBases sb, int64_t slots, int32_t* keys,
                                 uint32_t* vals) {
  const int64_t e = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (e >= slots) return;
  int s = 0;
  while (s + 1 < b.num_segments && e >= sb.base[s + 1]) ++s;
  const BlockSegment& g = b.seg[s];
  const int64_t local = e - sb.base[s];
  const int64_t r = local / g.fanout;
  const int j = static_cast<int>(local - r * g.fanout);
  if (j < g.cnt[r]) {
    keys[e] = g.nbr[local];
    vals[e] = (static_cast<uint32_t>(g.row_begin + r) << 8) | static_cast<uint32_t>(j);
  } else {
    keys[e] = b.num_src;  // sorts after every real source
    vals[e] = 0;
  }
}

__global__ void source_offsets_kernel(const int32_t* sorted_keys, int64_t slots, int32_t num_src,
                                      int64_t* offsets) {
  const int64_t u = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (u > num_src) return;
  int64_t lo = 0, hi = slots;  // first position with key >= u
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (sorted_keys[mid] < u)
      lo = mid + 1;
    else
      hi = mid;
  }
  offsets[u] = lo;
}

template <int G, bool kMax, bool kVec>
__global__ void aggregate_backward_kernel(BlockView b, MatrixView<const float> g,
                                          const uint8_t* argslot, const int64_t* offsets,
                                          const uint32_t* vals, MatrixView<float> grad_src) {
  const int lane = threadIdx.x % G;
  const int64_t group = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / G;
  const int64_t groups = int64_t{gridDim.x} * blockDim.x / G;
  const int64_t dim = g.cols;
  const int64_t width = kVec ? dim / 4 : dim;
  for (int64_t u = group; u < b.num_src; u += groups) {
    const int64_t p0 = offsets[u], p1 = offsets[u + 1];
    for (int64_t v0 = 0; v0 < width; v0 += G) {
      const int64_t v = v0 + lane;
      if (v >= width) continue;
      float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
      float acc1 = 0.0f;
      for (int64_t p = p0; p < p1; ++p) {
        const uint32_t code = vals[p];
        const int32_t i = static_cast<int32_t>(code >> 8);
        const uint32_t j = code & 0xFFu;
        if (!kMax) {
          const BlockSegment& s = block_segment_of(b, i);
          const float inv = 1.0f / static_cast<float>(s.cnt[i - s.row_begin]);
          if (kVec) {
            float4 x = ld4(g.row(i) + 4 * v);
            acc.x += x.x * inv;
            acc.y += x.y * inv;
            acc.z += x.z * inv;
            acc.w += x.w * inv;
          } else {
            acc1 += g.at(i, v) * inv;
          }
        } else {
          if (kVec) {
            float4 x = ld4(g.row(i) + 4 * v);
            uchar4 a = *reinterpret_cast<const uchar4*>(argslot + int64_t{i} * dim + 4 * v);
            if (a.x == j) acc.x += x.x;
            if (a.y == j) acc.y += x.y;
            if (a.z == j) acc.z += x.z;
            if (a.w == j) acc.w += x.w;
          } else {
            if (argslot[int64_t{i} * dim + v] == j) acc1 += g.at(i, v);
          }
        }
      }
      if (kVec)
        *reinterpret_cast<float4*>(grad_src.row(u) + 4 * v) = acc;
      else
        grad_src.at(u, v) = acc1;
    }
  }
}

unsigned grid_for(int64_t groups, int lanes) { return rowops::grid_for(groups, lanes, kBlock); }

template <bool kMax>
void launch_tuned(MatrixView<const float> src, const int32_t* row_map, const BlockView& b,
                  MatrixView<float> out, uint8_t* argslot, cudaStream_t stream) {
  const int lanes = group_lanes(out.cols / 4);
  const unsigned grid = grid_for(b.num_dst, lanes);
  if (lanes == 8) {
    GRL_LAUNCH(grid, kBlock, stream, aggregate_tuned_kernel<8, kMax>)
    (src, row_map, b, out, argslot);
  } else if (lanes == 16) {
    GRL_LAUNCH(grid, kBlock, stream, aggregate_tuned_kernel<16, kMax>)
    (src, row_map, b, out, argslot);
  } else {
    GRL_LAUNCH(grid, kBlock, stream, aggregate_tuned_kernel<32, kMax>)
    (src, row_map, b, out, argslot);
  }
  GRL_LAUNCH_CHECK("aggregate_tuned_kernel");
}

}  // namespace

void launch_aggregate_forward(AggregateKind kind, MatrixView<const float> src,
                              const int32_t* row_map, const BlockView& b, MatrixView<float> out,
                              uint8_t* argslot, KernelVariant variant, cudaStream_t stream) {
  if (b.num_dst == 0 || out.cols == 0) return;
  const bool is_max = kind == AggregateKind::kMax;
  const bool vec = vec4_ok(src.data, src.stride, src.cols) &&
                   vec4_ok(out.data, out.stride, out.cols) &&
                   (!is_max || reinterpret_cast<uintptr_t>(argslot) % 4 == 0);
  if (variant == KernelVariant::kTuned && vec) {
    if (is_max)
      launch_tuned<true>(src, row_map, b, out, argslot, stream);
    else
      launch_tuned<false>(src, row_map, b, out, argslot, stream);
    return;
  }
  const int64_t n = int64_t{b.num_dst} * out.cols;
  const unsigned grid = static_cast<unsigned>((n + kBlock - 1) / kBlock);
  if (is_max) {
    GRL_LAUNCH(grid, kBlock, stream, aggregate_simple_kernel<true>)(src, row_map, b, out, argslot);
  } else {
    GRL_LAUNCH(grid, kBlock, stream, aggregate_simple_kernel<false>)(src, row_map, b, out, argslot);
  }
  GRL_LAUNCH_CHECK("aggregate_simple_kernel");
}

namespace {
size_t align256(size_t x) { return (x + 255) / 256 * 256; }
size_t sort_temp_bytes(int64_t n) {
  size_t bytes = 0;
  GRL_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      nullptr, bytes, static_cast<const int32_t*>(nullptr), static_cast<int32_t*>(nullptr),
      static_cast<const uint32_t*>(nullptr), static_cast<uint32_t*>(nullptr), static_cast<int>(n)));
  return bytes;
}
}  // namespace

size_t aggregate_backward_scratch_bytes(int64_t max_slots, int64_t max_src) {
  const size_t slots = align256(static_cast<size_t>(max_slots) * 4);
  return 4 * slots + align256((max_src + 1) * sizeof(int64_t)) +
         align256(sort_temp_bytes(max_slots));
}

BlockTranspose launch_block_transpose(const BlockView& b, void* scratch, size_t scratch_bytes,
                                      cudaStream_t stream) {
  const int64_t slots = b.num_slots();
  const size_t slot_bytes = align256(static_cast<size_t>(slots) * 4);
  char* p = static_cast<char*>(scratch);
  auto* keys_in = reinterpret_cast<int32_t*>(p);
  auto* keys_out = reinterpret_cast<int32_t*>(p + slot_bytes);
  auto* vals_in = reinterpret_cast<uint32_t*>(p + 2 * slot_bytes);
  auto* vals_out = reinterpret_cast<uint32_t*>(p + 3 * slot_bytes);
  auto* offsets = reinterpret_cast<int64_t*>(p + 4 * slot_bytes);
  char* temp = p + 4 * slot_bytes + align256((b.num_src + 1) * sizeof(int64_t));
  size_t temp_bytes = sort_temp_bytes(slots);
  if (temp + temp_bytes > p + scratch_bytes)
    throw CudaError("block transpose: scratch too small for this block", 0);

  SlotBases sb{};
  sb.base[0] = 0;
  for (int s = 0; s < b.num_segments; ++s)
    sb.base[s + 1] = sb.base[s] + int64_t{b.seg[s].row_end - b.seg[s].row_begin} * b.seg[s].fanout;
  GRL_LAUNCH(static_cast<unsigned>((slots + kBlock - 1) / kBlock), kBlock, stream, edge_keys_kernel)
  (b, sb, slots, keys_in, vals_in);
  GRL_LAUNCH_CHECK("edge_keys_kernel");
  int end_bit = 1;
  while ((int64_t{1} << end_bit) <= b.num_src) ++end_bit;
  GRL_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp, temp_bytes, keys_in, keys_out, vals_in,
                                                 vals_out, static_cast<int>(slots), 0, end_bit,
                                                 stream));
  GRL_LAUNCH(static_cast<unsigned>((b.num_src + 1 + kBlock - 1) / kBlock), kBlock, stream,
             source_offsets_kernel)
  (keys_out, slots, b.num_src, offsets);
  GRL_LAUNCH_CHECK("source_offsets_kernel");
  return {offsets, vals_out};
}

void launch_aggregate_backward(AggregateKind kind, const BlockView& b, MatrixView<const float> g,
                               const uint8_t* argslot, MatrixView<float> grad_src, void* scratch,
                               size_t scratch_bytes, cudaStream_t stream) {
  if (b.num_src == 0 || g.cols == 0) return;
  if (b.num_slots() == 0) {
    // No edges: every source gradient is zero.
    GRL_CUDA_CHECK(cudaMemset2DAsync(grad_src.data, grad_src.stride * sizeof(float), 0,
                                     grad_src.cols * sizeof(float), b.num_src, stream));
    return;
  }
  const BlockTranspose tr = launch_block_transpose(b, scratch, scratch_bytes, stream);
  const int64_t* offsets = tr.offsets;
  const uint32_t* vals_out = tr.codes;

  const bool vec = vec4_ok(g.data, g.stride, g.cols) &&
                   vec4_ok(grad_src.data, grad_src.stride, grad_src.cols) &&
                   (kind != AggregateKind::kMax || reinterpret_cast<uintptr_t>(argslot) % 4 == 0);
  const int64_t width = vec ? g.cols / 4 : g.cols;
  const int lanes = group_lanes(width);
  const unsigned grid = grid_for(b.num_src, lanes);
  const bool is_max = kind == AggregateKind::kMax;
#define GRL_BWD(G, M, V)                                               \
  GRL_LAUNCH(grid, kBlock, stream, aggregate_backward_kernel<G, M, V>) \
  (b, g, argslot, offsets, vals_out, grad_src)
  if (lanes == 8) {
    if (is_max) {
      if (vec)
        GRL_BWD(8, true, true);
      else
        GRL_BWD(8, true, false);
    } else {
      if (vec)
        GRL_BWD(8, false, true);
      else
        GRL_BWD(8, false, false);
    }
  } else if (lanes == 16) {
    if (is_max) {
      if (vec)
        GRL_BWD(16, true, true);
      else
        GRL_BWD(16, true, false);
    } else {
      if (vec)
        GRL_BWD(16, false, true);
      else
        GRL_BWD(16, false, false);
    }
  } else {
    if (is_max) {
      if (vec)
        GRL_BWD(32, true, true);
      else
        GRL_BWD(32, true, false);
    } else {
      if (vec)
        GRL_BWD(32, false, true);
      else
        GRL_BWD(32, false, false);
    }
  }
#undef GRL_BWD
  GRL_LAUNCH_CHECK("aggregate_backward_kernel");
}

}  // namespace grl
