#include "host/pipeline/sample_plan.h"

#include <algorithm>
#include <string>

#include "host/core/error.h"

namespace grl {

SampleLayout make_sample_layout(int64_t max_seeds, const std::vector<int>& fanouts,
                                int64_t num_nodes) {
  if (fanouts.empty() || fanouts.size() > static_cast<size_t>(kMaxHops))
    throw UsageError("between 1 and " + std::to_string(kMaxHops) + " fanouts are supported, got " +
                     std::to_string(fanouts.size()));
  if (max_seeds <= 0) throw UsageError("batch size must be positive");
  SampleLayout L;
  L.num_hops = static_cast<int>(fanouts.size());
  L.max_seeds = max_seeds;
  const int64_t n = std::max<int64_t>(num_nodes, 1);
  int64_t frontier = std::min(max_seeds, n);  // unique seeds
  int64_t nodes = frontier;
  int64_t max_slots = max_seeds;
  L.max_hop_end[0] = nodes;
  for (int h = 0; h < L.num_hops; ++h) {
    int f = fanouts[h];
    if (f < 1 || f > kMaxFanout)
      throw UsageError("fanout " + std::to_string(f) + " out of range [1, " +
                       std::to_string(kMaxFanout) + "]");
    L.fanouts[h] = f;
    L.max_rows[h] = frontier;
    L.row_offset[h] = L.total_rows;
    L.slot_offset[h] = L.total_slots;
    L.total_rows += frontier;
    L.total_slots += frontier * f;
    max_slots = std::max(max_slots, frontier * f);
    int64_t fresh = std::min(frontier * f, n);  // nodes new at this hop
    nodes = std::min(nodes + fresh, n);
    L.max_hop_end[h + 1] = nodes;
    frontier = fresh;
  }
  L.max_nodes = nodes;
  L.max_hop_slots = max_slots;
  // Slot positions are int32 and first-occurrence markers start at 0x7F7F7F7F.
  if (L.max_hop_slots >= 0x7F000000 || L.max_nodes >= (int64_t{1} << 24))
    throw ConfigError("batch too large: " + std::to_string(L.max_nodes) +
                      " sampled nodes per batch (limit 16,777,215); use a smaller {batch_size} or "
                      "smaller fanouts");
  // A layer's block spans hops 1..h: its slots are sorted with int32 counts in the backward pass.
  for (int h = 0; h < L.num_hops; ++h)
    if (L.slot_offset[h] + L.max_rows[h] * L.fanouts[h] >= 0x7F000000)
      throw ConfigError(
          "batch too large: " + std::to_string(L.slot_offset[h] + L.max_rows[h] * L.fanouts[h]) +
          " neighbour slots in one layer; use a smaller {batch_size} or smaller fanouts");
  int64_t cap = 64;
  while (cap < 2 * L.max_nodes) cap <<= 1;
  L.hash_capacity = cap;
  return L;
}

BlockView make_block(const SampleLayout& L, const int32_t* hop_end, const int32_t* cnt,
                     const int32_t* nbr, int layer, int num_layers) {
  BlockView b;
  const int hops = num_layers - layer + 1;  // hops 1..hops feed this layer
  b.num_dst = hop_end[hops - 1];
  b.num_src = hop_end[hops];
  b.num_segments = hops;
  for (int h = 1; h <= hops; ++h) {
    BlockSegment& s = b.seg[h - 1];
    s.row_begin = h == 1 ? 0 : hop_end[h - 2];
    s.row_end = hop_end[h - 1];
    s.fanout = L.fanouts[h - 1];
    s.nbr = nbr + L.slot_offset[h - 1];
    s.cnt = cnt + L.row_offset[h - 1];
  }
  return b;
}

void build_unsup_refs(int64_t rows, const int32_t* u, const int32_t* v, int64_t P,
                      const int32_t* neg, int64_t Q, int32_t* ref_offsets, int32_t* refs) {
  auto row_of = [&](int64_t k) { return k < P ? u[k] : k < 2 * P ? v[k - P] : neg[k - 2 * P]; };
  const int64_t total = 2 * P + Q;
  std::fill(ref_offsets, ref_offsets + rows + 1, 0);
  for (int64_t k = 0; k < total; ++k) {
    const int32_t r = row_of(k);
    if (r < 0 || r >= rows)
      throw Error("unsupervised batch: row index " + std::to_string(r) + " outside [0, " +
                  std::to_string(rows) + ")");
    ++ref_offsets[r + 1];
  }
  for (int64_t r = 0; r < rows; ++r) ref_offsets[r + 1] += ref_offsets[r];
  std::vector<int32_t> next(ref_offsets, ref_offsets + rows);
  for (int64_t k = 0; k < total; ++k) refs[next[row_of(k)]++] = static_cast<int32_t>(k);
}

}  // namespace grl
