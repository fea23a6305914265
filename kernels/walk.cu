// Random walks (semantics in walk.h; the step logic is shared with the CPU reference through
// kernels/walk_step.h). One thread per walk, the current node in a register.
// Bytes per uniform step: one offsets pair (16 B; 8 B with WalkSpec::offsets32) and one adjacency
// entry (4 B), both random 32-byte sectors (1.25 + 1 sectors on average: a pair straddles two
// sectors one time in four, in eight with 32-bit offsets), plus 4 B written; node2vec adds a
// binary search in the previous node's row per trial.
// simple: each step is stored as it is drawn. The walk rows are row-per-thread, so one warp store
// touches 32 sectors to write 4 bytes in each, and a sector is written in 8 pieces, steps apart;
// any piece L2 evicts before its sector is complete costs a partial-sector write to DRAM.
// tuned: 8 steps are drawn into registers and stored as two 16-byte stores, one whole 32-byte
// sector per thread when length % 8 == 0 (the write-combining that GPU walkers such as
// cuGraph's and C-SAW's do through shared memory, here in registers): 4x fewer store
// instructions, no partial sectors (other multiples of 4 leave every other row straddling two
// sectors).
// It needs length % 4 == 0 (16-byte aligned rows) and falls back to the simple loop otherwise.
// Its stores are evict-first (st.global.cs), and callers pass 32-bit offsets when they can
// (WalkSpec::offsets32), both to keep the offsets array in L2: the goal of 2e10 steps/s leaves
// about one random sector per step for DRAM (at ~4 TB/s, 2e10 x 32 B is 0.64 TB/s of random
// sectors, which DRAM serves at a fraction of its streaming rate).
#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/walk.h"
#include "kernels/walk_step.h"

namespace grl {

namespace {

constexpr int kBlock = 128;

// Steps t0 .. t0 + 7 of the walk into registers, then one 32-byte sector (length % 4 == 0:
// every int4 that starts inside the row ends inside it).
__device__ bool walk_buffered(walk_detail::Walker& walker, int length, int32_t* out) {
  for (int t0 = 0; t0 < length; t0 += 8) {
    int32_t buf[8];
#pragma unroll
    for (int k = 0; k < 8; ++k) buf[k] = t0 + k < length ? walker.next(t0 + k) : -1;
    // Streaming stores (evict-first): the output is read by the next kernel, not this one, and
    // should not push the graph's offsets out of L2.
    __stcs(reinterpret_cast<int4*>(out + t0), make_int4(buf[0], buf[1], buf[2], buf[3]));
    if (t0 + 4 < length)
      __stcs(reinterpret_cast<int4*>(out + t0) + 1, make_int4(buf[4], buf[5], buf[6], buf[7]));
  }
  return walker.ended;
}

template <bool kBuffered>
__global__ void random_walks_kernel(CsrView g, WalkSpec s, Span<const NodeId> starts,
                                    int64_t num_walks, int32_t* walks,
                                    unsigned long long* ended_early) {
  const int64_t w = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  bool ended = false;
  if (w < num_walks) {
    if constexpr (kBuffered) {
      walk_detail::Walker walker(g, s, walk_detail::walk_start(s, starts, w),
                                 static_cast<uint64_t>(w));
      ended = walk_buffered(walker, s.length, walks + w * s.length);
    } else {
      ended = walk_detail::walk_one(g, s, walk_detail::walk_start(s, starts, w),
                                    static_cast<uint64_t>(w), walks + w * s.length);
    }
  }
  // One atomic per warp.
  const unsigned ballot = __ballot_sync(0xFFFFFFFFu, ended);
  if ((threadIdx.x % 32) == 0 && ballot && ended_early)
    atomicAdd(ended_early, static_cast<unsigned long long>(__popc(ballot)));
}

__global__ void count_nodes_kernel(Span<const int32_t> walks, int64_t* counts) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < walks.size;
       i += int64_t{gridDim.x} * blockDim.x)
    if (walks[i] >= 0) atomicAdd(reinterpret_cast<unsigned long long*>(counts + walks[i]), 1ull);
}

}  // namespace

void launch_random_walks(CsrView g, const WalkSpec& s, Span<const NodeId> starts, int64_t num_walks,
                         int32_t* walks, unsigned long long* ended_early, KernelVariant variant,
                         cudaStream_t stream) {
  if (num_walks == 0 || starts.size == 0) return;
  const unsigned grid = static_cast<unsigned>((num_walks + kBlock - 1) / kBlock);
  const bool aligned = s.length % 4 == 0 && reinterpret_cast<uintptr_t>(walks) % 16 == 0;
  if (variant == KernelVariant::kTuned && aligned) {
    GRL_LAUNCH(grid, kBlock, stream, random_walks_kernel<true>)
    (g, s, starts, num_walks, walks, ended_early);
  } else {
    GRL_LAUNCH(grid, kBlock, stream, random_walks_kernel<false>)
    (g, s, starts, num_walks, walks, ended_early);
  }
  GRL_LAUNCH_CHECK("random_walks_kernel");
}

void launch_count_nodes(Span<const int32_t> walks, int64_t* counts, cudaStream_t stream) {
  if (walks.size == 0) return;
  const int64_t blocks = (walks.size + 255) / 256;
  GRL_LAUNCH(static_cast<unsigned>(blocks < 65536 ? blocks : 65536), 256, stream,
             count_nodes_kernel)
  (walks, counts);
  GRL_LAUNCH_CHECK("count_nodes_kernel");
}

}  // namespace grl
