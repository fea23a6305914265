#include "host/pipeline/graph_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/graph/alias_table.h"
#include "host/pipeline/matrix_buffer.h"

namespace grl {

GraphStore::GraphStore(Backend& be, const Graph& g, const GraphStoreOptions& o,
                       int64_t slot_feature_bytes, size_t& bytes)
    : be_(be), graph_(g), options_(o) {
  const NodeId n = g.num_nodes();
  const int64_t f = g.features.dim, stride = pad4(f);
  const bool weighted = g.csr.weighted();  // --ignore-weights drops the weights at load
  if (weighted) alias_host_ = draw_tables(g);
  if (be.shares_host_memory()) {
    csr_ = g.csr.view();
    csr_.alias = weighted ? alias_host_.data() : nullptr;
    features_ = g.features.view();
    placement_ = "graph and features in host memory (cpu backend)";
    // Asked for explicitly, the CPU runs the host-feature path too (gather, cache), so that
    // path is tested without a GPU; it changes no result.
    remote_ = o.features == Placement::kHost || o.feature_cache_gb > 0;
  } else {
    const int64_t graph_bytes = static_cast<int64_t>(
        g.csr.offsets.size() * sizeof(EdgeIndex) + g.csr.indices.size() * sizeof(NodeId) +
        (weighted ? g.csr.indices.size() * (sizeof(float) + sizeof(EdgeAlias)) : 0));
    const int64_t feature_bytes = static_cast<int64_t>(std::max<int64_t>(n, 1) * stride * 4);
    const int64_t free_now = be.free_memory();
    // Headroom for cuBLAS workspaces, CUDA graphs and the allocator: 5%, at least 512 MiB.
    const int64_t reserve = std::max<int64_t>(int64_t{512} << 20, free_now / 20);
    const PlacementChoice pc = choose_placement(o.graph, o.features, graph_bytes, feature_bytes,
                                                free_now, reserve, slot_feature_bytes);
    placement_ = pc.reason;
    const Residence gr =
        pc.graph == Placement::kHost ? Residence::kHostMapped : Residence::kBackend;
    const Residence fr =
        pc.features == Placement::kHost ? Residence::kHostMapped : Residence::kBackend;
    offsets_ = Buffer<EdgeIndex>(be, g.csr.offsets.size(), "graph offsets", gr);
    indices_ = Buffer<NodeId>(be, g.csr.indices.size(), "graph adjacency", gr);
    if (gr == Residence::kBackend) bytes += graph_bytes;
    fill(offsets_, g.csr.offsets.data(), g.csr.offsets.size());
    fill(indices_, g.csr.indices.data(), g.csr.indices.size());
    csr_ = CsrView{offsets_.data(), indices_.data(), nullptr, n, g.csr.num_edges()};
    if (weighted) {
      weights_ = Buffer<float>(be, g.csr.weights.size(), "edge weights", gr);
      alias_ = Buffer<EdgeAlias>(be, alias_host_.size(), "edge alias tables", gr);
      fill(weights_, g.csr.weights.data(), g.csr.weights.size());
      fill(alias_, alias_host_.data(), alias_host_.size());
      csr_.weights = weights_.data();
      csr_.alias = alias_.data();
      be.synchronize();  // the upload has read the host copy
      alias_host_ = {};  // the backend copy is the one read
    }
    remote_ = fr == Residence::kHostMapped;
    if (remote_ && o.host_gather == HostGather::kCpu) {
      // The CPU gather reads the graph's own table: no pinned copy (and no kernel reads it).
      features_ = g.features.view();
    } else {
      features_dev_ = Buffer<float>(be, static_cast<size_t>(std::max<int64_t>(n, 1) * stride),
                                    "node features", fr);
      if (fr == Residence::kBackend) bytes += feature_bytes;
      if (fr == Residence::kHostMapped) {
        // Straight into the pinned buffer, padded rows.
        float* dst = features_dev_.data();
        for (NodeId v = 0; v < n; ++v) {
          std::memcpy(dst + int64_t{v} * stride, g.features.row(v), f * sizeof(float));
          std::memset(dst + int64_t{v} * stride + f, 0, (stride - f) * sizeof(float));
        }
      } else {
        std::vector<float> padded(static_cast<size_t>(n) * stride, 0.0f);
        for (NodeId v = 0; v < n; ++v)
          std::memcpy(padded.data() + int64_t{v} * stride, g.features.row(v), f * sizeof(float));
        features_dev_.upload(padded.data(), padded.size());
        be.synchronize();  // `padded` goes out of scope
      }
      features_ = MatrixView<const float>{features_dev_.data(), n, f, stride};
    }
  }
  if (remote_ && o.host_gather == HostGather::kCpu && o.feature_cache_gb > 0)
    throw ConfigError(
        "{feature_cache_gb} needs {host_gather} zero-copy (the GPU gather serves cached rows; "
        "the cpu gather copies every row from host memory)");
}

template <class T>
void GraphStore::fill(Buffer<T>& b, const T* src, size_t count) {
  if (b.residence() == Residence::kHostMapped) {
    if (count) std::memcpy(b.data(), src, count * sizeof(T));
  } else {
    b.upload(src, count);
  }
}

void GraphStore::finish_host_features(size_t& bytes) {
  build_feature_cache(bytes);
  placement_ +=
      std::string("; host feature rows move by ") +
      (options_.host_gather == HostGather::kCpu ? "a CPU gather into pinned staging and a copy"
                                                : "a zero-copy gather kernel");
}

void GraphStore::build_feature_cache(size_t& bytes) {
  if (options_.feature_cache_gb <= 0) return;
  const NodeId n = graph_.num_nodes();
  const int64_t f = graph_.features.dim, stride = pad4(f);
  const double budget = options_.feature_cache_gb * 1073741824.0 - 4.0 * n;  // minus the slot map
  cache_count_ = std::clamp<int64_t>(static_cast<int64_t>(budget / (stride * 4.0)), 0, n);
  std::vector<int64_t> indeg(n, 0);
  for (NodeId u : graph_.csr.indices) ++indeg[u];
  std::vector<NodeId> order(n);
  for (NodeId v = 0; v < n; ++v) order[v] = v;
  auto hotter = [&](NodeId a, NodeId b) {
    return indeg[a] != indeg[b] ? indeg[a] > indeg[b] : a < b;
  };
  std::partial_sort(order.begin(), order.begin() + cache_count_, order.end(), hotter);
  std::vector<int32_t> slot(n, -1);
  std::vector<float> rows(static_cast<size_t>(std::max<int64_t>(cache_count_, 1) * stride), 0.0f);
  for (int64_t k = 0; k < cache_count_; ++k) {
    slot[order[k]] = static_cast<int32_t>(k);
    std::memcpy(rows.data() + k * stride, graph_.features.row(order[k]), f * sizeof(float));
  }
  cache_rows_ = Buffer<float>(be_, rows.size(), "feature cache");
  cache_slot_ = Buffer<int32_t>(be_, n, "feature cache map");
  cache_hits_ = Buffer<unsigned long long>(be_, 1, "feature cache counter");
  bytes += rows.size() * sizeof(float) + n * sizeof(int32_t) + sizeof(unsigned long long);
  cache_rows_.upload(rows.data(), rows.size());
  cache_slot_.upload(slot.data(), slot.size());
  cache_hits_.zero();
  be_.synchronize();  // the host vectors go out of scope
  char buf[160];
  std::snprintf(buf, sizeof buf, "; feature cache: %lld rows (%.2f GiB, highest in-degree)",
                static_cast<long long>(cache_count_), cache_count_ * stride * 4.0 / 1073741824.0);
  placement_ += buf;
}

void GraphStore::gather_rows(const int32_t* nodes, MatrixView<float> out, const int32_t* count) {
  if (cache_count_ > 0)
    be_.gather_rows_cached(features_,
                           {cache_rows_.data(), cache_count_, features_.cols, pad4(features_.cols)},
                           cache_slot_.data(), nodes, out, cache_hits_.data(), count);
  else
    be_.gather_rows(features_, nodes, out, count);
}

void GraphStore::cpu_gather_rows(const NodeId* nodes, int64_t n, float* dst, int64_t stride) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t f = graph_.features.dim;
  parallel_chunks(
      n,
      [&](int64_t b, int64_t e, int) {
        for (int64_t i = b; i < e; ++i)
          std::memcpy(dst + i * stride, graph_.features.row(nodes[i]), f * sizeof(float));
      },
      2048);
  cpu_gather_ms_ +=
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::pair<int64_t, int64_t> GraphStore::take_cache_stats() {
  if (cache_count_ == 0) return {0, 0};
  be_.synchronize();  // the sample lane's gathers count the hits
  unsigned long long hits = 0;
  cache_hits_.download(&hits, 1);
  cache_hits_.zero();
  be_.synchronize();  // before any later gather adds to it
  return {std::exchange(cache_lookups_, 0), static_cast<int64_t>(hits)};
}

}  // namespace grl
