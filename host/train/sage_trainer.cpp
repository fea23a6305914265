#include "host/train/sage_trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <unordered_map>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/core/progress.h"
#include "host/device/device_info.h"
#include "host/dist/comm.h"
#include "host/train/sage_engine.h"
#include "kernels/common/philox.h"

namespace grl {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Epoch keys of evaluation samples: fixed, so validation scores are comparable across epochs.
constexpr uint32_t kEvalEpochKey = 0xFFFFFFF0u;

std::vector<NodeId> shuffled(const std::vector<NodeId>& nodes, uint64_t seed, uint32_t epoch) {
  std::vector<std::pair<uint64_t, NodeId>> keyed(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    Philox4 r = philox(seed, RandomPurpose::kShuffle, static_cast<uint32_t>(nodes[i]), epoch, 0);
    keyed[i] = {(static_cast<uint64_t>(r.v[0]) << 32) | r.v[1], nodes[i]};
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<NodeId> out(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) out[i] = keyed[i].second;
  return out;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::vector<NodeId> labelled(const Graph& g, const std::vector<NodeId>& nodes) {
  std::vector<NodeId> out;
  for (NodeId v : nodes)
    if (g.labels.has_label(v)) out.push_back(v);
  return out;
}

// A loss or gradient norm that is no longer a number ends the run: nothing after it can be
// trusted, and the best model saved so far must stay as it was.
void check_finite(const EpochRecord& rec, int best_epoch, const std::string& save_path) {
  if (std::isfinite(rec.loss) && std::isfinite(rec.grad_norm)) return;
  std::string saved = "nothing was saved";
  if (best_epoch > 0)
    saved = save_path.empty() ? "the best model so far is from epoch " + std::to_string(best_epoch)
                              : "the best model so far (epoch " + std::to_string(best_epoch) +
                                    ", " + save_path + ") is unchanged";
  throw Error("training diverged in epoch " + std::to_string(rec.epoch) + ": the " +
              (std::isfinite(rec.loss) ? "gradient norm" : "mean training loss") + " is " +
              fmt("%g", std::isfinite(rec.loss) ? rec.grad_norm : rec.loss) + "; " + saved +
              ". A smaller {lr}, {clip_grad_norm} or standardised features "
              "may help");
}

}  // namespace

Split resolve_split(const Graph& g, const std::string& spec, uint64_t seed) {
  if (spec.empty() || spec == "dataset") {
    if (!g.split.empty()) return g.split;
    if (spec == "dataset") throw ConfigError("{split} dataset: this graph has no split of its own");
    return random_split(g.labels, g.num_nodes(), 0.6, 0.2, 0.2, seed);
  }
  if (spec.rfind("random", 0) == 0) {
    double f[3] = {0.6, 0.2, 0.2};
    if (spec.size() > 6) {
      if (spec[6] != ':')
        throw ConfigError("bad {split} '" + spec + "' (expected random:TRAIN,VALID,TEST)");
      std::stringstream ss(spec.substr(7));
      std::string part;
      int k = 0;
      while (std::getline(ss, part, ',')) {
        if (k >= 3) throw ConfigError("bad {split} '" + spec + "': three fractions expected");
        try {
          size_t used = 0;
          f[k] = std::stod(part, &used);
          if (used != part.size()) throw std::invalid_argument(part);
        } catch (const std::exception&) {
          throw ConfigError("bad {split} '" + spec + "': '" + part + "' is not a number");
        }
        ++k;
      }
      if (k != 3) throw ConfigError("bad {split} '" + spec + "': three fractions expected");
    }
    return random_split(g.labels, g.num_nodes(), f[0], f[1], f[2], seed);
  }
  throw ConfigError("unknown {split} '" + spec + "' (expected random:TRAIN,VALID,TEST or dataset)");
}

ClassMetrics score_logits(const Graph& g, std::span<const NodeId> nodes,
                          const std::vector<float>& logits, int64_t C) {
  const int64_t n = static_cast<int64_t>(nodes.size());
  if (!g.labels.multi_label) {
    std::vector<int32_t> truth(n), pred(n);
    for (int64_t i = 0; i < n; ++i) {
      truth[i] = g.labels.single[nodes[i]];
      const float* z = logits.data() + i * C;
      pred[i] = static_cast<int32_t>(std::max_element(z, z + C) - z);
    }
    return single_label_metrics(truth, pred, static_cast<int>(C));
  }
  std::vector<uint8_t> truth(n * C, 0), pred(n * C, 0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = g.labels.multi_offsets[nodes[i]]; k < g.labels.multi_offsets[nodes[i] + 1];
         ++k)
      truth[i * C + g.labels.multi_classes[k]] = 1;
    for (int64_t c = 0; c < C; ++c) pred[i * C + c] = logits[i * C + c] > 0.0f;
  }
  return multi_label_metrics(truth, pred, n, static_cast<int>(C));
}

namespace {

// Outputs of distinct `nodes`: one full-neighbourhood pass, or sampled batches.
// comm: full inference's hidden layers shared by the ranks (every rank calling).
std::vector<float> forward_all(SageEngine& e, std::span<const NodeId> nodes, bool hidden,
                               int64_t batch, int64_t width, bool full,
                               Progress* progress = nullptr, Comm* comm = nullptr) {
  std::vector<float> out(nodes.size() * width), part;
  if (full) {
    e.infer_full(nodes, hidden, out, comm);
    if (progress) progress->finish();
    return out;
  }
  for (size_t b = 0; b < nodes.size(); b += batch) {
    size_t n = std::min<size_t>(batch, nodes.size() - b);
    e.infer(nodes.subspan(b, n), kEvalEpochKey, hidden ? nullptr : &part, hidden ? &part : nullptr);
    std::copy(part.begin(), part.end(), out.begin() + b * width);
    if (progress) progress->update(static_cast<double>(b + n));
  }
  if (progress) progress->finish();
  return out;
}

// forward_all over the ranks: each computes a contiguous run of the batches one process would
// compute (so sampled outputs are the one-process ones), every rank gets all outputs.
std::vector<float> forward_shared(SageEngine& e, Comm& comm, std::span<const NodeId> nodes,
                                  bool hidden, int64_t batch, int64_t width, bool full,
                                  Progress* progress = nullptr) {
  if (comm.size() == 1) return forward_all(e, nodes, hidden, batch, width, full, progress);
  const size_t b = static_cast<size_t>(batch), batches = (nodes.size() + b - 1) / b;
  const auto [first, last] = comm.share(static_cast<int64_t>(batches));
  const size_t lo = std::min(nodes.size(), static_cast<size_t>(first) * b),
               hi = std::min(nodes.size(), static_cast<size_t>(last) * b);
  std::vector<float> mine =
      forward_all(e, nodes.subspan(lo, hi - lo), hidden, batch, width, full, nullptr, &comm);
  if (progress) progress->finish();
  return comm.allgather(mine);
}

// Several ranks decide full against sampled inference together (each measured its own free
// memory): full only if every rank can, else every rank samples.
SageEngine::InferenceChoice agreed(SageEngine::InferenceChoice how, Comm& comm) {
  if (comm.size() == 1) return how;
  int64_t full = how.full ? 1 : 0;
  comm.allreduce_sum(&full, 1);
  if (how.full && full != comm.size())
    how = {false, "sampled neighbourhoods: not every rank has the memory for full inference"};
  return how;
}

// Distinct nodes in first-occurrence order (inference batches must not repeat a node).
std::vector<NodeId> distinct(std::span<const NodeId> nodes, std::vector<size_t>& position) {
  std::vector<NodeId> out;
  std::unordered_map<NodeId, size_t> seen;
  position.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto [it, fresh] = seen.try_emplace(nodes[i], out.size());
    if (fresh) out.push_back(nodes[i]);
    position[i] = it->second;
  }
  return out;
}

}  // namespace

std::vector<float> sage_forward(Backend& be, const Graph& input, const SageModel& model,
                                std::span<const NodeId> nodes, bool hidden, int64_t batch_size,
                                uint64_t seed, InferenceMode mode,
                                SageEngine::InferenceChoice* choice, Comm* comm) {
  Graph normalized;  // the features as the model was trained on them
  const Graph& g = prepared_features(model.feature_norm == "row", input, normalized);
  EngineOptions o;
  o.max_batch =
      std::max<int64_t>(1, std::min<int64_t>(batch_size, static_cast<int64_t>(nodes.size())));
  o.training = false;
  o.seed = seed;
  SageEngine e(be, g, model.arch(), o);
  const SageEngine::InferenceChoice how =
      agreed(e.choose_inference(mode), comm ? *comm : Comm::self());
  if (choice) *choice = how;
  e.load_params(model.params());
  const int64_t width = hidden ? e.hidden_width() : model.arch().num_classes;
  std::vector<size_t> pos;
  std::vector<NodeId> uniq = distinct(nodes, pos);
  std::vector<float> u =
      forward_shared(e, comm ? *comm : Comm::self(), uniq, hidden, o.max_batch, width, how.full);
  std::vector<float> out(nodes.size() * width);
  for (size_t i = 0; i < nodes.size(); ++i)
    std::copy(u.begin() + pos[i] * width, u.begin() + (pos[i] + 1) * width,
              out.begin() + i * width);
  return out;
}

SageTrainResult train_sage(const Graph& input, const SageTrainConfig& cfg) {
  Graph normalized;
  const Graph& g = prepared_features(row_normalizes(cfg, input, true), input, normalized);
  auto log =
      cfg.log ? cfg.log : [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
  if (g.labels.empty())
    throw UsageError("the graph has no labels: supervised GraphSAGE needs them");
  if (g.features.empty())
    throw UsageError(
        "the graph has no node features; GraphSAGE needs them (for a featureless graph "
        "use skip-gram embeddings instead)");
  validate(cfg);
  SageArch arch = sage_arch(cfg, g.features.dim, g.labels.num_classes);
  arch.multi_label = g.labels.multi_label;
  Comm& comm = comm_of(cfg);
  const bool report = cfg.progress && comm.root();
  std::unique_ptr<Backend> be = make_backend(cfg.device, backend_options(cfg));
  SageEngine::check_fits(*be, g, arch, engine_options(cfg));  // before anything large exists
  SageModel model(arch);
  model.initialize(cfg.seed);
  model.class_names = g.labels.class_names;
  model.trained_on = g.source;
  model.config_json = config_json(cfg);
  model.feature_encoder_json = cfg.feature_encoder_json;
  model.base_feature_dim = cfg.base_feature_dim;
  if (&g != &input) model.feature_norm = "row";

  SageTrainResult res;
  res.split = resolve_split(g, cfg.split, cfg.seed);
  const std::vector<NodeId> train = labelled(g, res.split.train),
                            valid = labelled(g, res.split.valid),
                            test = labelled(g, res.split.test);
  if (train.empty()) throw UsageError("the split leaves no labelled training nodes");

  res.device = be->describe();
  res.ranks = comm.size();
  if (comm.size() > 1) res.device += " x " + std::to_string(comm.size()) + " ranks";
  SageEngine engine(*be, g, arch, engine_options(cfg));
  engine.load_params(model.params());
  const SageEngine::InferenceChoice eval_how = agreed(engine.choose_inference(cfg.inference), comm);
  res.full_inference = eval_how.full;
  if (report)
    log("training GraphSAGE (" + std::string(aggregator_name(cfg.aggregator)) + ", " +
        std::to_string(arch.num_layers()) + " layers, " + std::to_string(model.num_params()) +
        " parameters) on " + res.device + ": " + std::to_string(train.size()) + " train / " +
        std::to_string(valid.size()) + " valid / " + std::to_string(test.size()) + " test nodes, " +
        fmt("%.0f MiB of working memory", engine.memory_bytes() / 1048576.0) + "; " +
        engine.placement());

  // Stage times of every training step (CUDA events on the GPU), reported at the end.
  res.stages.concurrent = be->is_cuda();
  be->set_profiling(true);

  const int64_t batches =
      (static_cast<int64_t>(train.size()) + cfg.batch_size - 1) / cfg.batch_size;
  const std::vector<NodeId>& eval_nodes = valid.empty() ? train : valid;
  if (report)
    log("plan: " + std::to_string(cfg.epochs) + " epochs x " + std::to_string(batches) +
        " batches of up to " + std::to_string(cfg.batch_size) + " seeds (" +
        std::to_string(train.size()) + " training nodes), then validation on " +
        std::to_string(eval_nodes.size()) + (valid.empty() ? " training" : "") +
        " nodes; test on " + std::to_string(test.size()) + " nodes at the end");
  if (report && cfg.inference != InferenceMode::kSampled)
    log("validation and test: " + eval_how.why);
  const int64_t C = arch.num_classes;
  const int64_t eval_batch = engine.layout().max_seeds;  // a rank's share of a batch
  std::vector<float> best_params = model.params();
  double best_f1 = -1;
  uint64_t step = 0;
  const int64_t total_steps = batches * cfg.epochs;
  int64_t cache_lookups = 0, cache_hits = 0;
  take_peak_workers();  // from here: the training loop's threads
  comm.take_traffic();  // from here: the training steps' all-reduces
  for (int epoch = 1; epoch <= cfg.epochs; ++epoch) {
    const auto t0 = Clock::now();
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(cfg.epochs),
                      static_cast<double>(batches), "batches", report, log);
    progress.rate_of("seeds", static_cast<double>(cfg.batch_size));
    std::vector<NodeId> order = shuffled(train, cfg.seed, static_cast<uint32_t>(epoch));
    auto batch = [&](int64_t b) {
      const int64_t lo = b * cfg.batch_size;
      return std::span<const NodeId>(
          order.data() + lo,
          std::min<int64_t>(cfg.batch_size, static_cast<int64_t>(order.size()) - lo));
    };
    // Data parallel: this rank trains its share of each batch, the loss averaged over all of it.
    auto enqueue_share = [&](int64_t b) {
      const std::span<const NodeId> all = batch(b);
      const auto [lo, hi] = comm.share(static_cast<int64_t>(all.size()));
      engine.enqueue_batch(all.subspan(lo, hi - lo), static_cast<uint32_t>(epoch),
                           static_cast<int64_t>(all.size()));
    };
    // Up to prefetch_depth batches are sampled ahead of the one being trained.
    int64_t next = 0;
    for (int64_t b = 0; b < batches; ++b) {
      for (; next < batches && next <= b + engine.prefetch_depth(); ++next) enqueue_share(next);
      engine.set_learning_rate(static_cast<float>(
          scheduled_lr(cfg.lr_schedule, cfg.lr, epoch, static_cast<int64_t>(step), total_steps)));
      engine.train_enqueued(step++);
      progress.update(static_cast<double>(b + 1));
    }
    progress.finish();
    std::vector<std::pair<std::string, double>> times = be->take_stage_times();  // waits
    for (auto& t : engine.take_host_stage_times()) times.push_back(t);
    res.stages.add(times, batches);
    const auto [lookups, hits] = engine.take_feature_cache_stats();
    cache_lookups += lookups;
    cache_hits += hits;
    EpochRecord rec;
    rec.epoch = epoch;
    const Comm::Traffic traffic = comm.take_traffic();  // the training steps' all-reduces
    res.allreduce_bytes += traffic.bytes;
    res.allreduce_seconds += traffic.seconds;
    res.steps += batches;
    double loss_sum = engine.take_loss_sum();
    comm.allreduce_sum(&loss_sum, 1);
    rec.loss = loss_sum / std::max<size_t>(1, train.size());
    rec.grad_norm = engine.take_mean_grad_norm();
    check_finite(rec, res.best_epoch, cfg.save_path);
    rec.seconds = seconds_since(t0);
    rec.seeds_per_second = train.size() / std::max(rec.seconds, 1e-9);
    res.train_seconds += rec.seconds;
    Progress validating("validating epoch " + std::to_string(epoch),
                        static_cast<double>(eval_nodes.size()), "nodes", report, log);
    std::vector<float> logits =
        forward_shared(engine, comm, eval_nodes, false, eval_batch, C, eval_how.full, &validating);
    rec.valid = score_logits(g, eval_nodes, logits, C);
    if (report)
      log("epoch " + std::to_string(epoch) + "/" + std::to_string(cfg.epochs) + "  loss " +
          fmt("%.4f", rec.loss) +
          (cfg.clip_grad_norm > 0 ? fmt("  grad norm %.3g", rec.grad_norm) : "") + "  valid acc " +
          fmt("%.4f", rec.valid.accuracy) + " f1-micro " + fmt("%.4f", rec.valid.f1_micro) +
          " f1-macro " + fmt("%.4f", rec.valid.f1_macro) + "  " + fmt("%.2f s", rec.seconds) +
          "  " + fmt("%.0f seeds/s", rec.seeds_per_second));
    if (rec.valid.f1_micro > best_f1) {
      best_f1 = rec.valid.f1_micro;
      res.best_epoch = epoch;
      res.valid = rec.valid;
      engine.store_params(best_params);
      if (!cfg.save_path.empty() && comm.root()) {
        model.params() = best_params;
        model.save(cfg.save_path);
      }
    }
    res.history.push_back(rec);
    res.epochs = epoch;
    be->take_stage_times();  // evaluation is not a training stage
    engine.take_host_stage_times();
    engine.take_feature_cache_stats();  // nor are its cache lookups
    comm.take_traffic();
    if (cfg.patience > 0 && epoch - res.best_epoch >= cfg.patience) {
      if (report && epoch < cfg.epochs)
        log("early stop after epoch " + std::to_string(epoch) + ": no better validation for " +
            std::to_string(cfg.patience) + " epochs (best: epoch " +
            std::to_string(res.best_epoch) + ")");
      break;
    }
  }
  be->set_profiling(false);
  res.threads_used = take_peak_workers();
  if (report && res.stages.steps > 0) log(res.stages.line());
  if (cache_lookups > 0) {
    res.feature_cache_hit_rate = static_cast<double>(cache_hits) / cache_lookups;
    if (report)
      log("feature cache: " + fmt("%.1f%%", 100.0 * res.feature_cache_hit_rate) +
          " of the training steps' feature rows were cache hits");
  }
  res.allreduce = engine.allreduce_path();
  if (report && !res.allreduce.empty()) log("gradient all-reduce: " + res.allreduce);
  res.engine_bytes = static_cast<int64_t>(engine.memory_bytes());
  res.placement = engine.placement();
  res.features_host_resident = engine.features_host_resident();
  if (be->is_cuda())
    res.device_memory_used_bytes = cuda_device_info().total_bytes - be->free_memory();
  int64_t seeds_trained = static_cast<int64_t>(train.size()) * res.epochs;
  res.seeds_per_second = res.train_seconds > 0 ? seeds_trained / res.train_seconds : 0;
  model.params() = best_params;
  engine.load_params(best_params);
  if (!test.empty())
    res.test = score_logits(
        g, test, forward_shared(engine, comm, test, false, eval_batch, C, eval_how.full), C);
  res.model = std::move(model);
  return res;
}

}  // namespace grl
