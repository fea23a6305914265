#include "host/train/walk_plan.h"

#include <sstream>

#include "host/core/error.h"
#include "host/graph/alias_table.h"

namespace grl {

namespace {

std::vector<std::string> split_dash(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, '-')) out.push_back(part);
  return out;
}

}  // namespace

std::vector<WalkPlan> plan_walks(const Graph& g, const WalkPlanOptions& c) {
  std::vector<WalkPlan> plans;
  const bool meta =
      c.method == WalkMethod::kMetapath2vec || c.method == WalkMethod::kMetapath2vecPP;
  if (!meta) {
    WalkPlan p;
    p.spec.kind = c.method == WalkMethod::kNode2vec ? WalkSpec::kNode2vec : WalkSpec::kUniform;
    p.spec.p = c.p;
    p.spec.q = c.q;
    p.starts.resize(g.num_nodes());
    for (NodeId v = 0; v < g.num_nodes(); ++v) p.starts[v] = v;
    p.name = walk_method_name(c.method);
    plans.push_back(std::move(p));
  } else {
    if (!g.heterogeneous())
      throw UsageError(std::string(walk_method_name(c.method)) +
                       " needs a heterogeneous graph (hetero:DIR or synthetic:academic)");
    if (c.metapaths.empty())
      throw ConfigError("{metapaths} is required for " + std::string(walk_method_name(c.method)) +
                        ", e.g. {metapaths} author-paper-venue-paper-author");
    for (const std::string& mp : c.metapaths) {
      std::vector<std::string> types = split_dash(mp);
      if (types.size() < 2 || types.front() != types.back())
        throw UsageError("meta-path '" + mp +
                         "' must have at least two node types and end with the type it "
                         "starts with (it is cycled to the walk length), e.g. author-paper-author");
      if (static_cast<int>(types.size()) - 1 > kMaxMetapathSteps)
        throw UsageError("meta-path '" + mp + "' is longer than " +
                         std::to_string(kMaxMetapathSteps) + " steps");
      WalkPlan p;
      p.spec.kind = WalkSpec::kMetapath;
      p.spec.cycle = static_cast<int>(types.size()) - 1;
      std::vector<int32_t> ids;
      for (const std::string& t : types) {
        int32_t id = g.find_node_type(t);
        if (id < 0) {
          std::string known;
          for (const NodeType& nt : g.node_types) known += (known.empty() ? "" : ", ") + nt.name;
          throw UsageError("meta-path '" + mp + "': no node type '" + t +
                           "' (the graph has: " + known + ")");
        }
        ids.push_back(id);
      }
      for (int k = 0; k + 1 < static_cast<int>(ids.size()); ++k) {
        const Relation* rel = nullptr;
        for (const Relation& r : g.relations)
          if (r.src_type == ids[k] && r.dst_type == ids[k + 1]) {
            rel = &r;
            break;
          }
        if (!rel)
          throw ConfigError("meta-path '" + mp + "': no relation from " + types[k] + " to " +
                            types[k + 1] +
                            " (hetero graphs: add {reverse_relations} to walk edges both ways)");
        p.spec.steps[k].csr = rel->csr.view();
        p.spec.steps[k].src_begin = g.node_types[ids[k]].begin;
      }
      const NodeType& start = g.node_types[ids[0]];
      for (NodeId v = start.begin; v < start.begin + start.count; ++v) p.starts.push_back(v);
      p.name = mp;
      plans.push_back(std::move(p));
    }
  }
  for (WalkPlan& p : plans) {
    p.spec.length = c.walk_length;
    p.spec.seed = c.seed;
    p.spec.shuffle_starts = !c.ordered_starts;
    p.walks = static_cast<uint64_t>(c.walks_per_node) * p.starts.size();
  }
  return plans;
}

WalkMethod parse_walk_method(const std::string& s) {
  if (s == "deepwalk") return WalkMethod::kDeepWalk;
  if (s == "node2vec") return WalkMethod::kNode2vec;
  if (s == "metapath2vec") return WalkMethod::kMetapath2vec;
  if (s == "metapath2vec++") return WalkMethod::kMetapath2vecPP;
  throw UsageError("unknown method '" + s +
                   "' (expected deepwalk, node2vec, metapath2vec or metapath2vec++)");
}

const char* walk_method_name(WalkMethod m) {
  switch (m) {
    case WalkMethod::kDeepWalk:
      return "deepwalk";
    case WalkMethod::kNode2vec:
      return "node2vec";
    case WalkMethod::kMetapath2vec:
      return "metapath2vec";
    case WalkMethod::kMetapath2vecPP:
      return "metapath2vec++";
  }
  return "?";
}

WalkGraph::WalkGraph(Backend& be, const Graph& g, std::vector<WalkPlan>& plans) : be_(be) {
  bool homogeneous = false;
  for (const WalkPlan& p : plans) homogeneous |= p.spec.kind != WalkSpec::kMetapath;
  const bool weighted = homogeneous && g.csr.weighted();
  if (weighted) alias_host_ = draw_tables(g);  // --ignore-weights drops the weights at load
  if (homogeneous && be.shares_host_memory()) {
    graph_ = g.csr.view();
  } else if (homogeneous && g.csr.num_edges() < (EdgeIndex{1} << 32)) {
    const std::vector<uint32_t> o = g.csr.offsets32();
    offsets32_ = Buffer<uint32_t>(be, o.size(), "graph offsets (32-bit)");
    offsets32_.upload(o.data(), o.size());
    indices_.emplace_back(be, g.csr.indices.size(), "graph adjacency");
    indices_.back().upload(g.csr.indices.data(), g.csr.indices.size());
    graph_ = CsrView{nullptr, indices_.back().data(), nullptr, g.csr.num_rows(), g.csr.num_edges()};
  } else if (homogeneous) {
    graph_ = upload(g.csr);
  }
  if (weighted && be.shares_host_memory()) {
    graph_.alias = alias_host_.data();
  } else if (weighted) {
    alias_ = Buffer<EdgeAlias>(be, alias_host_.size(), "edge alias tables");
    alias_.upload(alias_host_.data(), alias_host_.size());
    be.synchronize();  // the upload has read the host copy
    alias_host_ = {};
    graph_.weights = nullptr;  // walks read the alias tables alone
    graph_.alias = alias_.data();
  }
  for (WalkPlan& p : plans) {
    if (p.spec.kind != WalkSpec::kMetapath) p.spec.offsets32 = offsets32_.data();
    if (p.spec.kind == WalkSpec::kMetapath)
      for (int k = 0; k < p.spec.cycle; ++k)
        for (const Relation& r : g.relations)
          if (r.csr.offsets.data() == p.spec.steps[k].csr.offsets) {
            p.spec.steps[k].csr = upload(r.csr);
            break;
          }
    starts_.emplace_back(be, p.starts.size(), "walk starts");
    starts_.back().upload(p.starts.data(), p.starts.size());
  }
}

CsrView WalkGraph::upload(const Csr& csr) {
  if (be_.shares_host_memory()) return csr.view();
  for (const auto& [host, view] : relations_)
    if (host == &csr) return view;
  offsets_.emplace_back(be_, csr.offsets.size(), "graph offsets");
  indices_.emplace_back(be_, csr.indices.size(), "graph adjacency");
  offsets_.back().upload(csr.offsets.data(), csr.offsets.size());
  indices_.back().upload(csr.indices.data(), csr.indices.size());
  const CsrView v{offsets_.back().data(), indices_.back().data(), nullptr, csr.num_rows(),
                  csr.num_edges()};
  relations_.emplace_back(&csr, v);
  return v;
}

}  // namespace grl
