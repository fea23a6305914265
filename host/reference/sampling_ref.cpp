#include "host/reference/sampling_ref.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "host/core/error.h"
#include "kernels/common/philox.h"
#include "kernels/weighted_draw.h"

namespace grl::ref {

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
  std::vector<int32_t> wpos(kMaxFanout);
  for (int h = 0; h < L.num_hops; ++h) {
    const int f = L.fanouts[h];
    const int32_t begin = h == 0 ? 0 : out.hop_end[h - 1], end = out.hop_end[h];
    int32_t* cnt = out.cnt + L.row_offset[h];
    int32_t* nbr = out.nbr + L.slot_offset[h];
    for (int32_t r = 0; r < end - begin; ++r) {
      NodeId u = out.nodes[begin + r];
      int64_t deg = g.offsets[u + 1] - g.offsets[u];
      int k;
      if (g.alias) {
        k = weighted::sample_row(g, g.offsets[u], deg, f, p.replace, p.seed,
                                 static_cast<uint32_t>(u), p.epoch, h + 1, wpos.data());
        std::copy(wpos.begin(), wpos.begin() + k, pos.begin());
      } else {
        k = ref::sample_positions(deg, f, u, h + 1, p, pos.data());
      }
      cnt[r] = k;
      for (int j = 0; j < k; ++j)
        nbr[int64_t{r} * f + j] = relabel(g.indices[g.offsets[u] + pos[j]]);
    }
    out.hop_end[h + 1] = next;
  }
}

}  // namespace grl::ref
