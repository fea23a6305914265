// Random walks (semantics in walk.h; the step logic is shared with the CPU reference through
// kernels/common/walk_step.h). One thread per walk.
// Bytes per uniform step: one offsets pair (16 B) and one adjacency entry (4 B), both random
// 32-byte sectors, plus 4 B written; node2vec adds a binary search in the previous node's row
// per trial. Writes are row-per-thread (uncoalesced): the simple first version.
#include "kernels/common/cuda_check.h"
#include "kernels/common/walk_step.h"
#include "kernels/walk.h"

namespace grl {

namespace {

constexpr int kBlock = 128;

__global__ void random_walks_kernel(CsrView g, WalkSpec s, Span<const NodeId> starts,
                                    int64_t num_walks, int32_t* walks,
                                    unsigned long long* ended_early) {
  const int64_t w = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  bool ended = false;
  if (w < num_walks)
    ended = walk_detail::walk_one(g, s, walk_detail::walk_start(s, starts, w),
                                  static_cast<uint64_t>(w), walks + w * s.length);
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
                         int32_t* walks, unsigned long long* ended_early, cudaStream_t stream) {
  if (num_walks == 0 || starts.size == 0) return;
  const unsigned grid = static_cast<unsigned>((num_walks + kBlock - 1) / kBlock);
  random_walks_kernel<<<grid, kBlock, 0, stream>>>(g, s, starts, num_walks, walks, ended_early);
  GRL_LAUNCH_CHECK("random_walks_kernel");
}

void launch_count_nodes(Span<const int32_t> walks, int64_t* counts, cudaStream_t stream) {
  if (walks.size == 0) return;
  const int64_t blocks = (walks.size + 255) / 256;
  count_nodes_kernel<<<static_cast<unsigned>(blocks < 65536 ? blocks : 65536), 256, 0, stream>>>(
      walks, counts);
  GRL_LAUNCH_CHECK("count_nodes_kernel");
}

}  // namespace grl
