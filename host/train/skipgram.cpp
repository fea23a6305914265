#include "host/train/skipgram.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "host/core/error.h"
#include "host/ops/backend.h"
#include "host/pipeline/lane_scope.h"
#include "kernels/common/philox.h"

namespace grl {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<std::string> split_dash(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, '-')) out.push_back(part);
  return out;
}

// One family of walks: a walk spec and its start nodes.
struct WalkPlan {
  WalkSpec spec;
  std::vector<NodeId> starts;
  uint64_t walks = 0;  // walks_per_node * starts
  std::string name;
};

std::vector<WalkPlan> plan_walks(const Graph& g, const SkipgramConfig& c) {
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
      throw UsageError("--metapath is required for " + std::string(walk_method_name(c.method)) +
                       ", e.g. --metapath author-paper-venue-paper-author");
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
          throw UsageError("meta-path '" + mp + "': no relation from " + types[k] + " to " +
                           types[k + 1] +
                           " (hetero graphs: add --reverse-relations to walk edges both ways)");
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

}  // namespace

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

void build_alias_table(const std::vector<double>& w, int64_t begin, int64_t end,
                       std::vector<float>& prob, std::vector<int32_t>& alias) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  double total = 0;
  for (int64_t i = begin; i < end; ++i) total += w[i];
  std::vector<double> scaled(n);
  for (int64_t i = 0; i < n; ++i) scaled[i] = total > 0 ? w[begin + i] * n / total : 1.0;
  std::vector<int64_t> small, large;
  for (int64_t i = 0; i < n; ++i) (scaled[i] < 1.0 ? small : large).push_back(i);
  while (!small.empty() && !large.empty()) {
    const int64_t s = small.back(), l = large.back();
    small.pop_back();
    prob[begin + s] = static_cast<float>(scaled[s]);
    alias[begin + s] = static_cast<int32_t>(begin + l);
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (int64_t i : large)
    prob[begin + i] = 1.0f, alias[begin + i] = static_cast<int32_t>(begin + i);
  for (int64_t i : small)
    prob[begin + i] = 1.0f, alias[begin + i] = static_cast<int32_t>(begin + i);
}

SkipgramResult train_skipgram(const Graph& g, const SkipgramConfig& c) {
  auto log = c.log ? c.log : [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
  if (c.walk_length < 2) throw UsageError("--walk-length must be at least 2");
  if (c.walks_per_node < 1) throw UsageError("--walks-per-node must be at least 1");
  if (c.window < 1 || c.window > kMaxSgnsWindow)
    throw UsageError("--window must be in [1, " + std::to_string(kMaxSgnsWindow) + "]");
  if (c.negatives < 0) throw UsageError("--negatives must be >= 0");
  if (c.dim < 1 || c.dim > kMaxSgnsDim)
    throw UsageError("--dim must be in [1, " + std::to_string(kMaxSgnsDim) + "]");
  if (c.epochs < 1) throw UsageError("--epochs must be at least 1");
  if (!(c.lr > 0)) throw UsageError("--lr must be positive");
  if (!(c.sample >= 0)) throw UsageError("--sample must be >= 0");
  if (c.method == WalkMethod::kNode2vec && (!(c.p > 0) || !(c.q > 0)))
    throw UsageError("--p and --q must be positive");
  if (g.num_nodes() == 0) throw UsageError("the graph has no nodes");
  if (c.share_negatives && c.method == WalkMethod::kMetapath2vecPP)
    throw UsageError(
        "--share-negatives draws one set of negatives per centre; metapath2vec++ draws them per "
        "context type, so the two do not combine");
  if (c.share_negatives && c.negatives > kMaxSharedNegatives)
    throw UsageError("--share-negatives supports at most " + std::to_string(kMaxSharedNegatives) +
                     " negatives (they are held in registers); got --negatives " +
                     std::to_string(c.negatives));
  if (c.shared_span < 0 || c.shared_span > 2 * kMaxSgnsWindow)
    throw UsageError("--shared-span must be in [0, " + std::to_string(2 * kMaxSgnsWindow) + "]");
  if (c.shared_span > 0 && !c.share_negatives)
    throw UsageError("--shared-span sets how often --share-negatives draws; add --share-negatives");
  if (c.model_warps < 0) throw UsageError("--model-warps must be >= 0");
  if (c.model_l1_rows < 0) throw UsageError("--model-l1-rows must be >= 0");
  if (c.model_l1_rows > 0 && c.model_warps == 0)
    throw UsageError("--model-l1-rows models the L1 caches of --model-warps; add --model-warps");
  if (c.model_warps > 0 && c.share_negatives)
    throw UsageError("--model-warps models the per-context kernel; not with --share-negatives");
  if (c.partitions < 0) throw UsageError("--partitions must be a positive count or auto");
  if (c.partitions > g.num_nodes())
    throw UsageError("--partitions " + std::to_string(c.partitions) + " is more than the " +
                     std::to_string(g.num_nodes()) + " nodes");
  if (g.node_types.size() > static_cast<size_t>(kMaxNodeTypes))
    throw UsageError("at most " + std::to_string(kMaxNodeTypes) + " node types are supported");

  std::vector<WalkPlan> plans = plan_walks(g, c);
  BackendOptions bo;
  bo.variant = c.tuned ? KernelVariant::kTuned : KernelVariant::kSimple;
  bo.sgns_model_warps = c.model_warps;
  bo.sgns_model_l1_rows = c.model_l1_rows;
  std::unique_ptr<Backend> be = make_backend(c.device, bo);
  if (c.model_warps > 0 && be->is_cuda())
    throw UsageError("--model-warps is a CPU model of the GPU kernel; use it with --device cpu");
  if (c.l1_reads && !be->is_cuda())
    throw UsageError(
        "--l1-reads changes how the GPU kernel loads the tables; the CPU backend has no L1 to "
        "choose (its model is --model-warps with --model-l1-rows)");
  SkipgramResult res;
  res.device = be->describe();
  res.dim = c.dim;
  const NodeId n = g.num_nodes();
  const int L = c.walk_length;
  uint64_t walks_per_epoch = 0;
  for (const WalkPlan& p : plans) walks_per_epoch += p.walks;
  const int64_t default_chunk = std::max<int64_t>(
      1, std::min<int64_t>(static_cast<int64_t>(walks_per_epoch),
                           (be->is_cuda() ? (int64_t{16} << 20) : (int64_t{1} << 20)) / L));

  // Graph and relations in backend memory.
  std::vector<Buffer<EdgeIndex>> offs;
  std::vector<Buffer<NodeId>> idxs;
  auto upload_csr = [&](const Csr& csr) -> CsrView {
    if (be->shares_host_memory()) return csr.view();
    offs.emplace_back(*be, csr.offsets.size(), "graph offsets");
    idxs.emplace_back(*be, csr.indices.size(), "graph adjacency");
    offs.back().upload(csr.offsets.data(), csr.offsets.size());
    idxs.back().upload(csr.indices.data(), csr.indices.size());
    return CsrView{offs.back().data(), idxs.back().data(), nullptr, csr.num_rows(),
                   csr.num_edges()};
  };
  // The homogeneous graph goes to backend memory only when a plan walks it (meta-path walks
  // read their relations), and on the GPU with 32-bit offsets (WalkSpec::offsets32) when the
  // edge count allows: every step reads those instead, so the 64-bit ones stay on the host.
  bool homogeneous = false;
  for (const WalkPlan& p : plans) homogeneous |= p.spec.kind != WalkSpec::kMetapath;
  CsrView graph{};
  Buffer<uint32_t> offsets32;
  if (homogeneous && be->shares_host_memory()) {
    graph = g.csr.view();
  } else if (homogeneous && g.csr.num_edges() < (EdgeIndex{1} << 32)) {
    const std::vector<uint32_t> o = g.csr.offsets32();
    offsets32 = Buffer<uint32_t>(*be, o.size(), "graph offsets (32-bit)");
    offsets32.upload(o.data(), o.size());
    idxs.emplace_back(*be, g.csr.indices.size(), "graph adjacency");
    idxs.back().upload(g.csr.indices.data(), g.csr.indices.size());
    graph = CsrView{nullptr, idxs.back().data(), nullptr, g.csr.num_rows(), g.csr.num_edges()};
  } else if (homogeneous) {
    graph = upload_csr(g.csr);
  }
  std::vector<Buffer<NodeId>> start_bufs;
  for (WalkPlan& p : plans) {
    if (p.spec.kind != WalkSpec::kMetapath) p.spec.offsets32 = offsets32.data();
    if (p.spec.kind == WalkSpec::kMetapath)
      for (int k = 0; k < p.spec.cycle; ++k) {
        // Find the relation again by its CSR pointer to upload it once per step.
        for (const Relation& r : g.relations)
          if (r.csr.offsets.data() == p.spec.steps[k].csr.offsets) {
            p.spec.steps[k].csr = upload_csr(r.csr);
            break;
          }
      }
    start_bufs.emplace_back(*be, p.starts.size(), "walk starts");
    start_bufs.back().upload(p.starts.data(), p.starts.size());
  }

  // Row partitions: how many, and the walk chunk that goes with them.
  const int64_t D = c.dim;
  const int64_t row_bytes = D * static_cast<int64_t>(sizeof(float));
  int P = c.partitions;
  int64_t chunk = c.chunk_walks > 0 ? c.chunk_walks : default_chunk;
  {
    std::string why;
    const int64_t free_b = be->is_cuda() ? be->free_memory() : -1;
    if (P == 0) {
      // Working memory besides the tables: two walk buffers, counts, negative and keep tables.
      const int64_t margin = 2 * default_chunk * L * 4 + int64_t{n} * 32 + (int64_t{256} << 20);
      if (free_b < 0) {
        P = 1;
        why = "the CPU backend trains in host memory";
      } else if (2 * int64_t{n} * row_bytes + margin <= static_cast<int64_t>(0.6 * free_b)) {
        P = 1;
        why = "both tables fit in device memory";
      } else {
        // The fewest blocks of which three (syn0 block, two syn1 slots) fit in 40% of free memory.
        const int64_t budget = static_cast<int64_t>(0.4 * free_b);
        const int64_t max_rows = budget / (3 * row_bytes);
        if (max_rows < 1) throw Error("not enough device memory for even one embedding row");
        P = static_cast<int>(std::min<int64_t>(n, (n + max_rows - 1) / max_rows));
        while (P < n && 3 * ((int64_t{n} + P - 1) / P) * row_bytes > budget) ++P;
        why = "the two tables (" + std::to_string((2 * int64_t{n} * row_bytes) >> 20) +
              " MiB) exceed 60% of " + std::to_string(free_b >> 20) + " MiB free device memory";
      }
      if (c.progress) log("partitions: " + std::to_string(P) + " (auto: " + why + ")");
    }
    if (P > 1 && c.chunk_walks <= 0 && free_b > 0) {
      // Every chunk swaps ~2(P + 1) tables' bytes, so take big chunks: the two walk buffers may
      // use a quarter of what is free besides the three table blocks.
      const int64_t blocks = 3 * ((int64_t{n} + P - 1) / P) * row_bytes;
      const int64_t room = (free_b - blocks - int64_t{n} * 32) / 4;
      chunk = std::max(chunk, std::min<int64_t>(static_cast<int64_t>(walks_per_epoch),
                                                room / (2 * int64_t{L} * 4)));
    }
  }
  res.partitions = P;
  Buffer<int32_t> walks(*be, static_cast<size_t>(chunk * L), "walks");
  Buffer<unsigned long long> ended(*be, 1, "walk counter");
  ended.zero();
  Buffer<int64_t> counts(*be, n, "node counts");
  counts.zero();

  // Pass 1: node occurrences in the walks of the first epoch (for the negative distribution).
  auto t_walk = Clock::now();
  uint64_t base = 0;
  for (size_t pi = 0; pi < plans.size(); ++pi) {
    WalkPlan& p = plans[pi];
    for (uint64_t w0 = 0; w0 < p.walks; w0 += chunk) {
      const int64_t m = static_cast<int64_t>(std::min<uint64_t>(chunk, p.walks - w0));
      WalkSpec s = p.spec;
      s.first_walk = base + w0;
      s.start_offset = w0;
      Span<const NodeId> starts{start_bufs[pi].data(), static_cast<int64_t>(p.starts.size())};
      be->random_walks(graph, s, starts, m, walks.data(), ended.data());
      be->count_nodes(Span<const int32_t>{walks.data(), m * L}, counts.data());
    }
    base += p.walks;
  }
  std::vector<int64_t> host_counts(n);
  counts.download(host_counts.data(), n);
  unsigned long long ended_host = 0;
  ended.download(&ended_host, 1);
  res.walk_seconds = since(t_walk);
  uint64_t positions = 0;
  for (int64_t k : host_counts) positions += static_cast<uint64_t>(k);
  res.walks = walks_per_epoch;
  res.ended_early = ended_host;
  res.walk_steps = positions - std::min<uint64_t>(positions, walks_per_epoch);
  res.walk_steps_per_second = res.walk_seconds > 0 ? res.walk_steps / res.walk_seconds : 0;

  // Negative tables: unigram^0.75 over all nodes, and per node type for metapath2vec++.
  std::vector<double> weight(n);
  for (NodeId v = 0; v < n; ++v) weight[v] = std::pow(static_cast<double>(host_counts[v]), 0.75);
  // With row partitions, negatives for a context in block b come from block b (intersected with
  // the context's type): one alias table per such segment (kernels/sgns.h).
  std::vector<int64_t> block_begin(P + 1);
  for (int k = 0; k <= P; ++k) block_begin[k] = int64_t{n} * k / P;
  auto build_segments = [&](std::vector<int64_t> cuts, std::vector<float>& pr,
                            std::vector<int32_t>& al) {
    cuts.insert(cuts.end(), block_begin.begin(), block_begin.end());
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (size_t k = 0; k + 1 < cuts.size(); ++k)
      build_alias_table(weight, cuts[k], cuts[k + 1], pr, al);
  };
  std::vector<float> prob(n), typed_prob;
  std::vector<int32_t> alias(n), typed_alias;
  build_segments({0, n}, prob, alias);
  SgnsSpec spec;
  spec.length = L;
  spec.window = c.window;
  spec.negatives = c.negatives;
  spec.lr0 = c.lr;
  spec.atomic_updates = c.atomic_updates;
  spec.share_negatives = c.share_negatives;
  spec.shared_span = c.shared_span;
  spec.l1_reads = c.l1_reads;
  spec.seed = c.seed;
  spec.total_walks = walks_per_epoch * c.epochs;
  spec.typed_negatives = c.method == WalkMethod::kMetapath2vecPP;
  if (spec.typed_negatives) {
    typed_prob.resize(n);
    typed_alias.resize(n);
    spec.num_types = static_cast<int>(g.node_types.size());
    for (int t = 0; t < spec.num_types; ++t) spec.type_begin[t] = g.node_types[t].begin;
    spec.type_begin[spec.num_types] = n;
    // Segments as the kernel draws them: [type_begin[t], type_begin[t + 1]) cut by the blocks.
    build_segments(std::vector<int64_t>(spec.type_begin, spec.type_begin + spec.num_types + 1),
                   typed_prob, typed_alias);
  }
  // Subsampling: word2vec's keep probability per node, from the same counts.
  Buffer<float> keep_d;
  if (c.sample > 0) {
    const double threshold = c.sample * static_cast<double>(positions);
    std::vector<float> keep(n, 1.0f);
    for (NodeId v = 0; v < n; ++v)
      if (host_counts[v] > 0) {
        const double f = static_cast<double>(host_counts[v]);
        keep[v] =
            static_cast<float>(std::min(1.0, (std::sqrt(f / threshold) + 1.0) * threshold / f));
      }
    keep_d = Buffer<float>(*be, n, "subsampling table");
    keep_d.upload(keep.data(), n);
    spec.keep = keep_d.data();
  }
  Buffer<float> prob_d(*be, n, "negative table"), tprob_d(*be, typed_prob.size(), "negative table");
  Buffer<int32_t> alias_d(*be, n, "negative table"),
      talias_d(*be, typed_alias.size(), "negative table");
  prob_d.upload(prob.data(), n);
  alias_d.upload(alias.data(), n);
  tprob_d.upload(typed_prob.data(), typed_prob.size());
  talias_d.upload(typed_alias.data(), typed_alias.size());
  AliasView all{prob_d.data(), alias_d.data(), n}, typed{tprob_d.data(), talias_d.data(), n};

  // Embedding tables: syn0 uniform in [-0.5/dim, 0.5/dim) (word2vec's), syn1 zero.
  std::vector<float> init(static_cast<size_t>(n) * D);
  for (NodeId v = 0; v < n; ++v)
    for (int64_t k = 0; k < D; ++k)
      init[v * D + k] =
          random_uniform(philox(c.seed, RandomPurpose::kInit, static_cast<uint32_t>(v),
                                static_cast<uint32_t>(k / 4), 77)
                             .v[k % 4],
                         -0.5f / D, 0.5f / D);
  // Unpartitioned: both tables in backend memory. Partitioned: both whole in pinned host memory,
  // plus backend slots for one syn0 block and two syn1 blocks.
  Buffer<float> syn0, syn1, host0, host1, slot1[2];
  if (P == 1) {
    syn0 = Buffer<float>(*be, init.size(), "embeddings");
    syn1 = Buffer<float>(*be, init.size(), "context embeddings");
    syn0.upload(init.data(), init.size());
    syn1.zero();
  } else {
    host0 = Buffer<float>(*be, init.size(), "embeddings (host)", Residence::kHostMapped);
    host1 = Buffer<float>(*be, init.size(), "context embeddings (host)", Residence::kHostMapped);
    std::memcpy(host0.data(), init.data(), init.size() * sizeof(float));
    std::memset(host1.data(), 0, init.size() * sizeof(float));
    int64_t max_rows = 0;
    for (int k = 0; k < P; ++k) max_rows = std::max(max_rows, block_begin[k + 1] - block_begin[k]);
    // Separate buffers on the CPU backend too, so that it runs (and tests) the same copies.
    syn0 = Buffer<float>(*be, static_cast<size_t>(max_rows * D), "embedding block");
    for (Buffer<float>& b : slot1)
      b = Buffer<float>(*be, static_cast<size_t>(max_rows * D), "context embedding block");
  }
  Buffer<SgnsStats> stats(*be, 1, "training counters");
  MatrixView<float> s0{syn0.data(), n, D, D}, s1{syn1.data(), n, D, D};
  be->synchronize();

  // One chunk of walks, partitioned: passes (a, b) for every centre block a and context block b.
  // syn0 block a is uploaded, trained against every b and written back, all on the compute lane
  // (one block up and down per a; not overlapped). syn1 blocks rotate through two slots: while
  // block b trains in one, the next block is uploaded into the other on the sample lane, after
  // that slot's last training and write-back (its `written` event) and after the write-back of
  // the block's own newest rows. The b order snakes (reversed on every other centre block, also
  // across chunks), so the block a row ends on stays resident for the next row.
  std::vector<int> written(P > 1 ? P : 0);
  for (int& e : written) e = be->new_event();
  std::vector<bool> ever_written(written.size(), false);
  const int ready[2] = {be->new_event(), be->new_event()};
  int slot_block[2] = {-1, -1};
  uint64_t rows_done = 0;  // centre-block rows trained so far: the snake's parity
  auto rows_of = [&](int k) { return block_begin[k + 1] - block_begin[k]; };
  auto fetch = [&](int blk, int slot) {
    const size_t bytes = static_cast<size_t>(rows_of(blk) * row_bytes);
    {
      LaneScope sample_lane(*be, Backend::kLaneSample);
      if (slot_block[slot] >= 0) be->wait_event(written[slot_block[slot]]);
      if (ever_written[blk]) be->wait_event(written[blk]);
      be->upload(slot1[slot].data(), host1.data() + block_begin[blk] * D, bytes);
      be->record_event(ready[slot]);
    }
    slot_block[slot] = blk;
    res.swap_bytes += bytes;
  };
  auto slot_of = [&](int blk) { return slot_block[0] == blk ? 0 : slot_block[1] == blk ? 1 : -1; };
  auto train_partitioned = [&](const int32_t* walk_data, int64_t m) {
    for (int a = 0; a < P; ++a) {
      const size_t bytes0 = static_cast<size_t>(rows_of(a) * row_bytes);
      be->upload(syn0.data(), host0.data() + block_begin[a] * D, bytes0);
      const bool reverse = rows_done++ % 2 == 1;
      auto block_at = [&](int i) { return reverse ? P - 1 - i : i; };
      int last_slot = 1;
      for (int i = 0; i < P; ++i) {
        const int blk = block_at(i);
        int slot = slot_of(blk);
        if (slot < 0) fetch(blk, slot = 1 - last_slot);
        if (i + 1 < P && slot_of(block_at(i + 1)) < 0) fetch(block_at(i + 1), 1 - slot);
        be->wait_event(ready[slot]);
        SgnsSpec ps = spec;
        ps.centre_begin = static_cast<NodeId>(block_begin[a]);
        ps.centre_end = static_cast<NodeId>(block_begin[a + 1]);
        ps.context_begin = static_cast<NodeId>(block_begin[blk]);
        ps.context_end = static_cast<NodeId>(block_begin[blk + 1]);
        be->sgns(Span<const int32_t>{walk_data, m * L}, m, ps, all, typed,
                 MatrixView<float>{syn0.data(), rows_of(a), D, D},
                 MatrixView<float>{slot1[slot].data(), rows_of(blk), D, D}, stats.data());
        const size_t bytes1 = static_cast<size_t>(rows_of(blk) * row_bytes);
        be->download_async(host1.data() + block_begin[blk] * D, slot1[slot].data(), bytes1);
        be->record_event(written[blk]);
        ever_written[blk] = true;
        res.swap_bytes += bytes1;
        last_slot = slot;
      }
      be->download_async(host0.data() + block_begin[a] * D, syn0.data(), bytes0);
      res.swap_bytes += 2 * bytes0;
    }
  };

  // Pass 2: train, chunk by chunk. Walks are double-buffered: chunk j + 1 is generated on the
  // sample lane (its own CUDA stream) while chunk j trains on the compute lane; events order
  // each buffer's reuse after the training that reads it.
  Buffer<int32_t> walks2(*be, static_cast<size_t>(chunk * L), "walks");
  int32_t* walk_buf[2] = {walks.data(), walks2.data()};
  const int generated[2] = {be->new_event(), be->new_event()};
  const int consumed[2] = {be->new_event(), be->new_event()};
  bool used[2] = {false, false};
  struct Chunk {
    size_t plan;
    uint64_t w0, first_walk;  // w0: the chunk's first start position (walk.h's start_offset)
    int64_t m;
  };
  auto generate = [&](const Chunk& k, int b) {
    LaneScope sample_lane(*be, Backend::kLaneSample);
    if (used[b]) be->wait_event(consumed[b]);
    WalkSpec s = plans[k.plan].spec;
    s.first_walk = k.first_walk;
    s.start_offset = k.w0;
    be->random_walks(graph, s,
                     Span<const NodeId>{start_bufs[k.plan].data(),
                                        static_cast<int64_t>(plans[k.plan].starts.size())},
                     k.m, walk_buf[b], nullptr);
    be->record_event(generated[b]);
  };
  const bool tty = c.progress && ::isatty(fileno(stderr));
  const auto t0 = Clock::now();
  auto last_report = t0;
  uint64_t done_walks = 0, total_pairs = 0;
  for (int epoch = 0; epoch < c.epochs; ++epoch) {
    SgnsStats zero_stats;
    stats.upload(&zero_stats, 1);
    base = static_cast<uint64_t>(epoch) * walks_per_epoch;
    std::vector<Chunk> chunks;
    for (size_t pi = 0; pi < plans.size(); ++pi) {
      // Start positions run on across epochs (plans[pi].walks is a whole number of passes over
      // the starts), so each epoch's passes get their own start orders.
      for (uint64_t w0 = 0; w0 < plans[pi].walks; w0 += chunk)
        chunks.push_back({pi, static_cast<uint64_t>(epoch) * plans[pi].walks + w0, base + w0,
                          static_cast<int64_t>(std::min<uint64_t>(chunk, plans[pi].walks - w0))});
      base += plans[pi].walks;
    }
    if (!chunks.empty()) generate(chunks[0], 0);
    for (size_t j = 0; j < chunks.size(); ++j) {
      const int b = static_cast<int>(j % 2);
      if (j + 1 < chunks.size()) generate(chunks[j + 1], 1 - b);
      const Chunk& k = chunks[j];
      be->wait_event(generated[b]);
      spec.first_walk = k.first_walk;
      if (P == 1)
        be->sgns(Span<const int32_t>{walk_buf[b], k.m * L}, k.m, spec, all, typed, s0, s1,
                 stats.data());
      else
        train_partitioned(walk_buf[b], k.m);
      be->record_event(consumed[b]);
      used[b] = true;
      done_walks += static_cast<uint64_t>(k.m);
      if (c.progress && (tty || since(last_report) > 10.0)) {
        SgnsStats st;
        stats.download(&st, 1);
        last_report = Clock::now();
        const double frac = static_cast<double>(done_walks) / (walks_per_epoch * c.epochs);
        char line[200];
        std::snprintf(line, sizeof line, "epoch %d/%d  %5.1f%% of walks  loss %.4f  %.3g pairs/s",
                      epoch + 1, c.epochs, 100 * frac,
                      st.pairs ? st.loss / (st.pairs * (1.0 + c.negatives)) : 0.0,
                      (total_pairs + st.pairs) / std::max(since(t0), 1e-9));
        if (tty)
          std::fprintf(stderr, "\r%s", line);
        else
          log(line);
      }
    }
    SgnsStats st;
    stats.download(&st, 1);
    total_pairs += st.pairs;
    res.loss = st.pairs ? st.loss / (st.pairs * (1.0 + c.negatives)) : 0.0;
  }
  be->synchronize();
  res.train_seconds = since(t0);
  if (tty) std::fprintf(stderr, "\r\033[K");
  res.pairs = total_pairs;
  res.pairs_per_second = res.train_seconds > 0 ? total_pairs / res.train_seconds : 0;
  res.embeddings.resize(init.size());
  if (P == 1)
    syn0.download(res.embeddings.data(), res.embeddings.size());
  else
    std::memcpy(res.embeddings.data(), host0.data(), res.embeddings.size() * sizeof(float));
  if (c.progress) {
    char line[240];
    std::snprintf(line, sizeof line,
                  "%s: %llu walks (%llu ended early), %llu positive pairs in %.2f s (%.3g pairs/s; "
                  "walks %.3g "
                  "steps/s), final loss %.4f on %s",
                  walk_method_name(c.method), static_cast<unsigned long long>(res.walks * c.epochs),
                  static_cast<unsigned long long>(res.ended_early),
                  static_cast<unsigned long long>(res.pairs), res.train_seconds,
                  res.pairs_per_second, res.walk_steps_per_second, res.loss, res.device.c_str());
    log(line);
  }
  return res;
}

}  // namespace grl
