// grl sage (supervised and --unsupervised), grl embed, grl predict.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/cli/commands.h"
#include "host/cli/output.h"
#include "host/core/error.h"
#include "host/dist/comm.h"
#include "host/io/embedding_io.h"
#include "host/io/feature_table.h"
#include "host/ops/backend.h"
#include "host/train/sage_trainer.h"
#include "host/train/sage_unsup.h"

namespace grl::cli {

namespace {

std::vector<int> parse_fanouts(const std::string& s, int layers) {
  std::vector<int> out;
  std::vector<std::string> parts(1);
  for (char ch : s) {
    if (ch == ',')
      parts.emplace_back();
    else
      parts.back() += ch;
  }
  for (const std::string& part : parts) {
    if (part.empty())
      throw UsageError("--fanouts '" + s +
                       "': an empty fanout (expected integers in [1, 255] separated by commas, "
                       "hop 1 first)");
    try {
      size_t used = 0;
      int v = std::stoi(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
      out.push_back(v);
    } catch (const std::exception&) {
      throw UsageError("--fanouts '" + s + "': '" + part + "' is not an integer");
    }
  }
  if (layers == -1) return out;  // not given: one layer per fanout
  if (layers < 1 || layers > 6)
    throw UsageError("--layers must be in [1, 6], got " + std::to_string(layers));
  if (layers != static_cast<int>(out.size())) {
    if (out.size() != 1)
      throw UsageError("--layers " + std::to_string(layers) + " does not match the " +
                       std::to_string(out.size()) +
                       " fanouts given; give one fanout per layer (or a single one to repeat)");
    out.assign(layers, out[0]);
  }
  return out;
}

// Node ids to embed or predict: from a file of external ids, or every node.
std::vector<NodeId> select_nodes(const Graph& g, const std::string& file) {
  std::vector<NodeId> nodes;
  if (file.empty()) {
    nodes.resize(g.num_nodes());
    for (NodeId v = 0; v < g.num_nodes(); ++v) nodes[v] = v;
    return nodes;
  }
  std::vector<std::string> ids = read_id_list(file);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto v = g.ids.find(ids[i]);
    if (!v) throw InputError(file, 0, "node id '" + ids[i] + "' is not in the graph " + g.source);
    nodes.push_back(*v);
  }
  return nodes;
}

void print_table_report(const std::string& path, const FeatureEncoder& e,
                        const FeatureTableReport& r, bool quiet) {
  if (quiet) return;
  std::fprintf(
      stderr,
      "features from %s: %lld rows, %lld columns -> %lld dimensions; %lld missing values, %lld "
      "nodes "
      "without a row, %lld unseen categories\n",
      path.c_str(), static_cast<long long>(r.rows), static_cast<long long>(e.columns().size()),
      static_cast<long long>(e.dim()), static_cast<long long>(r.missing_values),
      static_cast<long long>(r.nodes_without_row), static_cast<long long>(r.unseen_categories));
}

// Encodes the model's attribute table for a graph, as training did.
void apply_model_features(const SageModel& m, Graph& g, const std::string& features,
                          const std::string& model_path, bool quiet) {
  if (m.feature_encoder_json.empty()) {
    if (!features.empty())
      throw UsageError("the model " + model_path +
                       " was trained without --features; drop --features");
    return;
  }
  if (features.empty())
    throw UsageError("the model " + model_path +
                     " was trained with an attribute table: pass --features FILE.csv "
                     "with the same columns for these nodes");
  if (g.features.dim != m.base_feature_dim)
    throw UsageError("the graph has " + std::to_string(g.features.dim) +
                     "-dimensional features of its own, the model "
                     "was trained on " +
                     std::to_string(m.base_feature_dim));
  FeatureEncoder e = FeatureEncoder::from_json(m.feature_encoder_json);
  FeatureTableReport rep;
  std::vector<float> v = e.encode(features, g, &rep);
  print_table_report(features, e, rep, quiet);
  append_features(g, v, e.dim());
}

void check_model_fits(const SageModel& m, const Graph& g, const std::string& path) {
  if (g.features.dim != m.arch().in_dim)
    throw UsageError("the model " + path + " expects " + std::to_string(m.arch().in_dim) +
                     "-dimensional features, but the graph has " + std::to_string(g.features.dim));
}

// What a sage run was given, for its JSON summary.
nlohmann::json sage_summary(const SageArgs& a, const SageUnsupConfig& u, const Graph& g) {
  const SageTrainConfig& c = u.train;
  nlohmann::json j = summary_header("sage", a.graph.spec);
  j["config"] = nlohmann::json::parse(a.unsupervised ? config_json(u) : config_json(c));
  j["config"]["device"] = c.device;
  j["config"]["prefetch"] = c.prefetch;
  j["config"]["normalize"] = c.normalize;
  j["config"]["replace"] = c.replace;
  j["model"] = c.save_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.save_path);
  j["features_table"] = a.features.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.features);
  j["labels_file"] = a.labels.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.labels);
  j["nodes"] = g.num_nodes();
  j["weights"] = weights_key(g.csr.weighted(), g.weights_ignored);
  j["feature_norm"] = row_normalizes(c, g, !a.unsupervised) ? "row" : "none";
  j["multi_label"] = g.labels.multi_label;
  return j;
}

// Data parallel: the ranks and, per training step, the gradient all-reduce payload each rank
// sent and the seconds rank 0 spent in it, and how it ran.
void add_ranks_summary(nlohmann::json& j, int ranks, int64_t steps, int64_t bytes, double seconds,
                       const std::string& how) {
  j["ranks"] = ranks;
  if (!how.empty()) j["allreduce"] = how;
  if (ranks <= 1 || steps <= 0) return;
  j["allreduce_bytes_per_step"] = bytes / steps;
  j["allreduce_ms_per_step"] = 1e3 * seconds / static_cast<double>(steps);
}

// grl sage --unsupervised, after the options it shares with supervised training are parsed.
int sage_unsupervised(const SageArgs& a, const Graph& g, const SageUnsupConfig& u, Output& out) {
  SageUnsupResult r = train_sage_unsupervised(g, u);
  out.result("final loss %.4f; %d epochs, %s pairs in %.2f s, %s pairs/s on %s, %s\n", r.loss,
             r.epochs, with_commas(r.pairs).c_str(), r.train_seconds,
             with_commas(std::llround(r.pairs_per_second)).c_str(), r.device.c_str(),
             threads_phrase(r.threads_used).c_str());
  if (r.evaluated)
    out.result(
        "embeddings: logistic regression on half of %lld labelled nodes, micro-F1 %.4f  "
        "macro-F1 %.4f on the other half\n",
        static_cast<long long>(r.eval_nodes), r.eval_micro_f1, r.eval_macro_f1);
  if (!u.train.save_path.empty())
    out.result("model saved to %s (grl embed writes its embeddings)\n", u.train.save_path.c_str());
  nlohmann::json& j = out.summary();
  j = sage_summary(a, u, g);
  j["unsupervised"] = true;
  j["loss"] = r.loss;
  j["epochs"] = r.epochs;
  j["pairs"] = r.pairs;
  j["train_seconds"] = r.train_seconds;
  j["pairs_per_second"] = r.pairs_per_second;
  j["device"] = r.device;
  j["threads"]["used"] = r.threads_used;
  add_ranks_summary(j, r.ranks, r.steps, r.allreduce_bytes, r.allreduce_seconds, r.allreduce);
  if (r.evaluated) {
    j["eval_micro_f1"] = r.eval_micro_f1;
    j["eval_macro_f1"] = r.eval_macro_f1;
    j["eval_nodes"] = r.eval_nodes;
  }
  out.finish();
  return 0;
}

}  // namespace

int cmd_sage(const SageArgs& args) {
  SageArgs a = args;
  // Data parallel: rank 0 reports and writes (Output), the others train in silence.
  if (!Comm::world().root()) a.quiet = true;
  a.config.train.comm = &Comm::world();  // under mpirun the ranks train data parallel
  SageUnsupConfig& u = a.config;
  SageTrainConfig& c = u.train;
  c.fanouts = parse_fanouts(a.fanouts, a.layers);
  c.progress = !a.quiet;
  if (!c.save_path.empty()) check_output_file(c.save_path, "--save");
  if (a.unsupervised) {
    validate(u);
  } else {
    if (a.unsupervised_options_given)
      throw UsageError(
          "--dim, --negatives, --walk-length and --walks-per-node apply only with "
          "--unsupervised");
    validate(c);
  }
  Graph g = load_graph_verbose(a.graph, a.quiet);
  if (!a.labels.empty()) {
    LabelMatch match;
    g.labels = load_label_file(a.labels, g, a.label_mode, &match);
    if (!a.quiet)
      std::fprintf(stderr, "labels from %s: %s\n", a.labels.c_str(),
                   describe_labels(match, "the graph").c_str());
  }
  if (!a.features.empty()) {
    FeatureTableOptions fo;
    fo.id_column = a.id_column;
    fo.categorical = a.categorical;
    fo.standardize = a.standardize;
    FeatureEncoder e = FeatureEncoder::fit(a.features, g, fo);
    for (const std::string& w : e.warnings())
      if (Comm::world().root())
        std::fprintf(stderr, "grl: warning: %s: %s\n", a.features.c_str(),
                     render_fields(w, flag_for).c_str());
    FeatureTableReport rep;
    std::vector<float> v = e.encode(a.features, g, &rep);
    print_table_report(a.features, e, rep, a.quiet);
    c.base_feature_dim = g.features.dim;
    c.feature_encoder_json = e.to_json();
    append_features(g, v, e.dim());
  }
  if (!a.quiet && row_normalizes(c, g, !a.unsupervised))
    std::fprintf(stderr, "features: row-normalised (%s; --feature-norm none uses them as loaded)\n",
                 c.feature_norm == FeatureNorm::kRow ? "--feature-norm row"
                                                     : "bag-of-words: each row divided by its sum");
  Output out(a.json, a.quiet);
  if (a.unsupervised) return sage_unsupervised(a, g, u, out);
  SageTrainResult r = train_sage(g, c);
  out.result("test  accuracy %.4f  f1-micro %.4f  f1-macro %.4f  recall-macro %.4f  (%lld nodes)\n",
             r.test.accuracy, r.test.f1_micro, r.test.f1_macro, r.test.recall_macro,
             static_cast<long long>(r.test.count));
  out.result("best epoch %d (valid f1-micro %.4f); %d epochs in %.2f s, %s seeds/s on %s, %s\n",
             r.best_epoch, r.valid.f1_micro, r.epochs, r.train_seconds,
             with_commas(std::llround(r.seeds_per_second)).c_str(), r.device.c_str(),
             threads_phrase(r.threads_used).c_str());
  if (!c.save_path.empty()) out.result("best model saved to %s\n", c.save_path.c_str());
  nlohmann::json& j = out.summary();
  j = sage_summary(a, u, g);
  j["unsupervised"] = false;
  j["test_accuracy"] = r.test.accuracy;
  j["test_f1_micro"] = r.test.f1_micro;
  j["test_f1_macro"] = r.test.f1_macro;
  j["test_recall_macro"] = r.test.recall_macro;
  j["test_nodes"] = r.test.count;
  j["valid_f1_micro"] = r.valid.f1_micro;
  j["best_epoch"] = r.best_epoch;
  j["epochs"] = r.epochs;
  j["train_seconds"] = r.train_seconds;
  j["seeds_per_second"] = r.seeds_per_second;
  j["device"] = r.device;
  j["threads"]["used"] = r.threads_used;
  j["placement"] = r.placement;
  j["engine_bytes"] = r.engine_bytes;
  j["inference"] = r.full_inference ? "full" : "sampled";
  j["stages"] = r.stages.json();
  add_ranks_summary(j, r.ranks, r.steps, r.allreduce_bytes, r.allreduce_seconds, r.allreduce);
  // Fields that apply only sometimes are absent otherwise (no -1 or default placeholders).
  if (r.feature_cache_hit_rate >= 0) j["feature_cache_hit_rate"] = r.feature_cache_hit_rate;
  if (r.features_host_resident) j["host_gather"] = host_gather_name(c.host_gather);
  if (r.device_memory_used_bytes >= 0) j["device_memory_used_bytes"] = r.device_memory_used_bytes;
  // The last epoch's mean pre-clip gradient norm (measured only when clipping).
  if (c.clip_grad_norm > 0 && !r.history.empty()) j["grad_norm"] = r.history.back().grad_norm;
  out.finish();
  return 0;
}

// --inference full for a model that has no full form: refused before the graph is loaded.
static void check_inference_mode(const EmbedArgs& a, const SageModel& m) {
  const std::string why = full_inference_unsupported(m.arch());
  if (a.inference == InferenceMode::kFull && !why.empty())
    throw ConfigError("--inference full: " + why + "; use --inference sampled");
}

void check_inference_args(const EmbedArgs& a) {
  check_device(a.device);
  if (a.batch_size < 1)
    throw UsageError("--batch-size must be at least 1, got " + std::to_string(a.batch_size));
}

namespace {

// Says which inference ran and why (stderr, unless quiet).
void report_inference(const EmbedArgs& a, const SageEngine::InferenceChoice& how) {
  if (!a.quiet) std::fprintf(stderr, "inference: %s\n", how.why.c_str());
}

// What embed and predict were given, for their JSON summaries.
nlohmann::json inference_summary(const char* command, const EmbedArgs& a, const Graph& g,
                                 size_t nodes, const std::string& device,
                                 const SageEngine::InferenceChoice& how) {
  nlohmann::json j = summary_header(command, a.graph.spec);
  j["weights"] = weights_key(g.csr.weighted(), g.weights_ignored);
  j["model"] = a.model;
  j["nodes"] = nodes;
  j["node_list"] = a.nodes.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.nodes);
  j["config"] = {{"batch_size", a.batch_size},
                 {"seed", a.seed},
                 {"device", a.device},
                 {"inference", inference_name(a.inference)}};
  j["inference"] = how.full ? "full" : "sampled";
  j["device"] = device;
  return j;
}

}  // namespace

int cmd_embed(const EmbedArgs& a) {
  check_inference_args(a);
  check_embeddings_output(a.out, "--out");
  Output out(a.json, a.quiet);
  SageModel m = SageModel::load(a.model);
  check_inference_mode(a, m);
  const bool quiet = a.quiet || !Comm::world().root();  // several ranks: rank 0 reports
  Graph g = load_graph_verbose(a.graph, quiet);
  apply_model_features(m, g, a.features, a.model, quiet);
  check_model_fits(m, g, a.model);
  std::vector<NodeId> nodes = select_nodes(g, a.nodes);
  std::unique_ptr<Backend> be = make_backend(a.device);
  // An unsupervised model's embedding is its (L2-normalised) output, not a hidden layer.
  const bool hidden = !a.logits && !m.arch().unsupervised;
  SageEngine::InferenceChoice how;
  std::vector<float> h = sage_forward(*be, g, m, nodes, hidden, a.batch_size, a.seed, a.inference,
                                      &how, &Comm::world());
  if (!Comm::world().root()) return 0;  // several ranks: rank 0 writes the one output
  report_inference(a, how);
  const int64_t dim = nodes.empty() ? 0 : static_cast<int64_t>(h.size() / nodes.size());
  std::vector<std::string> ids(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) ids[i] = g.ids.name(nodes[i]);
  const std::vector<std::string> written = write_embeddings(a.out, ids, h, dim);
  out.result("embedded %zu nodes (%lld dimensions) on %s; wrote %s\n", nodes.size(),
             static_cast<long long>(dim), be->describe().c_str(), written[0].c_str());
  out.summary() = inference_summary("embed", a, g, nodes.size(), be->describe(), how);
  out.summary()["dim"] = dim;
  out.summary()["written"] = written;
  out.finish();
  return 0;
}

int cmd_predict(const EmbedArgs& a) {
  check_inference_args(a);
  check_output_file(a.out, "--out");
  Output out(a.json, a.quiet);
  SageModel m = SageModel::load(a.model);
  check_inference_mode(a, m);
  if (m.arch().unsupervised)
    throw UsageError("the model " + a.model +
                     " was trained with --unsupervised and predicts no classes; use grl embed "
                     "(and grl eval) instead");
  const bool quiet = a.quiet || !Comm::world().root();  // several ranks: rank 0 reports
  Graph g = load_graph_verbose(a.graph, quiet);
  apply_model_features(m, g, a.features, a.model, quiet);
  check_model_fits(m, g, a.model);
  std::vector<NodeId> nodes = select_nodes(g, a.nodes);
  std::unique_ptr<Backend> be = make_backend(a.device);
  SageEngine::InferenceChoice how;
  std::vector<float> z = sage_forward(*be, g, m, nodes, false, a.batch_size, a.seed, a.inference,
                                      &how, &Comm::world());
  if (!Comm::world().root()) return 0;  // several ranks: rank 0 writes the one output
  report_inference(a, how);
  const int64_t C = m.arch().num_classes;
  auto name = [&](int64_t c) {
    return c < static_cast<int64_t>(m.class_names.size()) ? m.class_names[c] : std::to_string(c);
  };
  const bool multi = m.arch().multi_label;
  std::string text = multi ? "node\tclasses\tprobabilities" : "node\tclass\tprobability";
  if (a.probabilities)
    for (int64_t c = 0; c < C; ++c) text += "\tp_" + name(c);
  text += "\n";
  char buf[32];
  std::vector<double> p(C);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const float* zi = z.data() + i * C;
    text += g.ids.name(nodes[i]) + "\t";
    if (!multi) {
      // Softmax over the classes, from the largest logit (no overflow).
      const int64_t best = std::max_element(zi, zi + C) - zi;
      double sum = 0;
      for (int64_t c = 0; c < C; ++c) sum += p[c] = std::exp(static_cast<double>(zi[c] - zi[best]));
      for (double& x : p) x /= sum;
      std::snprintf(buf, sizeof buf, "%.4f", p[best]);
      text += name(best) + "\t" + buf;
    } else {
      std::string classes, probs;
      for (int64_t c = 0; c < C; ++c) {
        p[c] = 1.0 / (1.0 + std::exp(-static_cast<double>(zi[c])));
        if (zi[c] > 0) {
          std::snprintf(buf, sizeof buf, "%.4f", p[c]);
          classes += (classes.empty() ? "" : ",") + name(c);
          probs += (probs.empty() ? "" : ",") + std::string(buf);
        }
      }
      text += classes + "\t" + probs;
    }
    if (a.probabilities)
      for (int64_t c = 0; c < C; ++c) {
        std::snprintf(buf, sizeof buf, "\t%.4f", p[c]);
        text += buf;
      }
    text += "\n";
  }
  write_file_atomic(a.out, text);
  out.result("wrote predictions for %zu nodes to %s\n", nodes.size(), a.out.c_str());
  out.summary() = inference_summary("predict", a, g, nodes.size(), be->describe(), how);
  out.summary()["written"] = {a.out};
  out.summary()["classes"] = C;
  out.summary()["multi_label"] = multi;
  out.summary()["probabilities"] = a.probabilities;
  out.finish();
  return 0;
}

}  // namespace grl::cli
