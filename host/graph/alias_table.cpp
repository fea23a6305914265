#include "host/graph/alias_table.h"

#include <cstdio>
#include <vector>

#include "host/core/error.h"
#include "host/core/parallel.h"

namespace grl {

void vose_alias(const double* w, int64_t n, float* prob, int32_t* alias) {
  if (n <= 0) return;
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += w[i];
  std::vector<double> scaled(n);
  for (int64_t i = 0; i < n; ++i) scaled[i] = total > 0 ? w[i] * n / total : 1.0;
  std::vector<int64_t> small, large;
  for (int64_t i = 0; i < n; ++i) (scaled[i] < 1.0 ? small : large).push_back(i);
  while (!small.empty() && !large.empty()) {
    const int64_t s = small.back(), l = large.back();
    small.pop_back();
    prob[s] = static_cast<float>(scaled[s]);
    alias[s] = static_cast<int32_t>(l);
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What rounding leaves over holds (nearly) a full column each; a zero weight left over here
  // would be drawn, so it keeps prob 0 and points at a positive one instead.
  int64_t some_positive = 0;
  for (int64_t i = 0; i < n; ++i)
    if (w[i] > w[some_positive]) some_positive = i;
  for (const std::vector<int64_t>* rest : {&large, &small})
    for (int64_t i : *rest) {
      const bool zero = total > 0 && !(w[i] > 0);
      prob[i] = zero ? 0.0f : 1.0f;
      alias[i] = static_cast<int32_t>(zero ? some_positive : i);
    }
}

void check_draw_weights(const Graph& g) {
  const Csr& c = g.csr;
  if (!c.weighted()) return;
  for (NodeId v = 0; v < c.num_rows(); ++v)
    for (EdgeIndex e = c.offsets[v]; e < c.offsets[v + 1]; ++e)
      if (!(c.weights[e] >= 0.0f)) {
        char w[32];
        std::snprintf(w, sizeof w, "%g", static_cast<double>(c.weights[e]));
        throw ConfigError("edge " + g.ids.name(v) + " " + g.ids.name(c.indices[e]) +
                          " has weight " + w +
                          ": weighted walks and neighbour sampling draw edges in proportion to "
                          "their weights, which must be >= 0 ({ignore_weights} draws uniformly)");
      }
}

Array<EdgeAlias> build_edge_alias(const Csr& c) {
  std::vector<EdgeAlias> out(static_cast<size_t>(c.num_edges()));
  parallel_chunks(
      c.num_rows(),
      [&](int64_t lo, int64_t hi, int) {
        std::vector<double> w;
        std::vector<float> prob;
        std::vector<int32_t> alias;
        for (int64_t v = lo; v < hi; ++v) {
          const EdgeIndex b = c.offsets[v], d = c.offsets[v + 1] - b;
          w.assign(c.weights.data() + b, c.weights.data() + b + d);
          double total = 0;
          for (double x : w) total += x;
          if (!(total > 0)) {
            for (EdgeIndex k = 0; k < d; ++k) out[b + k] = EdgeAlias{-1.0f, 0};
            continue;
          }
          prob.resize(d);
          alias.resize(d);
          vose_alias(w.data(), d, prob.data(), alias.data());
          for (EdgeIndex k = 0; k < d; ++k) out[b + k] = EdgeAlias{prob[k], alias[k]};
        }
      },
      1024);
  return Array<EdgeAlias>(std::move(out));
}

Array<EdgeAlias> draw_tables(const Graph& g) {
  check_draw_weights(g);
  return build_edge_alias(g.csr);
}

}  // namespace grl
