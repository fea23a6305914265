// Skip-gram with negative sampling (semantics in sgns.h; the random choices are shared with
// the CPU reference through kernels/sgns_draw.h).
//
// A warp owns one centre: lane l holds dimensions l, l + 32, ... of the centre vector v and of
// its gradient e in registers (dim <= 512), so v stays on chip across the whole window; dot
// products reduce with shuffles. Bytes per positive pair with K negatives: (K + 1) rows of syn1
// read and written (8 * dim each) plus the walk ids; v is read and written once per centre.
// Latency, not bandwidth, bounded the first version: each of a pair's K + 1 targets was a
// dependent chain (draw, alias-table load, row load, reduction, store), one row in flight per
// warp, and at 70 registers an H100/H200 SM held 24 warps: about 12 KB in flight per SM, where
// ~30 KB (4 TB/s x ~1 us / 132 SMs) is needed to reach the copy bandwidth. Now a pair's targets
// are drawn by K lanes at once and their rows loaded together (train_centre): K + 1 rows in
// flight per warp, at 96 registers and 20 warps per SM (4-warp blocks).
#include <cmath>

#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/sgns.h"
#include "kernels/sgns_draw.h"

namespace grl {

namespace {

// 4 warps per block: at 96 registers (dim 128) an SM holds 5 such blocks (20 warps) but only 2
// of 8.
constexpr int kWarpsPerBlock = 4;

__device__ __forceinline__ float warp_sum(float x) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xFFFFFFFFu, x, o);
  return x;
}

// Every read of the embedding tables bypasses L1 (ld.global.cg). L1 caches are not coherent
// across SMs: a plain load (ld.ca) may return the copy of a row this SM read long ago, while
// warps on other SMs have trained it since. Hub rows stay cached, so their reads would be stale
// without bound, and a store of (stale row + g v) then overwrites the other SMs' updates. The
// L2 is coherent, so ld.cg bounds the staleness to the updates in flight (a CPU model of both:
// ref::sgns_lockstep with and without l1_rows; the study is in bench/README.md). SgnsSpec::l1_reads
// restores plain loads, to measure the difference.
__device__ __forceinline__ float table_load(const float* p, bool l1) { return l1 ? *p : __ldcg(p); }

// sgns_detail::for_each_context with the kept() tests (a Philox draw and a keep-table load each)
// run by the lanes side by side instead of one after another: lane l tests one position of a
// 32-position stretch, and a ballot gives the stretch's kept positions. Calls f(j, slot) for the
// same positions, in the same order, with the same slots; every lane of the warp calls it.
template <class F>
__device__ void for_each_context_warp(const SgnsSpec& s, const int32_t* walk, uint32_t id, int i,
                                      int b, F&& f) {
  const int lane = threadIdx.x % 32;
  auto usable = [&](int j) { return walk[j] >= 0 && sgns_detail::kept(s, id, j, walk[j]); };
  // Before i: bit l of stretch c is position i - 1 - 32c - l (bit 0 the nearest).
  auto before = [&](int c) {
    const int j = i - 1 - 32 * c - lane;
    return __ballot_sync(0xFFFFFFFFu, j >= 0 && usable(j));
  };
  if (i > 0) {
    // The stretch that holds the b-th nearest kept position (or the walk's first position).
    int c = 0, need = b;
    uint32_t m = before(0);
    while (__popc(m) < need && i - 1 - 32 * (c + 1) >= 0) {
      need -= __popc(m);
      m = before(++c);
    }
    if (__popc(m) > need) {  // keep its `need` nearest
      uint32_t nearest = 0;
      for (int r = 0; r < need; ++r) {
        nearest |= m & (0u - m);
        m &= m - 1;
      }
      m = nearest;
    }
    // Farthest first: stretch c down to stretch 0, each from its highest bit down.
    int slot = 0;
    for (int cc = c; cc >= 0; --cc) {
      uint32_t mm = cc == c ? m : before(cc);
      while (mm) {
        const int l = 31 - __clz(mm);
        mm &= ~(1u << l);
        f(i - 1 - 32 * cc - l, slot++);
      }
    }
  }
  // After i: bit l of stretch c is position i + 1 + 32c + l; the walk ends at its first -1.
  int slot = b, found = 0;
  for (int c = 0; found < b; ++c) {
    const int j = i + 1 + 32 * c + lane;
    const bool valid = j < s.length && walk[j] >= 0;
    const uint32_t alive = __ballot_sync(0xFFFFFFFFu, valid);
    uint32_t m = __ballot_sync(0xFFFFFFFFu, valid && usable(j));
    if (alive != 0xFFFFFFFFu) m &= (1u << (__ffs(~alive) - 1)) - 1;  // nothing past the first -1
    while (m && found < b) {
      const int l = __ffs(m) - 1;
      m &= m - 1;
      f(i + 1 + 32 * c + l, slot++);
      ++found;
    }
    if (alive != 0xFFFFFFFFu) break;
  }
}

// Targets trained per batch: their rows are loaded together (B * KPL registers per lane).
template <int KPL>
constexpr int batch_targets() {
  return KPL <= 2 ? 8 : (KPL <= 4 ? 6 : (KPL <= 8 ? 3 : 2));  // 6: the default 5 negatives + 1
}

// Trains centre i of walk w; KPL = dimensions per lane (dim <= 32 * KPL).
// A pair's targets (the context, then its negatives) go in batches of B: lane q draws target
// q of the batch (the draws run side by side), every lane loads all B rows at once (B loads in
// flight instead of one), the B dot products reduce together, and then the targets update in
// order. v is fixed within a pair, so a target's dot product needs only its own row, except
// when it repeats an earlier target of the batch: then it continues from that target's updated
// row in registers and reduces again. A repeat across batches reloads its row after the earlier
// batch's stores. So one warp computes exactly the serial reference's updates (the simple
// kernel is the oracle of tests/gpu), while the loads of one pair overlap.
template <int KPL>
__device__ void train_centre(const int32_t* walk, uint32_t id, int i, const SgnsSpec& s,
                             const AliasView& all, const AliasView& typed, MatrixView<float> syn0,
                             MatrixView<float> syn1, float lr, unsigned long long& pairs,
                             double& loss) {
  constexpr int B = batch_targets<KPL>();
  const int lane = threadIdx.x % 32;
  const NodeId c = walk[i];
  const int64_t dim = syn0.cols;
  float v[KPL], v0[KPL], e[KPL];
#pragma unroll
  for (int k = 0; k < KPL; ++k) {
    const int64_t d = lane + 32 * k;
    v[k] = v0[k] = d < dim ? table_load(&syn0.at(c - s.centre_begin, d), s.l1_reads) : 0.0f;
  }
  const int b = sgns_detail::window_of(s, id, i);
  for_each_context_warp(s, walk, id, i, b, [&](int j, int slot) {
    const NodeId u = walk[j];
    if (!sgns_detail::in_context_range(s, u)) return;
    ++pairs;
#pragma unroll
    for (int k = 0; k < KPL; ++k) e[k] = 0.0f;
    for (int n0 = 0; n0 <= s.negatives; n0 += B) {
      // Target n0 + q, drawn by lane q; -1: past the last negative, or a negative equal to u
      // (skipped, as word2vec does).
      NodeId mine = -1;
      if (lane < B && n0 + lane <= s.negatives) {
        const int n = n0 + lane;
        mine = n == 0 ? u : sgns_detail::negative(s, all, typed, id, i, slot, n - 1, u);
        if (n > 0 && mine == u) mine = -1;
      }
      NodeId t[B];
      float o[B][KPL], f[B];
#pragma unroll
      for (int q = 0; q < B; ++q) {
        t[q] = __shfl_sync(0xFFFFFFFFu, mine, q);
        const float* row = t[q] >= 0 ? syn1.row(t[q] - s.context_begin) : nullptr;
        f[q] = 0.0f;
#pragma unroll
        for (int k = 0; k < KPL; ++k) {
          const int64_t d = lane + 32 * k;
          o[q][k] = row && d < dim ? table_load(row + d, s.l1_reads) : 0.0f;
          f[q] += v[k] * o[q][k];
        }
      }
#pragma unroll
      for (int off = 16; off > 0; off >>= 1) {
#pragma unroll
        for (int q = 0; q < B; ++q) f[q] += __shfl_xor_sync(0xFFFFFFFFu, f[q], off);
      }
#pragma unroll
      for (int q = 0; q < B; ++q) {
        if (t[q] < 0) continue;
        bool repeat = false;
#pragma unroll
        for (int m = 0; m < q; ++m)
          if (t[m] == t[q]) {  // the latest earlier copy wins: its row is the current one
            repeat = true;
#pragma unroll
            for (int k = 0; k < KPL; ++k) o[q][k] = o[m][k];
          }
        if (repeat) {
          f[q] = 0.0f;
#pragma unroll
          for (int k = 0; k < KPL; ++k) f[q] += v[k] * o[q][k];
          f[q] = warp_sum(f[q]);
        }
        const float label = n0 + q == 0 ? 1.0f : 0.0f;
        const float sig = 1.0f / (1.0f + expf(-f[q]));
        if (lane == 0)
          loss += label > 0 ? -logf(fmaxf(sig, 1e-30f)) : -logf(fmaxf(1.0f - sig, 1e-30f));
        const float g = lr * (label - sig);
        float* out = syn1.row(t[q] - s.context_begin);
#pragma unroll
        for (int k = 0; k < KPL; ++k) {
          const int64_t d = lane + 32 * k;
          e[k] += g * o[q][k];
          o[q][k] += g * v[k];
          if (d < dim) {
            if (s.atomic_updates)
              atomicAdd(out + d, g * v[k]);
            else
              out[d] = o[q][k];
          }
        }
      }
    }
#pragma unroll
    for (int k = 0; k < KPL; ++k) v[k] += e[k];
  });
#pragma unroll
  for (int k = 0; k < KPL; ++k) {
    const int64_t d = lane + 32 * k;
    if (d < dim) atomicAdd(&syn0.at(c - s.centre_begin, d), v[k] - v0[k]);
  }
}

// train_centre with shared negatives (sgns.h): the K negative rows are read once into
// registers, serve every context of the window, and go back as one atomic delta each. Per pair
// this moves the positive row and a 1/2b share of the negatives' and the centre's rows.
template <int KPL>
__device__ void train_centre_shared(const int32_t* walk, uint32_t id, int i, const SgnsSpec& s,
                                    const AliasView& all, MatrixView<float> syn0,
                                    MatrixView<float> syn1, float lr, unsigned long long& pairs,
                                    double& loss) {
  const int lane = threadIdx.x % 32;
  const NodeId c = walk[i];
  const int64_t dim = syn0.cols;
  const int K = s.negatives;
  float v[KPL], v0[KPL], e[KPL];
  float neg[kMaxSharedNegatives][KPL], neg0[kMaxSharedNegatives][KPL];
  NodeId shared[kMaxSharedNegatives];
#pragma unroll
  for (int k = 0; k < KPL; ++k) {
    const int64_t d = lane + 32 * k;
    v[k] = v0[k] = d < dim ? table_load(&syn0.at(c - s.centre_begin, d), s.l1_reads) : 0.0f;
  }
  // Each draw group's rows are read when its first context trains; their change goes back as
  // one atomic delta each when the group (or the window) ends.
  int group = -1;
  auto flush = [&] {
#pragma unroll
    for (int q = 0; q < kMaxSharedNegatives; ++q) {
      if (q >= K || group < 0) break;
      float* row = syn1.row(shared[q] - s.context_begin);
#pragma unroll
      for (int k = 0; k < KPL; ++k) {
        const int64_t d = lane + 32 * k;
        if (d < dim) atomicAdd(row + d, neg[q][k] - neg0[q][k]);
      }
    }
  };
  const int b = sgns_detail::window_of(s, id, i);
  for_each_context_warp(s, walk, id, i, b, [&](int j, int slot) {
    const NodeId u = walk[j];
    if (!sgns_detail::in_context_range(s, u)) return;
    ++pairs;
    if (sgns_detail::shared_group(s, slot) != group) {
      flush();
      group = sgns_detail::shared_group(s, slot);
#pragma unroll
      for (int q = 0; q < kMaxSharedNegatives; ++q) {
        if (q >= K) break;
        shared[q] = sgns_detail::shared_negative(s, all, id, i, group, q);
        const float* row = syn1.row(shared[q] - s.context_begin);
#pragma unroll
        for (int k = 0; k < KPL; ++k) {
          const int64_t d = lane + 32 * k;
          neg[q][k] = neg0[q][k] = d < dim ? table_load(row + d, s.l1_reads) : 0.0f;
        }
      }
    }
    // The positive target, updated in place in syn1.
    float* out = syn1.row(u - s.context_begin);
    float o[KPL];
    float f = 0.0f;
#pragma unroll
    for (int k = 0; k < KPL; ++k) {
      const int64_t d = lane + 32 * k;
      o[k] = d < dim ? table_load(out + d, s.l1_reads) : 0.0f;
      f += v[k] * o[k];
    }
    f = warp_sum(f);
    float sig = 1.0f / (1.0f + expf(-f));
    if (lane == 0) loss += -logf(fmaxf(sig, 1e-30f));
    float g = lr * (1.0f - sig);
#pragma unroll
    for (int k = 0; k < KPL; ++k) {
      const int64_t d = lane + 32 * k;
      e[k] = g * o[k];
      if (d < dim) {
        if (s.atomic_updates)
          atomicAdd(out + d, g * v[k]);
        else
          out[d] = o[k] + g * v[k];
      }
    }
    // The shared negatives, in their private rows.
#pragma unroll
    for (int q = 0; q < kMaxSharedNegatives; ++q) {
      if (q >= K) break;
      if (shared[q] == u) continue;
      f = 0.0f;
#pragma unroll
      for (int k = 0; k < KPL; ++k) f += v[k] * neg[q][k];
      f = warp_sum(f);
      sig = 1.0f / (1.0f + expf(-f));
      if (lane == 0) loss += -logf(fmaxf(1.0f - sig, 1e-30f));
      g = lr * (0.0f - sig);
#pragma unroll
      for (int k = 0; k < KPL; ++k) {
        e[k] += g * neg[q][k];
        neg[q][k] += g * v[k];
      }
    }
#pragma unroll
    for (int k = 0; k < KPL; ++k) v[k] += e[k];
  });
  flush();
#pragma unroll
  for (int k = 0; k < KPL; ++k) {
    const int64_t d = lane + 32 * k;
    if (d < dim) atomicAdd(&syn0.at(c - s.centre_begin, d), v[k] - v0[k]);
  }
}

// SHARED is a template parameter so that the per-context path keeps its own register budget.
template <int KPL, bool SHARED>
__device__ void train_any(const int32_t* walk, uint32_t id, int i, const SgnsSpec& s,
                          const AliasView& all, const AliasView& typed, MatrixView<float> syn0,
                          MatrixView<float> syn1, float lr, unsigned long long& pairs,
                          double& loss) {
  if constexpr (SHARED)
    train_centre_shared<KPL>(walk, id, i, s, all, syn0, syn1, lr, pairs, loss);
  else
    train_centre<KPL>(walk, id, i, s, all, typed, syn0, syn1, lr, pairs, loss);
}

// Blocks per SM the register budget must allow: 5 four-warp blocks (20 warps) at dim <= 128 on
// the per-context path, which then gets at most 96 registers (ptxas: 96 and a 40-byte spill);
// no bound elsewhere.
template <int KPL, bool SHARED>
constexpr int tuned_min_blocks() {
  return !SHARED && KPL <= 4 ? 5 : 1;
}

template <int KPL, bool SHARED>
__global__ void __launch_bounds__(32 * kWarpsPerBlock, (tuned_min_blocks<KPL, SHARED>()))
    sgns_tuned_kernel(Span<const int32_t> walks, int64_t num_walks, SgnsSpec s, AliasView all,
                      AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1,
                      SgnsStats* stats) {
  const int64_t warp = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / 32;
  const int64_t warps = int64_t{gridDim.x} * blockDim.x / 32;
  unsigned long long pairs = 0;
  double loss = 0;
  // Walk-major order (neighbouring warps take neighbouring positions of one walk). A
  // position-major order was measured on an H200 (commit 72aa5f6): 1.6x slower, BlogCatalog
  // F1 unchanged within noise, so it was reverted.
  for (int64_t centre = warp; centre < num_walks * s.length; centre += warps) {
    const int64_t w = centre / s.length;
    const int i = static_cast<int>(centre - w * s.length);
    const int32_t* walk = walks.data + w * s.length;
    const uint32_t id = static_cast<uint32_t>(s.first_walk + w);
    if (walk[i] < 0 || !sgns_detail::in_centre_range(s, walk[i]) ||
        !sgns_detail::kept(s, id, i, walk[i]))
      continue;
    train_any<KPL, SHARED>(walk, id, i, s, all, typed, syn0, syn1,
                           sgns_detail::learning_rate(s, id), pairs, loss);
  }
  if (threadIdx.x % 32 == 0 && stats) {
    if (pairs) atomicAdd(&stats->pairs, pairs);
    if (loss != 0) atomicAdd(&stats->loss, loss);
  }
}

// One warp, every centre in order: the deterministic oracle.
template <int KPL, bool SHARED>
__global__ void sgns_simple_kernel(Span<const int32_t> walks, int64_t num_walks, SgnsSpec s,
                                   AliasView all, AliasView typed, MatrixView<float> syn0,
                                   MatrixView<float> syn1, SgnsStats* stats) {
  unsigned long long pairs = 0;
  double loss = 0;
  for (int64_t w = 0; w < num_walks; ++w) {
    const int32_t* walk = walks.data + w * s.length;
    const uint32_t id = static_cast<uint32_t>(s.first_walk + w);
    for (int i = 0; i < s.length && walk[i] >= 0; ++i) {
      if (!sgns_detail::in_centre_range(s, walk[i]) || !sgns_detail::kept(s, id, i, walk[i]))
        continue;
      train_any<KPL, SHARED>(walk, id, i, s, all, typed, syn0, syn1,
                             sgns_detail::learning_rate(s, id), pairs, loss);
      __syncwarp();
    }
  }
  if (threadIdx.x == 0 && stats) {
    stats->pairs += pairs;
    stats->loss += loss;
  }
}

template <int KPL>
void launch(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& s, AliasView all,
            AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats,
            KernelVariant v, cudaStream_t stream) {
  const bool shared = s.share_negatives && s.negatives > 0;
  if (v == KernelVariant::kSimple) {
    if (shared) {
      GRL_LAUNCH(1, 32, stream, sgns_simple_kernel<KPL, true>)
      (walks, num_walks, s, all, typed, syn0, syn1, stats);
    } else {
      GRL_LAUNCH(1, 32, stream, sgns_simple_kernel<KPL, false>)
      (walks, num_walks, s, all, typed, syn0, syn1, stats);
    }
  } else {
    const int64_t centres = num_walks * s.length;
    int64_t blocks = (centres + kWarpsPerBlock - 1) / kWarpsPerBlock;
    if (blocks > (1 << 20)) blocks = 1 << 20;
    const unsigned grid = static_cast<unsigned>(blocks);
    if (shared) {
      GRL_LAUNCH(grid, 32 * kWarpsPerBlock, stream, sgns_tuned_kernel<KPL, true>)
      (walks, num_walks, s, all, typed, syn0, syn1, stats);
    } else {
      GRL_LAUNCH(grid, 32 * kWarpsPerBlock, stream, sgns_tuned_kernel<KPL, false>)
      (walks, num_walks, s, all, typed, syn0, syn1, stats);
    }
  }
  GRL_LAUNCH_CHECK("sgns_kernel");
}

template <int KPL>
int64_t resident_warps(bool shared) {
  int blocks = 0, device = 0, sms = 0;
  GRL_CUDA_CHECK(cudaGetDevice(&device));
  GRL_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  if (shared)
    GRL_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
        &blocks, sgns_tuned_kernel<KPL, true>, 32 * kWarpsPerBlock, 0));
  else
    GRL_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
        &blocks, sgns_tuned_kernel<KPL, false>, 32 * kWarpsPerBlock, 0));
  return int64_t{blocks} * kWarpsPerBlock * sms;
}

}  // namespace

int64_t sgns_resident_warps(int64_t dim, bool shared) {
  const int64_t kpl = (dim + 31) / 32;
  if (kpl <= 1) return resident_warps<1>(shared);
  if (kpl <= 2) return resident_warps<2>(shared);
  if (kpl <= 4) return resident_warps<4>(shared);
  if (kpl <= 8) return resident_warps<8>(shared);
  return resident_warps<16>(shared);
}

void launch_sgns(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& s, AliasView all,
                 AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats,
                 KernelVariant v, cudaStream_t stream) {
  if (num_walks == 0 || syn0.cols == 0) return;
  if (s.share_negatives && s.negatives > kMaxSharedNegatives)
    throw CudaError("launch_sgns: shared negatives above kMaxSharedNegatives", 0);
  const int64_t kpl = (syn0.cols + 31) / 32;
  if (kpl <= 1)
    launch<1>(walks, num_walks, s, all, typed, syn0, syn1, stats, v, stream);
  else if (kpl <= 2)
    launch<2>(walks, num_walks, s, all, typed, syn0, syn1, stats, v, stream);
  else if (kpl <= 4)
    launch<4>(walks, num_walks, s, all, typed, syn0, syn1, stats, v, stream);
  else if (kpl <= 8)
    launch<8>(walks, num_walks, s, all, typed, syn0, syn1, stats, v, stream);
  else if (kpl <= 16)
    launch<16>(walks, num_walks, s, all, typed, syn0, syn1, stats, v, stream);
  else
    throw CudaError("launch_sgns: dimension above 512", 0);
}

}  // namespace grl
