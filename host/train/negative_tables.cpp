#include "host/train/negative_tables.h"

#include <algorithm>
#include <cmath>

#include "host/graph/alias_table.h"

namespace grl {

void build_alias_table(const std::vector<double>& w, int64_t begin, int64_t end,
                       std::vector<float>& prob, std::vector<int32_t>& alias) {
  if (end <= begin) return;
  vose_alias(w.data() + begin, end - begin, prob.data() + begin, alias.data() + begin);
  for (int64_t i = begin; i < end; ++i) alias[i] += static_cast<int32_t>(begin);
}

NegativeTables::NegativeTables(Backend& be, const std::vector<int64_t>& counts,
                               const std::vector<int64_t>& block_begin, const SgnsSpec& spec,
                               bool typed, double sample) {
  const NodeId n = static_cast<NodeId>(counts.size());
  std::vector<double> weight(n);
  for (NodeId v = 0; v < n; ++v) weight[v] = std::pow(static_cast<double>(counts[v]), 0.75);
  // Negatives for a context in block b come from block b (intersected with the context's
  // type): one alias table per such segment (kernels/sgns.h).
  auto build_segments = [&](std::vector<int64_t> cuts, std::vector<float>& pr,
                            std::vector<int32_t>& al) {
    cuts.insert(cuts.end(), block_begin.begin(), block_begin.end());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (size_t k = 0; k + 1 < cuts.size(); ++k)
      build_alias_table(weight, cuts[k], cuts[k + 1], pr, al);
  };
  std::vector<float> prob(n), typed_prob;
  std::vector<int32_t> alias(n), typed_alias;
  build_segments({0, n}, prob, alias);
  if (typed) {
    typed_prob.resize(n);
    typed_alias.resize(n);
    // Segments as the kernel draws them: [type_begin[t], type_begin[t + 1]) cut by the blocks.
    build_segments(std::vector<int64_t>(spec.type_begin, spec.type_begin + spec.num_types + 1),
                   typed_prob, typed_alias);
  }
  if (sample > 0) {
    uint64_t positions = 0;
    for (int64_t k : counts) positions += static_cast<uint64_t>(k);
    const double threshold = sample * static_cast<double>(positions);
    std::vector<float> keep(n, 1.0f);
    for (NodeId v = 0; v < n; ++v)
      if (counts[v] > 0) {
        const double f = static_cast<double>(counts[v]);
        keep[v] =
            static_cast<float>(std::min(1.0, (std::sqrt(f / threshold) + 1.0) * threshold / f));
      }
    keep_ = Buffer<float>(be, n, "subsampling table");
    keep_.upload(keep.data(), n);
  }
  prob_ = Buffer<float>(be, n, "negative table");
  typed_prob_ = Buffer<float>(be, typed_prob.size(), "negative table");
  alias_ = Buffer<int32_t>(be, n, "negative table");
  typed_alias_ = Buffer<int32_t>(be, typed_alias.size(), "negative table");
  prob_.upload(prob.data(), n);
  alias_.upload(alias.data(), n);
  typed_prob_.upload(typed_prob.data(), typed_prob.size());
  typed_alias_.upload(typed_alias.data(), typed_alias.size());
  be.synchronize();  // the host vectors go out of scope
  all_ = AliasView{prob_.data(), alias_.data(), n};
  typed_ = AliasView{typed_prob_.data(), typed_alias_.data(), n};
}

}  // namespace grl
