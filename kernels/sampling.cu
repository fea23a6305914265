// Batched multi-hop neighbour sampling (semantics in sampling.h).
//
// Per hop, over the hop's slot space [0, max_rows * fanout) (upper bounds; the real row count
// is read from hop_end in device memory, so no host round trip is needed):
//   1. sample   one thread per frontier row: Floyd's algorithm over the row's positions (on a
//               weighted view: kernels/weighted_draw.h's alias draws), writes the sampled
//               global ids to cand[r * f + j] and cnt[r].
//   2. insert   one thread per valid slot: insert the id into an open-addressing hash table
//               (linear probing, load <= 0.5, keys by atomicCAS), remember the table slot for
//               the later steps, and, if the id has no local id yet, atomicMin its first slot
//               position.
//   3. flag     flags[s] = 1 where slot s is the first occurrence of a new id.
//   4. scan     CUB exclusive sum of flags: new local ids in first-occurrence order, exactly the
//               order of the sequential CPU reference.
//   5. assign   table_local[id] = hop_base + scan[s]; nodes[...] = id; hop_end[h] = total.
//   6. relabel  nbr[s] = table_local[id].
// Seeds go through steps 2-6 first (fanout 1), so repeated seeds share one local id.
//
// Bytes per hop (R rows, f fanout, E = R*f slots): offsets 16R + sampled adjacency reads 4E
// (random 32-byte sectors) + cand/slot_of/flags/scan/nbr 4E each a few times + one table probe
// per slot (L2-resident for batches up to a few million nodes). Launch count: 6 per hop + 5 for
// the seeds + 3 memsets; the CUDA backend replays the whole sequence as one CUDA graph.
#if !defined(GRL_WARP_EMULATION)  // tests/emu/warp_emulator.h supplies a host version
#include <cub/device/device_scan.cuh>
#endif

#include "kernels/common/cuda_check.h"
#include "kernels/common/launch.h"
#include "kernels/common/philox.h"
#include "kernels/sampling.h"
#include "kernels/weighted_draw.h"

namespace grl {

namespace {

constexpr int kBlock = 256;

__device__ __forceinline__ uint32_t hash_id(uint32_t x) {
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  return x;
}

__device__ __forceinline__ int64_t table_insert(int32_t* keys, int64_t mask, NodeId key) {
  int64_t s = hash_id(static_cast<uint32_t>(key)) & mask;
  for (;;) {
    int32_t old = atomicCAS(&keys[s], -1, key);
    if (old == -1 || old == key) return s;
    s = (s + 1) & mask;
  }
}

// A hop's candidates: rows x fanout slots; the row count comes from hop_end (device) or, for
// the seeds, from the host.
struct Candidates {
  const NodeId* cand;
  const int32_t* cnt;  // null: every slot of every row is valid (seeds)
  int fanout;
  const int32_t* hop_end;
  int hop;  // 1-based; 0 = the seeds
  int64_t seed_rows;

  __device__ int64_t rows() const {
    if (hop == 0) return seed_rows;
    return hop_end[hop - 1] - (hop >= 2 ? hop_end[hop - 2] : 0);
  }
  __device__ int32_t base() const { return hop == 0 ? 0 : hop_end[hop - 1]; }
  __device__ bool valid(int64_t s, int64_t nrows) const {
    int64_t r = s / fanout;
    return r < nrows && (cnt == nullptr || s - r * fanout < cnt[r]);
  }
};

// kWeighted: draws by weight (g.alias set); its own instance, so the uniform kernel keeps its
// registers and occupancy.
template <bool kWeighted>
__global__ void sample_hop_kernel(CsrView g, const NodeId* nodes, const int32_t* hop_end, int hop,
                                  int fanout, SampleParams p, int32_t* cnt, NodeId* cand,
                                  int64_t max_rows) {
  const int64_t r = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (r >= max_rows) return;
  const int32_t begin = hop >= 2 ? hop_end[hop - 2] : 0;
  if (r >= hop_end[hop - 1] - begin) return;
  const NodeId u = nodes[begin + r];
  const EdgeIndex row = g.offsets[u];
  const int64_t deg = g.offsets[u + 1] - row;
  NodeId* out = cand + r * fanout;
  if (deg <= 0) {
    cnt[r] = 0;
    return;
  }
  if constexpr (kWeighted) {  // positions to `out` first, ids after, as Floyd below
    const int k = weighted::sample_row(g, row, deg, fanout, p.replace, p.seed,
                                       static_cast<uint32_t>(u), p.epoch, hop, out);
    for (int j = 0; j < k; ++j) out[j] = g.indices[row + out[j]];
    cnt[r] = k;
    return;
  }
  const uint32_t c2 = static_cast<uint32_t>(hop) << 16;
  if (!p.replace && deg <= fanout) {
    for (int j = 0; j < deg; ++j) out[j] = g.indices[row + j];
    cnt[r] = static_cast<int32_t>(deg);
    return;
  }
  Philox4 draws{};
  if (p.replace) {
    for (int j = 0; j < fanout; ++j) {
      if (j % 4 == 0)
        draws = philox(p.seed, RandomPurpose::kNeighborSample, static_cast<uint32_t>(u), p.epoch,
                       c2 | (j / 4));
      out[j] = g.indices[row + random_below(draws.v[j % 4], static_cast<uint32_t>(deg))];
    }
  } else {
    // Floyd: positions go to `out` first (the thread rereads its own writes), ids after.
    for (int j = 0; j < fanout; ++j) {
      if (j % 4 == 0)
        draws = philox(p.seed, RandomPurpose::kNeighborSample, static_cast<uint32_t>(u), p.epoch,
                       c2 | (j / 4));
      const int64_t i = deg - fanout + j;
      int32_t t = static_cast<int32_t>(random_below(draws.v[j % 4], static_cast<uint32_t>(i + 1)));
      for (int k = 0; k < j; ++k)
        if (out[k] == t) {
          t = static_cast<int32_t>(i);
          break;
        }
      out[j] = t;
    }
    for (int j = 0; j < fanout; ++j) out[j] = g.indices[row + out[j]];
  }
  cnt[r] = fanout;
}

__global__ void insert_kernel(Candidates c, int64_t items, int32_t* keys, const int32_t* local,
                              int32_t* first, int64_t mask, int32_t* slot_of) {
  const int64_t s = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (s >= items || !c.valid(s, c.rows())) return;
  const int64_t slot = table_insert(keys, mask, c.cand[s]);
  slot_of[s] = static_cast<int32_t>(slot);
  if (local[slot] < 0) atomicMin(&first[slot], static_cast<int32_t>(s));
}

__global__ void flag_kernel(Candidates c, int64_t items, const int32_t* local, const int32_t* first,
                            const int32_t* slot_of, int32_t* flags) {
  const int64_t s = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (s >= items) return;
  int32_t f = 0;
  if (c.valid(s, c.rows())) {
    const int32_t slot = slot_of[s];
    f = local[slot] < 0 && first[slot] == s;
  }
  flags[s] = f;
}

__global__ void assign_kernel(Candidates c, int64_t items, int32_t* local, const int32_t* slot_of,
                              const int32_t* flags, const int32_t* scan, NodeId* nodes,
                              int32_t* hop_end) {
  const int64_t s = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (s >= items) return;
  const int32_t base = c.base();
  if (s == items - 1) hop_end[c.hop] = base + scan[s] + flags[s];
  if (!flags[s]) return;
  const int32_t id = base + scan[s];
  local[slot_of[s]] = id;
  nodes[id] = c.cand[s];
}

__global__ void relabel_kernel(Candidates c, int64_t items, const int32_t* local,
                               const int32_t* slot_of, int32_t* out) {
  const int64_t s = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (s >= items || !c.valid(s, c.rows())) return;
  out[s] = local[slot_of[s]];
}

unsigned blocks_for(int64_t items) { return static_cast<unsigned>((items + kBlock - 1) / kBlock); }

size_t align256(size_t x) { return (x + 255) / 256 * 256; }

size_t cub_scan_bytes(int64_t items) {
  size_t bytes = 0;
  GRL_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, bytes, static_cast<int32_t*>(nullptr),
                                               static_cast<int32_t*>(nullptr),
                                               static_cast<int>(items)));
  return bytes;
}

// Steps 2-6 for one candidate set.
void dedup_and_relabel(const Candidates& c, int64_t items, const SampleLayout& L,
                       const SampleScratch& s, NodeId* nodes, int32_t* hop_end, int32_t* out,
                       cudaStream_t stream) {
  if (items == 0) {  // nothing new: hop_end[h] = hop_end[h - 1] (0 for an empty seed list)
    if (c.hop == 0)
      GRL_CUDA_CHECK(cudaMemsetAsync(hop_end, 0, sizeof(int32_t), stream));
    else
      GRL_CUDA_CHECK(cudaMemcpyAsync(hop_end + c.hop, hop_end + c.hop - 1, sizeof(int32_t),
                                     cudaMemcpyDeviceToDevice, stream));
    return;
  }
  const int64_t mask = L.hash_capacity - 1;
  GRL_LAUNCH(blocks_for(items), kBlock, stream, insert_kernel)
  (c, items, s.table_keys, s.table_local, s.table_first, mask, s.slot_of);
  GRL_LAUNCH_CHECK("insert_kernel");
  GRL_LAUNCH(blocks_for(items), kBlock, stream, flag_kernel)
  (c, items, s.table_local, s.table_first, s.slot_of, s.flags);
  GRL_LAUNCH_CHECK("flag_kernel");
  size_t temp = s.cub_temp_bytes;
  GRL_CUDA_CHECK(cub::DeviceScan::ExclusiveSum(s.cub_temp, temp, s.flags, s.scan,
                                               static_cast<int>(items), stream));
  GRL_LAUNCH(blocks_for(items), kBlock, stream, assign_kernel)
  (c, items, s.table_local, s.slot_of, s.flags, s.scan, nodes, hop_end);
  GRL_LAUNCH_CHECK("assign_kernel");
  GRL_LAUNCH(blocks_for(items), kBlock, stream, relabel_kernel)
  (c, items, s.table_local, s.slot_of, out);
  GRL_LAUNCH_CHECK("relabel_kernel");
}

}  // namespace

size_t sample_scratch_bytes(const SampleLayout& L) {
  const size_t table = align256(L.hash_capacity * sizeof(int32_t));
  const size_t slots = align256(L.max_hop_slots * sizeof(int32_t));
  return 3 * table + 4 * slots + align256(cub_scan_bytes(L.max_hop_slots));
}

SampleScratch bind_sample_scratch(const SampleLayout& L, void* base) {
  char* p = static_cast<char*>(base);
  const size_t table = align256(L.hash_capacity * sizeof(int32_t));
  const size_t slots = align256(L.max_hop_slots * sizeof(int32_t));
  SampleScratch s;
  s.table_keys = reinterpret_cast<int32_t*>(p);
  s.table_local = reinterpret_cast<int32_t*>(p + table);
  s.table_first = reinterpret_cast<int32_t*>(p + 2 * table);
  s.cand = reinterpret_cast<NodeId*>(p + 3 * table);
  s.flags = reinterpret_cast<int32_t*>(p + 3 * table + slots);
  s.scan = reinterpret_cast<int32_t*>(p + 3 * table + 2 * slots);
  s.slot_of = reinterpret_cast<int32_t*>(p + 3 * table + 3 * slots);
  s.cub_temp = p + 3 * table + 4 * slots;
  s.cub_temp_bytes = align256(cub_scan_bytes(L.max_hop_slots));
  return s;
}

void launch_sample_neighbors(CsrView g, Span<const NodeId> seeds, const SampleLayout& L,
                             const SampleParams& p, const SampleOutput& out, const SampleScratch& s,
                             cudaStream_t stream) {
  if (seeds.size > L.max_seeds)
    throw CudaError("launch_sample_neighbors: more seeds than the layout allows", 0);
  const size_t table = L.hash_capacity * sizeof(int32_t);
  GRL_CUDA_CHECK(cudaMemsetAsync(s.table_keys, 0xFF, table, stream));
  GRL_CUDA_CHECK(cudaMemsetAsync(s.table_local, 0xFF, table, stream));
  GRL_CUDA_CHECK(cudaMemsetAsync(s.table_first, 0x7F, table, stream));

  Candidates seeds_c{seeds.data, nullptr, 1, out.hop_end, 0, seeds.size};
  dedup_and_relabel(seeds_c, seeds.size, L, s, out.nodes, out.hop_end, out.seed_local, stream);

  for (int h = 1; h <= L.num_hops; ++h) {
    const int f = L.fanouts[h - 1];
    const int64_t rows = L.max_rows[h - 1];
    int32_t* cnt = out.cnt + L.row_offset[h - 1];
    if (rows > 0) {
      if (g.alias) {
        GRL_LAUNCH(blocks_for(rows), kBlock, stream, sample_hop_kernel<true>)
        (g, out.nodes, out.hop_end, h, f, p, cnt, s.cand, rows);
      } else {
        GRL_LAUNCH(blocks_for(rows), kBlock, stream, sample_hop_kernel<false>)
        (g, out.nodes, out.hop_end, h, f, p, cnt, s.cand, rows);
      }
      GRL_LAUNCH_CHECK("sample_hop_kernel");
    }
    Candidates c{s.cand, cnt, f, out.hop_end, h, 0};
    dedup_and_relabel(c, rows * f, L, s, out.nodes, out.hop_end, out.nbr + L.slot_offset[h - 1],
                      stream);
  }
}

}  // namespace grl
