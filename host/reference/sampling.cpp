#include "host/reference/sampling.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "host/core/error.h"
#include "kernels/common/philox.h"

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
    throw UsageError("batch too large: " + std::to_string(L.max_nodes) +
                     " sampled nodes per batch (limit 16,777,215); use a smaller --batch-size or "
                     "smaller fanouts");
  // A layer's block spans hops 1..h: its slots are sorted with int32 counts in the backward pass.
  for (int h = 0; h < L.num_hops; ++h)
    if (L.slot_offset[h] + L.max_rows[h] * L.fanouts[h] >= 0x7F000000)
      throw UsageError(
          "batch too large: " + std::to_string(L.slot_offset[h] + L.max_rows[h] * L.fanouts[h]) +
          " neighbour slots in one layer; use a smaller --batch-size or smaller fanouts");
  int64_t cap = 64;
  while (cap < 2 * L.max_nodes) cap <<= 1;
  L.hash_capacity = cap;
  return L;
}

namespace ref {

int sample_positions(int64_t degree, int fanout, NodeId node, int hop, const SampleParams& p,
                     int64_t* pos) {
  if (degree <= 0) return 0;
  auto draw = [&](int j) {
    Philox4 r = philox(p.seed, RandomPurpose::kNeighborSample, static_cast<uint32_t>(node), p.epoch,
                       (static_cast<uint32_t>(hop) << 16) | static_cast<uint32_t>(j / 4));
    return r.v[j % 4];
  };
  if (p.replace) {
    for (int j = 0; j < fanout; ++j) pos[j] = random_below(draw(j), static_cast<uint32_t>(degree));
    return fanout;
  }
  if (degree <= fanout) {
    for (int j = 0; j < degree; ++j) pos[j] = j;
    return static_cast<int>(degree);
  }
  // Floyd: slot j draws t in [0, i] with i = degree - fanout + j; a repeat takes i instead.
  for (int j = 0; j < fanout; ++j) {
    int64_t i = degree - fanout + j;
    int64_t t = random_below(draw(j), static_cast<uint32_t>(i + 1));
    for (int k = 0; k < j; ++k)
      if (pos[k] == t) {
        t = i;
        break;
      }
    pos[j] = t;
  }
  return fanout;
}

void sample_neighbors(CsrView g, Span<const NodeId> seeds, const SampleLayout& L,
                      const SampleParams& p, const SampleOutput& out) {
  if (seeds.size > L.max_seeds) throw Error("sample_neighbors: more seeds than the layout allows");
  std::unordered_map<NodeId, int32_t> local;
  local.reserve(static_cast<size_t>(L.max_nodes) * 2);
  int32_t next = 0;
  auto relabel = [&](NodeId v) {
    auto [it, fresh] = local.try_emplace(v, next);
    if (fresh) out.nodes[next++] = v;
    return it->second;
  };
  for (int64_t b = 0; b < seeds.size; ++b) out.seed_local[b] = relabel(seeds[b]);
  out.hop_end[0] = next;
  std::vector<int64_t> pos(kMaxFanout);
  for (int h = 0; h < L.num_hops; ++h) {
    const int f = L.fanouts[h];
    const int32_t begin = h == 0 ? 0 : out.hop_end[h - 1], end = out.hop_end[h];
    int32_t* cnt = out.cnt + L.row_offset[h];
    int32_t* nbr = out.nbr + L.slot_offset[h];
    for (int32_t r = 0; r < end - begin; ++r) {
      NodeId u = out.nodes[begin + r];
      int64_t deg = g.offsets[u + 1] - g.offsets[u];
      int k = ref::sample_positions(deg, f, u, h + 1, p, pos.data());
      cnt[r] = k;
      for (int j = 0; j < k; ++j)
        nbr[int64_t{r} * f + j] = relabel(g.indices[g.offsets[u] + pos[j]]);
    }
    out.hop_end[h + 1] = next;
  }
}

}  // namespace ref
}  // namespace grl
