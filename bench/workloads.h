// Benchmark workloads shared by the GPU and CPU benchmarks, built once per process.
//   products-sized graph: an SBM with ogbn-products' size (2,449,029 nodes, ~124M directed edge
//   entries, 100-dim features, 47 classes); GRL_BENCH_SCALE=small shrinks it 16x for quick runs.
#pragma once
#include <cstdlib>
#include <string>

#include "host/graph/graph.h"

namespace grl::bench {

inline bool small_scale() {
  const char* s = std::getenv("GRL_BENCH_SCALE");
  return s && std::string(s) == "small";
}

// The products-sized SBM (generated on first use; ~10 s on 16 cores).
const Graph& products_graph();

// A Cora-sized SBM for CPU benchmarks.
const Graph& small_graph();

}  // namespace grl::bench
