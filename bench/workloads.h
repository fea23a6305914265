// Benchmark workloads shared by the GPU and CPU benchmarks, built once per process.
//   products-sized graph: an SBM with ogbn-products' size (2,449,029 nodes, ~124M directed edge
//   entries, 100-dim features, 47 classes); GRL_BENCH_SCALE=small shrinks it 16x for quick runs.
#pragma once
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "host/graph/graph.h"
#include "host/ops/backend.h"
#include "host/train/sage_engine.h"

namespace grl::bench {

inline bool small_scale() {
  const char* s = std::getenv("GRL_BENCH_SCALE");
  return s && std::string(s) == "small";
}

// The products-sized SBM (generated on first use; ~10 s on 16 cores).
const Graph& products_graph();

// A Cora-sized SBM for CPU benchmarks.
const Graph& small_graph();

// One GraphSAGE hidden layer's dense part on `rows` destinations, as the engine runs it:
//   forward   Z = [self | agg] W (rows x 2D times 2D x D), then bias + ReLU + dropout in place;
//   backward  dZ through dropout and ReLU, db = column sums, dW = [self | agg]^T dZ,
//             d[self | agg] = dZ W^T.
// FLOPs per step: 3 GEMMs of 2 * rows * 2D * D each.
struct DenseLayerWork {
  int64_t rows = 0, dim = 0;
  Buffer<float> in, w, b, z, dw, db, din, partials;
  DenseLayerWork(Backend& be, int64_t rows, int64_t dim);
  void step(Backend& be, uint64_t iteration);
  double flops() const { return 3.0 * 2.0 * rows * 2.0 * dim * dim; }
};

// Embedding every node of a graph with a GraphSAGE model (mean, hidden 256, its fanouts), the
// last hidden layer as grl embed writes it: run(true) is one full-neighbourhood pass
// (sage_full.h), run(false) sampled batches of 1024 nodes as sampled inference runs them. The
// engine, with the graph and features in backend memory, is built once in the constructor.
struct EmbedAllWork {
  SageModel model;
  std::unique_ptr<SageEngine> engine;
  std::vector<NodeId> nodes;
  std::vector<float> out, part;
  EmbedAllWork(Backend& be, const Graph& g, const std::vector<int>& fanouts);
  void run(bool full);
};

}  // namespace grl::bench
