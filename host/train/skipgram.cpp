// Skip-gram training (skipgram.h): the epoch loop over walk chunks, with the pieces it is made
// of in walk_plan.h (which walks), negative_tables.h (negatives and subsampling),
// block_schedule.h (the tables and their row blocks) and host/pipeline/walk_stream.h (chunks
// generated while the previous one trains).
#include "host/train/skipgram.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "host/core/error.h"
#include "host/core/memory.h"
#include "host/core/parallel.h"
#include "host/core/progress.h"
#include "host/device/device_info.h"
#include "host/ops/backend.h"
#include "host/pipeline/walk_stream.h"
#include "host/train/block_schedule.h"
#include "host/train/negative_tables.h"
#include "kernels/common/philox.h"

namespace grl {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The checks that need the graph.
void validate_for_graph(const Graph& g, const SkipgramConfig& c) {
  if (g.num_nodes() == 0) throw UsageError("the graph has no nodes");
  if (c.partitions > g.num_nodes())
    throw ConfigError("{partitions} " + std::to_string(c.partitions) + " is more than the " +
                      std::to_string(g.num_nodes()) + " nodes");
  if (g.node_types.size() > static_cast<size_t>(kMaxNodeTypes))
    throw UsageError("at most " + std::to_string(kMaxNodeTypes) + " node types are supported");
}

}  // namespace

void validate(const SkipgramConfig& c) {
  check_device(c.device);
  if (c.walk_length < 2) throw ConfigError("{walk_length} must be at least 2");
  if (c.walks_per_node < 1) throw ConfigError("{walks_per_node} must be at least 1");
  if (c.window < 1 || c.window > kMaxSgnsWindow)
    throw ConfigError("{window} must be in [1, " + std::to_string(kMaxSgnsWindow) + "]");
  if (c.negatives < 0) throw ConfigError("{negatives} must be >= 0");
  if (c.dim < 1 || c.dim > kMaxSgnsDim)
    throw ConfigError("{dim} must be in [1, " + std::to_string(kMaxSgnsDim) + "]");
  if (c.epochs < 1) throw ConfigError("{epochs} must be at least 1");
  if (!(c.lr > 0) || !std::isfinite(c.lr)) throw ConfigError("{lr} must be a finite number > 0");
  if (!(c.sample >= 0) || !std::isfinite(c.sample))
    throw ConfigError("{sample} must be a finite number >= 0 (0 = off)");
  if (!(c.p > 0) || !(c.q > 0) || !std::isfinite(c.p) || !std::isfinite(c.q))
    throw ConfigError("{p} and {q} must be finite numbers > 0");
  if (c.method != WalkMethod::kNode2vec && (c.p != 1.0f || c.q != 1.0f))
    throw ConfigError("{p} and {q} bias node2vec's walks; " +
                      std::string(walk_method_name(c.method)) + " does not use them");
  const bool meta =
      c.method == WalkMethod::kMetapath2vec || c.method == WalkMethod::kMetapath2vecPP;
  if (!meta && !c.metapaths.empty())
    throw ConfigError("{metapaths} guides metapath2vec(++) walks; " +
                      std::string(walk_method_name(c.method)) + " does not use it");
  if (c.share_negatives && c.method == WalkMethod::kMetapath2vecPP)
    throw ConfigError(
        "{share_negatives} draws one set of negatives per centre; metapath2vec++ draws them per "
        "context type, so the two do not combine");
  if (c.share_negatives && c.negatives > kMaxSharedNegatives)
    throw ConfigError("{share_negatives} supports at most " + std::to_string(kMaxSharedNegatives) +
                      " negatives (they are held in registers); got {negatives} " +
                      std::to_string(c.negatives));
  if (c.shared_span < 0 || c.shared_span > 2 * kMaxSgnsWindow)
    throw ConfigError("{shared_span} must be in [0, " + std::to_string(2 * kMaxSgnsWindow) + "]");
  if (c.shared_span > 0 && !c.share_negatives)
    throw ConfigError(
        "{shared_span} sets how often {share_negatives} draws; add {share_negatives}");
  if (c.model_warps < 0) throw ConfigError("{model_warps} must be >= 0");
  if (c.model_l1_rows < 0) throw ConfigError("{model_l1_rows} must be >= 0");
  if (c.model_l1_rows > 0 && c.model_warps == 0)
    throw ConfigError("{model_l1_rows} models the L1 caches of {model_warps}; add {model_warps}");
  if (c.model_warps > 0 && c.share_negatives)
    throw ConfigError("{model_warps} models the per-context kernel; not with {share_negatives}");
  if (c.partitions < 0) throw ConfigError("{partitions} must be a positive count or auto");
}

namespace {

// syn0 uniform in [-1/dim, 1/dim) (gensim 4's; word2vec.c draws from half that range), from
// Philox keyed by (seed, node, column). The range matters on small corpora: on BlogCatalog with
// 10 walks per node (length 40, window 10, dim 128, 5 negatives, one epoch) word2vec's gave
// Micro/Macro-F1 0.3165 / 0.1321 where gensim reaches 0.3241 / 0.1425 and this one 0.3265 /
// 0.1434 (bench/compare_gensim.py, seeds 0-2); at 80 walks nothing is lost (seeds 0, 1).
std::vector<float> initial_embeddings(NodeId n, int64_t D, uint64_t seed) {
  std::vector<float> init(static_cast<size_t>(n) * D);
  for (NodeId v = 0; v < n; ++v)
    for (int64_t k = 0; k < D; ++k)
      init[v * D + k] = random_uniform(philox(seed, RandomPurpose::kInit, static_cast<uint32_t>(v),
                                              static_cast<uint32_t>(k / 4), 77)
                                           .v[k % 4],
                                       -1.0f / D, 1.0f / D);
  return init;
}

// The chunks of one epoch: every plan's walks in order, chunk_walks at a time. Start positions
// run on across epochs (a plan's walks are a whole number of passes over its starts), so each
// epoch's passes get their own start orders; walk ids run on across plans and epochs.
std::vector<WalkChunk> epoch_chunks(const std::vector<WalkPlan>& plans, int epoch, int64_t chunk,
                                    uint64_t walks_per_epoch) {
  std::vector<WalkChunk> chunks;
  uint64_t base = static_cast<uint64_t>(epoch) * walks_per_epoch;
  for (size_t pi = 0; pi < plans.size(); ++pi) {
    for (uint64_t w0 = 0; w0 < plans[pi].walks; w0 += chunk)
      chunks.push_back({pi, static_cast<uint64_t>(epoch) * plans[pi].walks + w0, base + w0,
                        static_cast<int64_t>(std::min<uint64_t>(chunk, plans[pi].walks - w0))});
    base += plans[pi].walks;
  }
  return chunks;
}

SgnsSpec sgns_spec(const SkipgramConfig& c, const Graph& g, uint64_t walks_per_epoch) {
  SgnsSpec spec;
  spec.length = c.walk_length;
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
    spec.num_types = static_cast<int>(g.node_types.size());
    for (int t = 0; t < spec.num_types; ++t) spec.type_begin[t] = g.node_types[t].begin;
    spec.type_begin[spec.num_types] = g.num_nodes();
  }
  return spec;
}

// Refuses, before anything large is allocated, a run whose host memory cannot hold it: the
// tables dominate (on the CPU both tables plus the initial copy or the result; on the GPU the
// initial copy or the result, plus both tables in pinned memory when partitioned).
void check_host_memory(Backend& be, NodeId n, int64_t D, int P, int64_t chunk, int L) {
  const double table = static_cast<double>(n) * D * 4;
  const double tables = be.shares_host_memory() ? 3 : (P > 1 ? 3 : 1);
  const double walks = be.shares_host_memory() ? 2.0 * chunk * L * 4 : 0;
  const double need = tables * table + walks + 48.0 * n;
  const int64_t avail = host_available_bytes();
  if (avail < 0 || need <= static_cast<double>(avail)) return;
  throw ConfigError(
      "training needs about " + gib_string(need) + " of host memory (" +
      (be.shares_host_memory() ? "two embedding tables of " : "embedding tables of ") +
      std::to_string(n) + " x " + std::to_string(D) + " floats and a copy), but only " +
      gib_string(static_cast<double>(avail)) + " are free: use a smaller {dim}" +
      (be.shares_host_memory() && cuda_available() ? ", or train on the GPU ({device} cuda)" : ""));
}

// Positive pairs a walk of L nodes gives with window W before subsampling: centre i takes
// min(b, i) contexts on the left and min(b, L - 1 - i) on the right, b uniform in [1, W].
double expected_pairs_per_walk(int L, int W) {
  double pairs = 0;
  for (int i = 0; i < L; ++i)
    for (int b = 1; b <= W; ++b) pairs += std::min(b, i) + std::min(b, L - 1 - i);
  return pairs / W;
}

double mean_loss(const SgnsStats& st, int negatives) {
  return st.pairs ? st.loss / (st.pairs * (1.0 + negatives)) : 0.0;
}

}  // namespace

SkipgramResult train_skipgram(const Graph& g, const SkipgramConfig& c) {
  auto log = c.log ? c.log : [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
  validate(c);
  validate_for_graph(g, c);
  std::vector<WalkPlan> plans =
      plan_walks(g, WalkPlanOptions{c.method, c.metapaths, c.p, c.q, c.walk_length,
                                    c.walks_per_node, c.seed, c.ordered_starts});
  BackendOptions bo;
  bo.variant = c.tuned ? KernelVariant::kTuned : KernelVariant::kSimple;
  bo.sgns_model_warps = c.model_warps;
  bo.sgns_model_l1_rows = c.model_l1_rows;
  std::unique_ptr<Backend> be = make_backend(c.device, bo);
  if (c.model_warps > 0 && be->is_cuda())
    throw ConfigError("{model_warps} is a CPU model of the GPU kernel; use it with {device} cpu");
  if (c.l1_reads && !be->is_cuda())
    throw ConfigError(
        "{l1_reads} changes how the GPU kernel loads the tables; the CPU backend has no L1 to "
        "choose (its model is {model_warps} with {model_l1_rows})");
  Comm& world = c.comm ? *c.comm : Comm::self();
  Comm* ranks = world.size() > 1 ? &world : nullptr;
  if (ranks && c.swap_blocks)
    throw ConfigError("{swap_blocks} tests one process's block swapping, not several ranks");
  if (ranks) require_one_device_kind(world, be->is_cuda());
  const bool report = c.progress && world.root();
  SkipgramResult res;
  res.device = be->describe();
  res.ranks = world.size();
  if (ranks) res.device += " x " + std::to_string(world.size()) + " ranks";
  res.dim = c.dim;
  const NodeId n = g.num_nodes();
  const int L = c.walk_length;
  const int64_t D = c.dim;
  uint64_t walks_per_epoch = 0;
  for (const WalkPlan& p : plans) walks_per_epoch += p.walks;
  const int64_t default_chunk = std::max<int64_t>(
      1, std::min<int64_t>(static_cast<int64_t>(walks_per_epoch),
                           (be->is_cuda() ? (int64_t{16} << 20) : (int64_t{1} << 20)) / L));

  WalkGraph walk_graph(*be, g, plans);
  // Several GPU ranks take the CPU's blocks (pairs for every rank), both tables on each GPU.
  const bool device_blocks = be->is_cuda() && !ranks;
  const BlockChoice blocks =
      choose_blocks(c.partitions, n, D, device_blocks ? be->free_memory() : -1, default_chunk,
                    c.chunk_walks, L, walks_per_epoch);
  if (ranks && be->is_cuda() && 2.0 * n * D * 4 > 0.8 * static_cast<double>(be->free_memory()))
    throw ConfigError("skip-gram on several GPU ranks keeps both tables (" +
                      std::to_string((2 * int64_t{n} * D * 4) >> 20) + " MiB) on every GPU, " +
                      "and they do not fit; run one process, whose {partitions} swap blocks "
                      "through host memory");
  if (c.partitions == 0 && report)
    log("partitions: " + std::to_string(blocks.blocks) + " (auto: " + blocks.why + ")");
  const int P = blocks.blocks;
  const int64_t chunk = blocks.chunk_walks;
  if (ranks && report && P < world.size())
    log(P == 1 ? "partitions: 1, so every rank trains the whole tables alike; as many partitions "
                 "as ranks, or more, share the work"
               : "partitions: " + std::to_string(P) + " for " + std::to_string(world.size()) +
                     " ranks: " + std::to_string(world.size() - P) +
                     " rank(s) have no pair to train; as many partitions as ranks use them all");
  res.partitions = P;
  check_host_memory(*be, n, D, P, chunk, L);
  std::vector<WalkSource> sources;
  for (size_t pi = 0; pi < plans.size(); ++pi)
    sources.push_back({plans[pi].spec, walk_graph.starts(pi)});
  // CPU ranks walk their shares of each chunk; GPU ranks walk faster than they could gather.
  Comm* walk_ranks = be->shares_host_memory() ? ranks : nullptr;
  WalkStream stream(*be, walk_graph.homogeneous(), sources, chunk, L, walk_ranks);

  const std::vector<WalkChunk> first_chunks = epoch_chunks(plans, 0, chunk, walks_per_epoch);
  if (report) {
    std::string families;
    for (const WalkPlan& p : plans)
      families += (families.empty() ? "" : ", ") + std::to_string(p.walks) + " from " +
                  std::to_string(p.starts.size()) + " starts (" + p.name + ")";
    log("plan: " + std::to_string(walks_per_epoch) + " walks of " + std::to_string(L) +
        " nodes per epoch [" + families + "], " + std::to_string(c.epochs) + " epoch(s); about " +
        Progress::si(expected_pairs_per_walk(L, c.window) * static_cast<double>(walks_per_epoch) *
                     c.epochs) +
        " positive pairs before subsampling; " + std::to_string(first_chunks.size()) +
        " chunks of up to " + std::to_string(chunk) + " walks per epoch; " + std::to_string(P) +
        " partition(s); on " + res.device);
  }

  // Pass 1: node occurrences in the walks of the first epoch (for the negative distribution),
  // each rank counting its shares, the counts summed over the ranks.
  Buffer<unsigned long long> ended(*be, 1, "walk counter");
  ended.zero();
  Buffer<int64_t> counts(*be, n, "node counts");
  counts.zero();
  auto t_walk = Clock::now();
  {
    Progress counting("counting walk positions", static_cast<double>(walks_per_epoch), "walks",
                      report, log);
    double walked = 0;
    for (const WalkChunk& k : first_chunks) {
      be->count_nodes(stream.generate_share_now(k, ended.data()), counts.data());
      walked += static_cast<double>(k.walks);
      counting.update(walked);
    }
  }
  std::vector<int64_t> host_counts(n);
  counts.download(host_counts.data(), n);
  unsigned long long ended_host = 0;
  ended.download(&ended_host, 1);
  if (walk_ranks) {
    world.allreduce_sum(host_counts.data(), n);
    int64_t ended_all = static_cast<int64_t>(ended_host);
    world.allreduce_sum(&ended_all, 1);
    ended_host = static_cast<unsigned long long>(ended_all);
  }
  res.walk_seconds = since(t_walk);
  uint64_t positions = 0;
  for (int64_t k : host_counts) positions += static_cast<uint64_t>(k);
  res.walks = walks_per_epoch;
  res.ended_early = ended_host;
  res.walk_steps = positions - std::min<uint64_t>(positions, walks_per_epoch);
  res.walk_steps_per_second = res.walk_seconds > 0 ? res.walk_steps / res.walk_seconds : 0;

  // Negatives (unigram^0.75, per block; per node type for metapath2vec++) and subsampling.
  SgnsSpec spec = sgns_spec(c, g, walks_per_epoch);
  const NegativeTables tables(*be, host_counts, block_bounds(n, P), spec, spec.typed_negatives,
                              c.sample);
  spec.keep = tables.keep();
  BlockSchedule schedule(*be, n, D, P, initial_embeddings(n, D, c.seed),
                         (be->shares_host_memory() && !c.swap_blocks) || ranks, ranks,
                         c.stage_blocks, c.open_device_comm);
  res.block_transport = schedule.transport();
  if (report && !res.block_transport.empty()) log("blocks between ranks: " + res.block_transport);
  Buffer<SgnsStats> stats(*be, 1, "training counters");
  be->synchronize();

  // Pass 2: train, chunk by chunk, the next chunk generated while this one trains.
  world.take_traffic();
  const auto t0 = Clock::now();
  uint64_t total_pairs = 0;
  int train_threads = 1;  // the threads the SGNS updates used (the walks are counted apart)
  for (int epoch = 0; epoch < c.epochs; ++epoch) {
    SgnsStats zero_stats;
    stats.upload(&zero_stats, 1);
    stream.begin(epoch_chunks(plans, epoch, chunk, walks_per_epoch));
    Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(c.epochs),
                      static_cast<double>(walks_per_epoch), "walks", report, log);
    double done = 0;
    for (size_t j = 0; j < stream.size(); ++j) {
      const int32_t* walks = stream.acquire(j);
      const WalkChunk& k = stream.chunk(j);
      spec.first_walk = k.first_walk;
      take_peak_workers();
      schedule.train(walks, k.walks, L, spec, tables.all(), tables.typed(), stats.data());
      train_threads = std::max(train_threads, take_peak_workers());
      stream.release(j);
      done += static_cast<double>(k.walks);
      if (progress.due(done)) {
        SgnsStats st;
        stats.download(&st, 1);  // also paces the host to the device: progress is real
        char extra[96];
        std::snprintf(extra, sizeof extra, "loss %.4f  %s pairs/s", mean_loss(st, c.negatives),
                      Progress::si((total_pairs + st.pairs) / std::max(since(t0), 1e-9)).c_str());
        progress.update(done, extra);
      }
    }
    progress.finish();
    SgnsStats st;
    stats.download(&st, 1);
    total_pairs += st.pairs;
    res.loss = mean_loss(st, c.negatives);
    if (!std::isfinite(res.loss))
      throw Error("training diverged in epoch " + std::to_string(epoch + 1) +
                  ": the mean loss is " + std::to_string(res.loss) +
                  "; nothing was written. A smaller {lr} may help");
  }
  be->synchronize();
  res.train_seconds = since(t0);
  res.threads_used = train_threads;
  res.pairs = total_pairs;
  res.pairs_per_second = res.train_seconds > 0 ? total_pairs / res.train_seconds : 0;
  res.swap_bytes = schedule.swap_bytes();
  res.exchange_bytes = world.take_traffic().bytes + schedule.device_bytes_sent();
  res.walks_generated = stream.walks_generated();
  schedule.embeddings(res.embeddings);
  if (report) {
    char line[240];
    std::snprintf(line, sizeof line,
                  "%s: %llu walks (%llu ended early), %llu positive pairs in %.2f s (%.3g pairs/s; "
                  "walks %.3g steps/s), final loss %.4f on %s",
                  walk_method_name(c.method), static_cast<unsigned long long>(res.walks * c.epochs),
                  static_cast<unsigned long long>(res.ended_early),
                  static_cast<unsigned long long>(res.pairs), res.train_seconds,
                  res.pairs_per_second, res.walk_steps_per_second, res.loss, res.device.c_str());
    log(line);
  }
  return res;
}

}  // namespace grl
