#include "bench/workloads.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "host/io/loaders.h"
#include "host/io/synthetic.h"

namespace grl::bench {

// The same spec tools/gpu-check converts once (GRL_BENCH_PRODUCTS) for the benchmarks and for
// bench/compare_pyg.py, so grl and its peers run on one graph. Keep the two in step.
const char* const kProductsSpec =
    "synthetic:sbm?nodes=2449029&classes=47&dim=100&degree=50.6&homophily=0.8&seed=7";

const Graph& products_graph() {
  static const Graph g = [] {
    auto t0 = std::chrono::steady_clock::now();
    Graph g;
    if (const char* dir = std::getenv("GRL_BENCH_PRODUCTS")) {
      g = load_grl(dir);
      g.source = std::string("grl:") + dir;
    } else if (small_scale()) {
      g = load_graph(
          "synthetic:sbm?nodes=153064&classes=47&dim=100&degree=50.6&homophily=0.8&seed=7");
    } else {
      g = load_graph(kProductsSpec);
    }
    std::fprintf(stderr, "products-sized graph: %d nodes, %lld edge entries, generated in %.1f s\n",
                 g.num_nodes(), static_cast<long long>(g.num_edge_entries()),
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
