#include "bench/workloads.h"

#include <chrono>
#include <cstdio>

#include "host/io/synthetic.h"

namespace grl::bench {

const Graph& products_graph() {
  static const Graph g = [] {
    auto t0 = std::chrono::steady_clock::now();
    SbmParams p;
    p.nodes = small_scale() ? 2449029 / 16 : 2449029;
    p.classes = 47;
    p.feature_dim = 100;
    p.degree = 50.6;  // 124M directed entries at full size, like ogbn-products
    p.homophily = 0.8;
    p.seed = 7;
    Graph g = make_sbm(p);
    g.source = "sbm(products-sized)";
    std::fprintf(stderr, "products-sized graph: %d nodes, %lld edge entries, generated in %.1f s\n", g.num_nodes(),
                 static_cast<long long>(g.num_edge_entries()),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return g;
  }();
  return g;
}

const Graph& small_graph() {
  static const Graph g = [] {
    SbmParams p;
    p.nodes = 2708;
    p.classes = 7;
    p.feature_dim = 128;
    p.degree = 4;
    p.seed = 3;
    Graph g = make_sbm(p);
    g.source = "sbm(cora-sized)";
    return g;
  }();
  return g;
}

}  // namespace grl::bench
