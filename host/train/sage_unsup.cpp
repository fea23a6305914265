// Unsupervised GraphSAGE training: walk pairs, negatives, batches, the epoch loop, and the
// closing embedding evaluation (see sage_unsup.h).
#include "host/train/sage_unsup.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/core/progress.h"
#include "host/dist/comm.h"
#include "host/train/embedding_eval.h"
#include "host/train/negative_tables.h"
#include "host/train/sage_engine.h"
#include "host/train/skipgram.h"
#include "kernels/common/philox.h"

namespace grl {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

// Scores embeddings of the graph's labelled nodes (at most kUnsupEvalMaxNodes, an evenly spaced
// subset) with a one-vs-rest logistic regression trained on half of them.
void evaluate_unsupervised(Backend& be, const Graph& g, const SageModel& model,
                           const SageUnsupConfig& c, SageUnsupResult& res) {
  std::vector<NodeId> labelled;
  for (NodeId v = 0; v < g.num_nodes(); ++v)
    if (g.labels.has_label(v)) labelled.push_back(v);
  if (labelled.size() < 4) return;
  std::vector<NodeId> nodes;
  const double stride =
      std::max(1.0, static_cast<double>(labelled.size()) / static_cast<double>(kUnsupEvalMaxNodes));
  for (double x = 0; x < static_cast<double>(labelled.size()); x += stride)
    nodes.push_back(labelled[static_cast<size_t>(x)]);
  std::vector<float> x =
      sage_forward(be, g, model, nodes, false, c.train.batch_size, c.train.seed, c.train.inference);
  std::vector<std::vector<int32_t>> y(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeId v = nodes[i];
    if (g.labels.multi_label)
      for (int64_t k = g.labels.multi_offsets[v]; k < g.labels.multi_offsets[v + 1]; ++k)
        y[i].push_back(g.labels.multi_classes[k]);
    else
      y[i].push_back(g.labels.single[v]);
  }
  EvalConfig ec;
  ec.train_ratios = {0.5};
  ec.repeats = 1;
  ec.seed = c.train.seed;
  std::vector<EvalRow> rows =
      evaluate_embeddings(x, static_cast<int64_t>(nodes.size()), model.arch().num_classes, y,
                          g.labels.num_classes, g.labels.multi_label, ec);
  res.evaluated = true;
  res.eval_nodes = static_cast<int64_t>(nodes.size());
  res.eval_micro_f1 = rows[0].micro_mean;
  res.eval_macro_f1 = rows[0].macro_mean;
}

WalkPairs unsup_walk_pairs(Backend& be, CsrView graph, int walks_per_node, int walk_length,
                           uint64_t seed, uint32_t epoch) {
  WalkPairs out;
  const int64_t n = graph.num_rows, L = walk_length;
  const int64_t walks = n * walks_per_node;
  if (walks == 0) return out;
  std::vector<NodeId> host_starts(n);
  for (NodeId v = 0; v < n; ++v) host_starts[v] = v;
  Buffer<NodeId> starts(be, n, "walk starts");
  Buffer<int32_t> buf(be, walks * L, "walks");
  starts.upload(host_starts.data(), n);
  WalkSpec s;
  s.kind = WalkSpec::kUniform;
  s.length = walk_length;
  s.seed = seed;
  // Epoch e's walks are numbered after epoch e - 1's: every walk of the run has its own draws.
  s.first_walk = static_cast<uint64_t>(epoch) * static_cast<uint64_t>(walks);
  be.random_walks(graph, s, Span<const NodeId>{starts.data(), n}, walks, buf.data(), nullptr);
  std::vector<int32_t> w(static_cast<size_t>(walks * L));
  buf.download(w.data(), w.size());
  out.u.reserve(static_cast<size_t>(walks * (L - 1)));
  out.v.reserve(static_cast<size_t>(walks * (L - 1)));
  for (int64_t k = 0; k < walks; ++k) {
    const int32_t* walk = w.data() + k * L;
    for (int64_t t = 1; t < L && walk[t] >= 0; ++t)
      if (walk[t] != walk[0]) {
        out.u.push_back(walk[0]);
        out.v.push_back(walk[t]);
      }
  }
  return out;
}

void shuffle_pairs(WalkPairs& p, uint64_t seed, uint32_t epoch) {
  for (int64_t i = static_cast<int64_t>(p.u.size()) - 1; i > 0; --i) {
    const Philox4 r = philox(seed, RandomPurpose::kShuffle, static_cast<uint32_t>(i), epoch,
                             0x80000000u | static_cast<uint32_t>(i >> 32));
    const int64_t j =
        static_cast<int64_t>(random_below64(r.v[0], r.v[1], static_cast<uint64_t>(i) + 1));
    std::swap(p.u[i], p.u[j]);
    std::swap(p.v[i], p.v[j]);
  }
}

void draw_negatives(const std::vector<float>& prob, const std::vector<int32_t>& alias,
                    uint64_t seed, uint64_t step, int count, std::vector<NodeId>& out) {
  out.resize(count);
  const uint32_t n = static_cast<uint32_t>(prob.size());
  for (int j = 0; j < count; ++j) {
    const Philox4 r = philox(seed, RandomPurpose::kUnsupNegative, static_cast<uint32_t>(step),
                             static_cast<uint32_t>(step >> 32), static_cast<uint32_t>(j));
    const NodeId idx = static_cast<NodeId>(random_below(r.v[0], n));
    out[j] = random_unit(r.v[1]) < prob[idx] ? idx : alias[idx];
  }
}

void make_unsup_batch(std::span<const NodeId> u, std::span<const NodeId> v,
                      std::span<const NodeId> negatives, std::vector<int32_t>& local_of,
                      UnsupBatch& out) {
  out.seeds.clear();
  auto local = [&](NodeId x) {
    int32_t& l = local_of[x];
    if (l < 0) {
      l = static_cast<int32_t>(out.seeds.size());
      out.seeds.push_back(x);
    }
    return l;
  };
  out.u.resize(u.size());
  out.v.resize(v.size());
  out.neg.resize(negatives.size());
  for (size_t i = 0; i < u.size(); ++i) out.u[i] = local(u[i]);
  for (size_t i = 0; i < v.size(); ++i) out.v[i] = local(v[i]);
  for (size_t j = 0; j < negatives.size(); ++j) out.neg[j] = local(negatives[j]);
  for (NodeId x : out.seeds) local_of[x] = -1;
}

SageUnsupResult train_sage_unsupervised(const Graph& input, const SageUnsupConfig& c) {
  const SageTrainConfig& t = c.train;
  Graph normalized;
  const Graph& g = prepared_features(row_normalizes(t, input, false), input, normalized);
  auto log = t.log ? t.log : [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
  if (g.features.empty())
    throw UsageError(
        "the graph has no node features; GraphSAGE needs them (for a featureless graph "
        "use skip-gram embeddings instead)");
  if (g.num_nodes() == 0) throw UsageError("the graph has no nodes");
  validate(c);
  if (static_cast<int64_t>(g.num_nodes()) * c.walks_per_node * c.walk_length > (int64_t{1} << 31))
    throw ConfigError("{walks_per_node} x {walk_length} x nodes exceeds 2^31 walk positions");

  SageArch arch = sage_arch(t, g.features.dim, c.dim);
  arch.unsupervised = true;
  Comm& comm = comm_of(t);
  const bool report = t.progress && comm.root();
  std::unique_ptr<Backend> be = make_backend(t.device, backend_options(t));
  SageEngine::check_fits(*be, g, arch, engine_options(c));  // before anything large exists
  SageModel model(arch);
  model.initialize(t.seed);
  model.trained_on = g.source;
  model.config_json = config_json(c);
  model.feature_encoder_json = t.feature_encoder_json;
  model.base_feature_dim = t.base_feature_dim;
  if (&g != &input) model.feature_norm = "row";

  SageUnsupResult res;
  res.device = be->describe();
  res.ranks = comm.size();
  if (comm.size() > 1) res.device += " x " + std::to_string(comm.size()) + " ranks";
  SageEngine engine(*be, g, arch, engine_options(c));
  engine.load_params(model.params());

  // Negatives: degree^0.75 (the reference code's unigram distortion over node degrees).
  const NodeId n = g.num_nodes();
  std::vector<double> weight(n);
  for (NodeId v = 0; v < n; ++v)
    weight[v] = std::pow(static_cast<double>(g.csr.offsets[v + 1] - g.csr.offsets[v]), 0.75);
  std::vector<float> prob(n);
  std::vector<int32_t> alias(n);
  build_alias_table(weight, 0, n, prob, alias);

  if (report)
    log("training unsupervised GraphSAGE (" + std::string(aggregator_name(t.aggregator)) + ", " +
        std::to_string(arch.num_layers()) + " layers, " + std::to_string(model.num_params()) +
        " parameters, " + std::to_string(c.dim) + "-dimensional embeddings) on " + res.device +
        ": " + std::to_string(n) + " nodes, " + std::to_string(c.walks_per_node) + " walks of " +
        std::to_string(c.walk_length) + " per node and epoch, " + std::to_string(c.negatives) +
        " negatives per batch, " +
        fmt("%.0f MiB of working memory", engine.memory_bytes() / 1048576.0) + "; " +
        engine.placement());

  if (report)
    log("plan: " + std::to_string(t.epochs) + " epochs; each walks " +
        std::to_string(static_cast<int64_t>(n) * c.walks_per_node) + " walks of " +
        std::to_string(c.walk_length) + " nodes and trains up to " +
        std::to_string(static_cast<int64_t>(n) * c.walks_per_node * (c.walk_length - 1)) +
        " pairs in batches of " + std::to_string(t.batch_size));
  std::vector<int32_t> local_of(n, -1);
  std::vector<NodeId> negs;
  UnsupBatch batch;
  uint64_t step = 0;
  int64_t total_steps = 0;
  take_peak_workers();  // from here: the training loop's threads
  comm.take_traffic();  // from here: the training steps' all-reduces
  for (int epoch = 1; epoch <= t.epochs; ++epoch) {
    const auto t0 = Clock::now();
    WalkPairs pairs = unsup_walk_pairs(*be, engine.graph_view(), c.walks_per_node, c.walk_length,
                                       t.seed, static_cast<uint32_t>(epoch - 1));
    shuffle_pairs(pairs, t.seed, static_cast<uint32_t>(epoch));
    const int64_t P = static_cast<int64_t>(pairs.u.size());
    const int64_t batches = (P + t.batch_size - 1) / t.batch_size;
    if (epoch == 1) total_steps = batches * t.epochs;  // later epochs differ by a few pairs
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(t.epochs),
                      static_cast<double>(batches), "batches", report, log);
    progress.rate_of("pairs", static_cast<double>(t.batch_size));
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t lo = b * t.batch_size, m = std::min<int64_t>(t.batch_size, P - lo);
      draw_negatives(prob, alias, t.seed, step, c.negatives, negs);
      // Data parallel: this rank's share of the batch's pairs, with the batch's negatives.
      const auto [r0, r1] = comm.share(m);
      make_unsup_batch(std::span<const NodeId>(pairs.u.data() + lo + r0, r1 - r0),
                       std::span<const NodeId>(pairs.v.data() + lo + r0, r1 - r0), negs, local_of,
                       batch);
      engine.set_learning_rate(static_cast<float>(
          scheduled_lr(t.lr_schedule, t.lr, epoch, static_cast<int64_t>(step), total_steps)));
      engine.train_step_unsupervised(batch.seeds, batch.u, batch.v, batch.neg,
                                     static_cast<uint32_t>(epoch), step++, m);
      progress.update(static_cast<double>(b + 1));
    }
    progress.finish();
    UnsupEpochRecord rec;
    rec.epoch = epoch;
    rec.pairs = P;
    const Comm::Traffic traffic = comm.take_traffic();  // the training steps' all-reduces
    res.steps += batches;
    res.allreduce_bytes += traffic.bytes;
    res.allreduce_seconds += traffic.seconds;
    double loss_sum = engine.take_loss_sum();
    comm.allreduce_sum(&loss_sum, 1);
    comm.take_traffic();
    rec.loss = loss_sum / static_cast<double>(std::max<int64_t>(1, P));
    rec.seconds = seconds_since(t0);
    rec.pairs_per_second = P / std::max(rec.seconds, 1e-9);
    if (!std::isfinite(rec.loss))
      throw Error("training diverged in epoch " + std::to_string(epoch) +
                  ": the mean loss per pair is " + fmt("%g", rec.loss) + "; " +
                  (epoch > 1 && !t.save_path.empty()
                       ? "the model of epoch " + std::to_string(epoch - 1) + " (" + t.save_path +
                             ") is unchanged"
                       : std::string("nothing was saved")) +
                  ". A smaller {lr} or {clip_grad_norm} may help");
    res.train_seconds += rec.seconds;
    res.pairs += P;
    if (report)
      log("epoch " + std::to_string(epoch) + "/" + std::to_string(t.epochs) + "  loss " +
          fmt("%.4f", rec.loss) + "  " + std::to_string(P) + " pairs  " +
          fmt("%.2f s", rec.seconds) + "  " + fmt("%.0f pairs/s", rec.pairs_per_second));
    res.history.push_back(rec);
    res.loss = rec.loss;
    // No validation signal to pick a best epoch by: the latest model is the result.
    if (!t.save_path.empty() || epoch == t.epochs) engine.store_params(model.params());
    if (!t.save_path.empty() && comm.root()) model.save(t.save_path);
  }
  res.epochs = t.epochs;
  res.allreduce = engine.allreduce_path();
  if (report && !res.allreduce.empty()) log("gradient all-reduce: " + res.allreduce);
  res.threads_used = take_peak_workers();
  res.pairs_per_second = res.train_seconds > 0 ? res.pairs / res.train_seconds : 0;
  // Rank 0 scores the embeddings (the others have nothing to report).
  if (c.evaluate && !g.labels.empty() && comm.root()) evaluate_unsupervised(*be, g, model, c, res);
  res.model = std::move(model);
  return res;
}

}  // namespace grl
