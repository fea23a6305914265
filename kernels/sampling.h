// Batched multi-hop neighbour sampling, uniform or weighted, with on-GPU deduplication and
// relabelling.
//
// Semantics (PyG's nested prefixes; DGL's MFG invariant): the sampled node list is
//   nodes = [ unique seeds | nodes new at hop 1 | nodes new at hop 2 | ... ],
// hop_end[h] = number of nodes after hop h (hop_end[0] = unique seeds). Hop h (1-based) samples
// up to fanouts[h-1] neighbours of each node new at hop h-1 (the seeds for hop 1), so every node
// is expanded once. GNN layer l of K (input layer first) has destinations nodes[0, hop_end[K-l])
// and sources nodes[0, hop_end[K-l+1]): destinations are a prefix of sources, and each
// destination's neighbour list is the one drawn when it was expanded.
//
// Neighbour lists are a fixed-stride ELL per hop: row r of hop h (node hop_begin + r) has
// cnt[r] <= fanout local ids in nbr[r * fanout + 0 .. cnt[r]). Local ids index `nodes`.
// Local ids are assigned in order of first occurrence (seeds in input order, then hop by hop in
// row-major slot order), so the result is a pure function of the inputs: the CPU reference and
// the GPU agree exactly.
//
// Randomness: slot j of node u at hop h in epoch e uses word j%4 of
//   philox(seed, kNeighborSample, u, e, (h << 16) | (j / 4)).
// Without replacement a node with degree <= fanout takes all its neighbours (CSR order); above,
// Floyd's algorithm picks `fanout` distinct positions. With replacement each slot is uniform.
// On a weighted view (CsrView::alias and weights set) draws follow the edge weights instead:
// with replacement each slot independently, without replacement by successive sampling (each
// pick in proportion to the weights not picked yet, as DGL's prob=); rows with at most fanout
// positive weights take those, and zero-weight edges are never drawn (kernels/weighted_draw.h).
//
// All buffers are sized from upper bounds (SampleLayout) before the first batch; counts that vary
// per batch stay in device memory, so a batch is sampled without a host round trip.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/common/block.h"
#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

constexpr int kMaxFanout = 255;  // slots are stored in 8 bits by the max aggregator

struct SampleLayout {
  int num_hops = 0;
  int fanouts[kMaxHops] = {};
  int64_t max_seeds = 0;
  int64_t max_rows[kMaxHops] = {};         // frontier rows of hop h (upper bound)
  int64_t row_offset[kMaxHops] = {};       // where hop h's cnt rows start in `cnt`
  int64_t slot_offset[kMaxHops] = {};      // where hop h's ELL starts in `nbr`
  int64_t max_hop_end[kMaxHops + 1] = {};  // bound on hop_end[h]
  int64_t max_nodes = 0;                   // bound on hop_end[num_hops]
  int64_t total_rows = 0;
  int64_t total_slots = 0;
  int64_t max_hop_slots = 0;  // max over hops of max_rows * fanout (and max_seeds)
  int64_t hash_capacity = 0;  // power of two >= 2 * max_nodes
};

struct SampleParams {
  uint64_t seed = 0;
  uint32_t epoch = 0;
  bool replace = false;
};

// Outputs (device memory for the launcher, host memory for the reference).
struct SampleOutput {
  NodeId* nodes = nullptr;        // [max_nodes] global ids
  int32_t* hop_end = nullptr;     // [num_hops + 1]
  int32_t* seed_local = nullptr;  // [num_seeds] local id of each input seed
  int32_t* cnt = nullptr;         // [total_rows]
  int32_t* nbr = nullptr;         // [total_slots] local ids
};

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
// Scratch the launcher needs, carved out of one caller-owned allocation.
struct SampleScratch {
  int32_t* table_keys = nullptr;   // [hash_capacity] global ids, -1 = empty
  int32_t* table_local = nullptr;  // [hash_capacity] local id, -1 = not assigned yet
  int32_t* table_first = nullptr;  // [hash_capacity] first slot position in the current hop
  NodeId* cand = nullptr;          // [max_hop_slots] sampled global ids of the current hop
  int32_t* slot_of = nullptr;      // [max_hop_slots] hash-table slot of each candidate
  int32_t* flags = nullptr;        // [max_hop_slots] first occurrence of a new node
  int32_t* scan = nullptr;         // [max_hop_slots] exclusive prefix sum of flags
  void* cub_temp = nullptr;
  size_t cub_temp_bytes = 0;
};
// Bytes of scratch for `layout`, and the scratch views carved from `base` (256-byte aligned).
size_t sample_scratch_bytes(const SampleLayout& layout);
SampleScratch bind_sample_scratch(const SampleLayout& layout, void* base);

// Samples for `seeds` (device). Writes `out`; never synchronises.
void launch_sample_neighbors(CsrView graph, Span<const NodeId> seeds, const SampleLayout& layout,
                             const SampleParams& params, const SampleOutput& out,
                             const SampleScratch& scratch, cudaStream_t stream);
#endif

}  // namespace grl
