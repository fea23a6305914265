// Walk planning for skip-gram: which walks an epoch draws and from where. DeepWalk and node2vec
// draw one family of walks from every node; metapath2vec(++) one family per meta-path, from the
// nodes of its first type, each walk moving along the path's relations (kernels/walk.h). Every
// family draws walks_per_node passes over its start nodes.
//
// WalkGraph puts what the plans read into backend memory: the homogeneous graph only when a
// plan walks it (meta-path walks read their relations), on the GPU with 32-bit offsets when the
// edge count allows (WalkSpec::offsets32), each relation once, and every plan's start nodes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/graph/graph.h"
#include "host/ops/backend.h"

namespace grl {

enum class WalkMethod : int {
  kDeepWalk = 0,
  kNode2vec = 1,
  kMetapath2vec = 2,
  kMetapath2vecPP = 3
};
WalkMethod parse_walk_method(const std::string& s);  // throws UsageError
const char* walk_method_name(WalkMethod m);

struct WalkPlanOptions {
  WalkMethod method = WalkMethod::kDeepWalk;
  std::vector<std::string> metapaths;  // "author-paper-venue-paper-author"; several cycle
  float p = 1.0f, q = 1.0f;            // node2vec
  int walk_length = 80;
  int walks_per_node = 10;
  uint64_t seed = 0;
  bool ordered_starts = false;  // starts in node order every pass (else a random order per pass)
};

// One family of walks: a walk spec (its CSR pointers host memory until WalkGraph moves them)
// and its start nodes.
struct WalkPlan {
  WalkSpec spec;
  std::vector<NodeId> starts;
  uint64_t walks = 0;  // walks_per_node * starts
  std::string name;
};

// Throws UsageError for a meta-path the graph cannot walk (unknown types, missing relations).
std::vector<WalkPlan> plan_walks(const Graph& graph, const WalkPlanOptions& options);

class WalkGraph {
 public:
  // Uploads what `plans` read and points their specs at the backend copies.
  WalkGraph(Backend& backend, const Graph& graph, std::vector<WalkPlan>& plans);
  WalkGraph(const WalkGraph&) = delete;
  WalkGraph& operator=(const WalkGraph&) = delete;
  // The homogeneous graph as the walk kernels read it (empty when no plan walks it).
  CsrView homogeneous() const { return graph_; }
  Span<const NodeId> starts(size_t plan) const {
    return {starts_[plan].data(), static_cast<int64_t>(starts_[plan].size())};
  }

 private:
  CsrView upload(const Csr& csr);

  Backend& be_;
  std::vector<Buffer<EdgeIndex>> offsets_;
  std::vector<Buffer<NodeId>> indices_;
  Buffer<uint32_t> offsets32_;
  Array<EdgeAlias> alias_host_;  // weighted graphs: each row's alias table (kernels/walk.h)
  Buffer<EdgeAlias> alias_;
  std::vector<std::pair<const Csr*, CsrView>> relations_;  // uploaded once each
  std::vector<Buffer<NodeId>> starts_;
  CsrView graph_{};
};

}  // namespace grl
