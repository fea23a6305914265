// The graph's topology and node features where a backend's kernels read them: in GPU memory,
// or in pinned host memory read zero-copy (host/pipeline/placement.h decides), or, on the CPU
// backend, the graph's own arrays in place. With features in host memory a minibatch's
// first-layer rows are brought into backend memory ahead of its compute, by a zero-copy gather
// kernel (optionally through a cache of the hottest rows in GPU memory) or by host threads into
// pinned staging and one copy; the prefetch ring (prefetch_ring.h) queues those per batch.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "host/graph/graph.h"
#include "host/ops/backend.h"
#include "host/pipeline/placement.h"

namespace grl {

struct GraphStoreOptions {
  Placement graph = Placement::kAuto, features = Placement::kAuto;
  // Host-resident features: GiB of the hottest rows kept in backend memory (zero-copy gather
  // only), and how each batch's rows move.
  double feature_cache_gb = 0.0;
  HostGather host_gather = HostGather::kZeroCopy;
};

class GraphStore {
 public:
  // Places the topology and the features; call it after the engine's other buffers, so that
  // `auto` sees what they left free. `slot_feature_bytes`: the backend memory host-resident
  // features need for the ring's per-batch rows (choose_placement). Adds the backend memory it
  // allocates to `bytes`. With host-resident features, finish_host_features() follows once the
  // ring has its rows.
  GraphStore(Backend& backend, const Graph& graph, const GraphStoreOptions& options,
             int64_t slot_feature_bytes, size_t& bytes);
  GraphStore(const GraphStore&) = delete;
  GraphStore& operator=(const GraphStore&) = delete;

  CsrView csr() const { return csr_; }
  // The feature table the kernels read (rows padded to 4 floats in backend memory; the graph's
  // own rows on the CPU backend).
  MatrixView<const float> features() const { return features_; }
  // Each batch's first-layer rows move into the ring's slot instead of being read in place:
  // features in host memory (on the CPU backend too when asked for, so the path is tested).
  bool features_remote() const { return remote_; }
  bool cpu_gather() const { return remote_ && options_.host_gather == HostGather::kCpu; }
  // The feature cache and the rest of the placement line, after the ring's rows.
  void finish_host_features(size_t& bytes);
  const std::string& placement() const { return placement_; }

  // Zero-copy: queues the gather of `nodes`' rows into `out` (count read on the device), on the
  // current lane, through the cache when there is one.
  void gather_rows(const int32_t* nodes, MatrixView<float> out, const int32_t* count);
  // CPU gather: host threads copy the rows of n nodes into `dst` (row stride `stride`).
  void cpu_gather_rows(const NodeId* nodes, int64_t n, float* dst, int64_t stride);
  // A batch's rows were looked up in the cache (host-side count of the lookups).
  void count_cache_lookups(int64_t rows) {
    if (cache_count_ > 0) cache_lookups_ += rows;
  }
  // Rows looked up and served by the cache since the last call (zeros without a cache).
  std::pair<int64_t, int64_t> take_cache_stats();
  // Milliseconds the CPU gather spent since the last call.
  double take_cpu_gather_ms() { return std::exchange(cpu_gather_ms_, 0.0); }

 private:
  template <class T>
  void fill(Buffer<T>& b, const T* src, size_t count);
  void build_feature_cache(size_t& bytes);

  Backend& be_;
  const Graph& graph_;
  GraphStoreOptions options_;
  Buffer<EdgeIndex> offsets_;
  Buffer<NodeId> indices_;
  // Weighted graphs: the rows' alias tables (host copy, read in place by the CPU backend) and
  // the weights and tables in backend memory.
  Array<EdgeAlias> alias_host_;
  Buffer<float> weights_;
  Buffer<EdgeAlias> alias_;
  Buffer<float> features_dev_;
  CsrView csr_;
  MatrixView<const float> features_;
  bool remote_ = false;
  std::string placement_;
  // The cache: the rows of the nodes sampled most often, approximated by in-degree (a node is
  // drawn as often as it is someone's neighbour), found through a per-node slot map.
  Buffer<float> cache_rows_;
  Buffer<int32_t> cache_slot_;
  Buffer<unsigned long long> cache_hits_;
  int64_t cache_count_ = 0, cache_lookups_ = 0;
  double cpu_gather_ms_ = 0;
};

}  // namespace grl
