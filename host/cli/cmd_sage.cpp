// grl sage (supervised and --unsupervised), grl embed, grl predict.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/cli/commands.h"
#include "host/core/error.h"
#include "host/io/embedding_io.h"
#include "host/io/feature_table.h"
#include "host/train/sage_trainer.h"
#include "host/train/sage_unsup.h"

namespace grl::cli {

namespace {

std::vector<int> parse_fanouts(const std::string& s, int layers) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      size_t used = 0;
      int v = std::stoi(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
      out.push_back(v);
    } catch (const std::exception&) {
      throw UsageError("--fanouts '" + s + "': '" + part + "' is not an integer");
    }
  }
  if (out.empty()) throw UsageError("--fanouts is empty");
  if (layers > 0 && layers != static_cast<int>(out.size())) {
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
                        const FeatureTableReport& r) {
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
                          const std::string& model_path) {
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
  print_table_report(features, e, rep);
  append_features(g, v, e.dim());
}

void check_model_fits(const SageModel& m, const Graph& g, const std::string& path) {
  if (g.features.dim != m.arch().in_dim)
    throw UsageError("the model " + path + " expects " + std::to_string(m.arch().in_dim) +
                     "-dimensional features, but the graph has " + std::to_string(g.features.dim));
}

// grl sage --unsupervised, after the options it shares with supervised training are parsed.
int sage_unsupervised(const SageArgs& a, const Graph& g, const SageUnsupConfig& u) {
  SageUnsupResult r = train_sage_unsupervised(g, u);
  if (!a.quiet) {
    std::printf("final loss %.4f; %d epochs, %s pairs in %.2f s, %s pairs/s on %s\n", r.loss,
                r.epochs, with_commas(r.pairs).c_str(), r.train_seconds,
                with_commas(std::llround(r.pairs_per_second)).c_str(), r.device.c_str());
    if (r.evaluated)
      std::printf(
          "embeddings: logistic regression on half of %lld labelled nodes, micro-F1 %.4f  "
          "macro-F1 %.4f on the other half\n",
          static_cast<long long>(r.eval_nodes), r.eval_micro_f1, r.eval_macro_f1);
    if (!u.train.save_path.empty())
      std::printf("model saved to %s (grl embed writes its embeddings)\n",
                  u.train.save_path.c_str());
  }
  if (a.json) {
    nlohmann::json j = {{"unsupervised", true},
                        {"loss", r.loss},
                        {"epochs", r.epochs},
                        {"pairs", r.pairs},
                        {"train_seconds", r.train_seconds},
                        {"pairs_per_second", r.pairs_per_second},
                        {"device", r.device}};
    if (r.evaluated) {
      j["eval_micro_f1"] = r.eval_micro_f1;
      j["eval_macro_f1"] = r.eval_macro_f1;
      j["eval_nodes"] = r.eval_nodes;
    }
    std::cout << j.dump() << std::endl;
  }
  return 0;
}

}  // namespace

int cmd_sage(const SageArgs& args) {
  SageArgs a = args;
  SageUnsupConfig& u = a.config;
  SageTrainConfig& c = u.train;
  c.fanouts = parse_fanouts(a.fanouts, a.layers);
  c.progress = !a.quiet;
  if (a.unsupervised) {
    if (!c.split.empty())
      throw UsageError(
          "--split does not apply with --unsupervised: every node's walks are trained on "
          "(labels, if any, only score the final embeddings)");
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
      std::fprintf(stderr, "grl: warning: %s: %s\n", a.features.c_str(),
                   render_fields(w, flag_for).c_str());
    FeatureTableReport rep;
    std::vector<float> v = e.encode(a.features, g, &rep);
    if (!a.quiet) print_table_report(a.features, e, rep);
    c.base_feature_dim = g.features.dim;
    c.feature_encoder_json = e.to_json();
    append_features(g, v, e.dim());
  }
  if (a.unsupervised) return sage_unsupervised(a, g, u);
  SageTrainResult r = train_sage(g, c);
  if (!a.quiet) {
    std::printf(
        "test  accuracy %.4f  f1-micro %.4f  f1-macro %.4f  recall-macro %.4f  (%lld nodes)\n",
        r.test.accuracy, r.test.f1_micro, r.test.f1_macro, r.test.recall_macro,
        static_cast<long long>(r.test.count));
    std::printf("best epoch %d (valid f1-micro %.4f); %d epochs in %.2f s, %s seeds/s on %s\n",
                r.best_epoch, r.valid.f1_micro, r.epochs, r.train_seconds,
                with_commas(std::llround(r.seeds_per_second)).c_str(), r.device.c_str());
    if (!c.save_path.empty()) std::printf("best model saved to %s\n", c.save_path.c_str());
  }
  if (a.json) {
    nlohmann::json j = {{"test_accuracy", r.test.accuracy},
                        {"test_f1_micro", r.test.f1_micro},
                        {"test_f1_macro", r.test.f1_macro},
                        {"test_recall_macro", r.test.recall_macro},
                        {"valid_f1_micro", r.valid.f1_micro},
                        {"best_epoch", r.best_epoch},
                        {"epochs", r.epochs},
                        {"train_seconds", r.train_seconds},
                        {"seeds_per_second", r.seeds_per_second},
                        {"device", r.device},
                        {"placement", r.placement},
                        {"feature_cache_hit_rate", r.feature_cache_hit_rate},
                        {"host_gather", host_gather_name(c.host_gather)},
                        {"engine_bytes", r.engine_bytes},
                        {"device_memory_used_bytes", r.device_memory_used_bytes},
                        {"stages", r.stages.json()}};
    // The last epoch's mean pre-clip gradient norm (measured only when clipping).
    if (c.clip_grad_norm > 0 && !r.history.empty()) j["grad_norm"] = r.history.back().grad_norm;
    std::cout << j.dump() << std::endl;
  }
  return 0;
}

int cmd_embed(const EmbedArgs& a) {
  SageModel m = SageModel::load(a.model);
  Graph g = load_graph_verbose(a.graph, false);
  apply_model_features(m, g, a.features, a.model);
  check_model_fits(m, g, a.model);
  std::vector<NodeId> nodes = select_nodes(g, a.nodes);
  std::unique_ptr<Backend> be = make_backend(a.device);
  // An unsupervised model's embedding is its (L2-normalised) output, not a hidden layer.
  const bool hidden = !a.logits && !m.arch().unsupervised;
  std::vector<float> h = sage_forward(*be, g, m, nodes, hidden, a.batch_size, a.seed);
  const int64_t dim = nodes.empty() ? 0 : static_cast<int64_t>(h.size() / nodes.size());
  std::vector<std::string> ids(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) ids[i] = g.ids.name(nodes[i]);
  for (const std::string& p : write_embeddings(a.out, ids, h, dim))
    std::fprintf(stderr, "wrote %s\n", p.c_str());
  std::fprintf(stderr, "embedded %zu nodes (%lld dimensions) on %s\n", nodes.size(),
               static_cast<long long>(dim), be->describe().c_str());
  return 0;
}

int cmd_predict(const EmbedArgs& a) {
  SageModel m = SageModel::load(a.model);
  if (m.arch().unsupervised)
    throw UsageError("the model " + a.model +
                     " was trained with --unsupervised and predicts no classes; use grl embed "
                     "(and grl eval) instead");
  Graph g = load_graph_verbose(a.graph, false);
  apply_model_features(m, g, a.features, a.model);
  check_model_fits(m, g, a.model);
  std::vector<NodeId> nodes = select_nodes(g, a.nodes);
  std::unique_ptr<Backend> be = make_backend(a.device);
  std::vector<float> z = sage_forward(*be, g, m, nodes, false, a.batch_size, a.seed);
  const int64_t C = m.arch().num_classes;
  auto name = [&](int64_t c) {
    return c < static_cast<int64_t>(m.class_names.size()) ? m.class_names[c] : std::to_string(c);
  };
  std::string text =
      m.arch().multi_label ? "node\tclasses\tprobabilities\n" : "node\tclass\tprobability\n";
  char buf[32];
  for (size_t i = 0; i < nodes.size(); ++i) {
    const float* zi = z.data() + i * C;
    text += g.ids.name(nodes[i]) + "\t";
    if (!m.arch().multi_label) {
      int64_t best = std::max_element(zi, zi + C) - zi;
      double sum = 0;
      for (int64_t c = 0; c < C; ++c) sum += std::exp(static_cast<double>(zi[c] - zi[best]));
      std::snprintf(buf, sizeof buf, "%.4f", 1.0 / sum);
      text += name(best) + "\t" + buf + "\n";
    } else {
      std::string classes, probs;
      for (int64_t c = 0; c < C; ++c)
        if (zi[c] > 0) {
          std::snprintf(buf, sizeof buf, "%.4f",
                        1.0 / (1.0 + std::exp(-static_cast<double>(zi[c]))));
          classes += (classes.empty() ? "" : ",") + name(c);
          probs += (probs.empty() ? "" : ",") + std::string(buf);
        }
      text += classes + "\t" + probs + "\n";
    }
  }
  write_file_atomic(a.out, text);
  std::fprintf(stderr, "wrote predictions for %zu nodes to %s\n", nodes.size(), a.out.c_str());
  return 0;
}

}  // namespace grl::cli
