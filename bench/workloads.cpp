#include "bench/workloads.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

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

DenseLayerWork::DenseLayerWork(Backend& be, int64_t r, int64_t d)
    : rows(r),
      dim(d),
      in(be, r * 2 * d, "bench layer input"),
      w(be, 2 * d * d, "bench weights"),
      b(be, d, "bench bias"),
      z(be, r * d, "bench activations"),
      dw(be, 2 * d * d, "bench gradients"),
      db(be, d, "bench gradients"),
      din(be, r * 2 * d, "bench gradients"),
      partials(be, ((r + kColumnSumChunk - 1) / kColumnSumChunk) * d + d, "bench partials") {
  // Deterministic non-zero inputs (values only matter for the ReLU and dropout masks).
  std::vector<float> h(static_cast<size_t>(r * 2 * d));
  for (size_t i = 0; i < h.size(); ++i)
    h[i] = static_cast<float>((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
  in.upload(h.data(), h.size());
  h.resize(static_cast<size_t>(2 * d * d));
  for (size_t i = 0; i < h.size(); ++i)
    h[i] = static_cast<float>((i * 40503u) % 2001) / 20000.0f - 0.05f;
  w.upload(h.data(), h.size());
  b.zero();
  be.synchronize();
}

void DenseLayerWork::step(Backend& be, uint64_t iteration) {
  const int64_t D = dim;
  MatrixView<float> zv{z.data(), rows, D, D};
  be.gemm(false, false, rows, D, 2 * D, 1.0f, in.data(), 2 * D, w.data(), D, 0.0f, z.data(), D);
  be.bias_relu_dropout(zv, b.data(), 0.5f, 1, static_cast<uint32_t>(iteration), nullptr);
  be.relu_dropout_backward(zv, MatrixView<const float>{z.data(), rows, D, D}, 0.5f);
  be.column_sums(MatrixView<const float>{z.data(), rows, D, D}, db.data(), false, partials.data());
  be.gemm(true, false, 2 * D, D, rows, 1.0f, in.data(), 2 * D, z.data(), D, 0.0f, dw.data(), D);
  be.gemm(false, true, rows, 2 * D, D, 1.0f, z.data(), D, w.data(), D, 0.0f, din.data(), 2 * D);
}

EmbedAllWork::EmbedAllWork(Backend& be, const Graph& g, const std::vector<int>& fanouts)
    : model([&] {
        SageArch a;
        a.in_dim = g.features.dim;
        a.hidden = 256;
        a.num_classes = g.labels.num_classes;
        a.fanouts = fanouts;
        return a;
      }()) {
  model.initialize(1);
  EngineOptions o;
  o.max_batch = 1024;
  o.training = false;
  o.seed = 1;
  engine = std::make_unique<SageEngine>(be, g, model.arch(), o);
  engine->load_params(model.params());
  nodes.resize(g.num_nodes());
  for (NodeId v = 0; v < g.num_nodes(); ++v) nodes[v] = v;
}

void EmbedAllWork::run(bool full) {
  if (full) {
    engine->infer_full(nodes, true, out);
    return;
  }
  const int64_t width = engine->hidden_width();
  out.resize(nodes.size() * width);
  for (size_t b = 0; b < nodes.size(); b += 1024) {
    const size_t n = std::min<size_t>(1024, nodes.size() - b);
    engine->infer(std::span<const NodeId>(nodes.data() + b, n), 0xFFFFFFF0u, nullptr, &part);
    std::copy(part.begin(), part.end(), out.begin() + b * width);
  }
}

}  // namespace grl::bench
