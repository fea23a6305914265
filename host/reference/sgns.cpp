#include "host/reference/sgns.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/common/sgns_draw.h"

namespace grl::ref {

void sgns(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& s, AliasView all,
          AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats) {
  const int64_t dim = syn0.cols;
  std::vector<float> v(dim), v0(dim), e(dim);
  // Shared negatives: the centre's draws, their private rows and the rows as read.
  const int K = s.share_negatives ? s.negatives : 0;
  std::vector<NodeId> shared(K);
  std::vector<float> neg(static_cast<size_t>(K * dim)), neg0(neg.size());
  unsigned long long pairs = 0;
  double loss = 0;
  for (int64_t w = 0; w < num_walks; ++w) {
    const int32_t* walk = walks.data + w * s.length;
    const uint32_t id = static_cast<uint32_t>(s.first_walk + w);
    const float lr = sgns_detail::learning_rate(s, id);
    for (int i = 0; i < s.length; ++i) {
      const NodeId c = walk[i];
      if (c < 0) break;  // the walk ended early
      if (!sgns_detail::in_centre_range(s, c)) continue;
      if (!sgns_detail::kept(s, id, i, c)) continue;
      const int b = sgns_detail::window_of(s, id, i);
      for (int64_t k = 0; k < dim; ++k) v0[k] = v[k] = syn0.at(c - s.centre_begin, k);
      for (int q = 0; q < K; ++q) {
        shared[q] = sgns_detail::shared_negative(s, all, id, i, q);
        const float* row = syn1.row(shared[q] - s.context_begin);
        std::copy(row, row + dim, neg.begin() + q * dim);
        std::copy(row, row + dim, neg0.begin() + q * dim);
      }
      sgns_detail::for_each_context(s, walk, id, i, b, [&](int j, int slot) {
        const NodeId u = walk[j];
        if (!sgns_detail::in_context_range(s, u)) return;
        ++pairs;
        for (int64_t k = 0; k < dim; ++k) e[k] = 0.0f;
        for (int n = 0; n <= s.negatives; ++n) {
          NodeId t = u;
          float label = 1.0f;
          if (n > 0) {
            t = K ? shared[n - 1] : sgns_detail::negative(s, all, typed, id, i, slot, n - 1, u);
            if (t == u) continue;
            label = 0.0f;
          }
          float* out = n > 0 && K ? neg.data() + (n - 1) * dim : syn1.row(t - s.context_begin);
          float f = 0.0f;
          for (int64_t k = 0; k < dim; ++k) f += v[k] * out[k];
          const float sig = 1.0f / (1.0f + std::exp(-f));
          loss += label > 0 ? -std::log(std::max(sig, 1e-30f))
                            : -std::log(std::max(1.0f - sig, 1e-30f));
          const float g = lr * (label - sig);
          for (int64_t k = 0; k < dim; ++k) {
            e[k] += g * out[k];
            out[k] += g * v[k];
          }
        }
        for (int64_t k = 0; k < dim; ++k) v[k] += e[k];
      });
      for (int q = 0; q < K; ++q) {
        float* row = syn1.row(shared[q] - s.context_begin);
        for (int64_t k = 0; k < dim; ++k) row[k] += neg[q * dim + k] - neg0[q * dim + k];
      }
      float* in = syn0.row(c - s.centre_begin);
      for (int64_t k = 0; k < dim; ++k) in[k] += v[k] - v0[k];
    }
  }
  if (stats) {
    stats->pairs += pairs;
    stats->loss += loss;
  }
}

}  // namespace grl::ref
