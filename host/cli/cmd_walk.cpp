// grl walk (skip-gram embeddings over random walks) and grl eval (node classification with
// embeddings; link prediction is in cmd_link.cpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "host/cli/commands.h"
#include "host/cli/output.h"
#include "host/core/error.h"
#include "host/dist/comm.h"
#include "host/io/embedding_io.h"
#include "host/io/label_file.h"
#include "host/io/text_reader.h"
#include "host/train/embedding_eval.h"
#include "host/train/skipgram.h"

namespace grl::cli {

std::string node_name(const Graph& g, NodeId v) {
  if (!g.heterogeneous()) return g.ids.name(v);
  return g.node_types[g.node_type_of(v)].name + ":" + g.ids.name(v);
}

namespace {

// --partitions: "auto" (0 in SkipgramConfig) or a positive count.
int parse_partitions(const std::string& s) {
  if (s == "auto") return 0;
  int64_t v = 0;
  if (!try_parse_int(s, v) || v < 1 || v > (int64_t{1} << 30))
    throw UsageError("--partitions '" + s + "': expected a positive number of partitions or auto");
  return static_cast<int>(v);
}

}  // namespace

int cmd_walk(const WalkArgs& a) {
  SkipgramConfig c = a.config;
  c.partitions = parse_partitions(a.partitions);
  // Flags a method ignores are mistakes even at their default value.
  if (a.node2vec_options_given && c.method != WalkMethod::kNode2vec)
    throw UsageError(std::string("--p and --q bias node2vec's walks; --method ") +
                     walk_method_name(c.method) + " does not use them");
  if (a.metapath_given && c.method != WalkMethod::kMetapath2vec &&
      c.method != WalkMethod::kMetapath2vecPP)
    throw UsageError(std::string("--metapath guides metapath2vec(++) walks; --method ") +
                     walk_method_name(c.method) + " does not use it");
  c.progress = !a.quiet;    // rank 0's (train_skipgram)
  c.comm = &Comm::world();  // under mpirun the ranks share the block rounds
  validate(c);
  check_embeddings_output(a.out, "--out");
  Graph g = load_graph_verbose(a.graph, a.quiet || !Comm::world().root());
  SkipgramResult r = train_skipgram(g, c);
  if (!Comm::world().root()) return 0;  // several ranks: rank 0 writes the one output
  const NodeId n = g.num_nodes();
  std::vector<std::string> ids(n);
  for (NodeId v = 0; v < n; ++v) ids[v] = node_name(g, v);
  std::vector<std::string> written = write_embeddings(a.out, ids, r.embeddings, r.dim);
  if (g.heterogeneous()) {
    // One file per node type as well (ids "type:id" as in the combined file).
    const size_t dot = a.out.rfind('.');
    for (const NodeType& t : g.node_types) {
      std::vector<std::string> tid(t.count);
      std::vector<float> tv(r.embeddings.begin() + int64_t{t.begin} * r.dim,
                            r.embeddings.begin() + int64_t{t.begin + t.count} * r.dim);
      for (NodeId k = 0; k < t.count; ++k) tid[k] = node_name(g, t.begin + k);
      for (const std::string& p : write_embeddings(
               a.out.substr(0, dot) + "." + t.name + a.out.substr(dot), tid, tv, r.dim))
        written.push_back(p);
    }
  }
  Output out(a.json, a.quiet);
  out.result(
      "%s: %lld nodes x %lld dims; %s positive pairs in %.2f s (%s pairs/s) on %s, %s; "
      "wrote %s%s\n",
      walk_method_name(c.method), static_cast<long long>(n), static_cast<long long>(r.dim),
      with_commas(static_cast<long long>(r.pairs)).c_str(), r.train_seconds,
      with_commas(std::llround(r.pairs_per_second)).c_str(), r.device.c_str(),
      threads_phrase(r.threads_used).c_str(), written[0].c_str(),
      written.size() > 1 ? " and the files beside it" : "");
  nlohmann::json& j = out.summary();
  j = summary_header("walk", a.graph.spec);
  j["config"] = {{"method", walk_method_name(c.method)},
                 {"walk_length", c.walk_length},
                 {"walks_per_node", c.walks_per_node},
                 {"window", c.window},
                 {"negatives", c.negatives},
                 {"dim", c.dim},
                 {"epochs", c.epochs},
                 {"lr", c.lr},
                 {"sample", c.sample},
                 {"seed", c.seed},
                 {"device", c.device},
                 {"partitions", a.partitions},
                 {"share_negatives", c.share_negatives},
                 {"ordered_starts", c.ordered_starts}};
  if (c.method == WalkMethod::kNode2vec) j["config"]["p"] = c.p, j["config"]["q"] = c.q;
  if (!c.metapaths.empty()) j["config"]["metapaths"] = c.metapaths;
  if (c.share_negatives) j["config"]["shared_span"] = c.shared_span;
  if (c.atomic_updates) j["config"]["atomic_updates"] = true;
  if (c.l1_reads) j["config"]["l1_reads"] = true;
  if (c.model_warps > 0) {
    j["config"]["model_warps"] = c.model_warps;
    j["config"]["model_l1_rows"] = c.model_l1_rows;
  }
  j["nodes"] = n;
  j["weights"] = weights_key(g.csr.weighted(), g.weights_ignored);
  j["written"] = written;
  j["pairs_per_second"] = r.pairs_per_second;
  j["walk_steps_per_second"] = r.walk_steps_per_second;
  j["train_seconds"] = r.train_seconds;
  j["device"] = r.device;
  j["threads"]["used"] = r.threads_used;
  j["pairs"] = r.pairs;
  j["walks"] = r.walks;
  j["walks_ended_early"] = r.ended_early;
  j["loss"] = r.loss;
  j["partitions"] = r.partitions;
  if (r.swap_bytes > 0) j["swap_bytes"] = r.swap_bytes;
  j["ranks"] = r.ranks;
  if (r.ranks > 1) j["exchange_bytes"] = r.exchange_bytes;
  if (!r.block_transport.empty()) j["block_transport"] = r.block_transport;
  out.finish();
  return 0;
}

namespace {

std::vector<double> parse_ratios(const std::string& s) {
  std::vector<double> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    double v = 0;
    if (!try_parse_double(part, v) || !(v > 0 && v < 1))
      throw UsageError("--train-ratio '" + s + "': '" + part + "' is not a fraction in (0, 1)");
    out.push_back(v);
  }
  if (out.empty()) throw UsageError("--train-ratio is empty");
  return out;
}

// Labels by node name, from a graph spec or a plain "node label" file.
NamedLabels load_labels(const EvalArgs& a) {
  const size_t colon = a.labels.find(':');
  if (file_exists(a.labels) || colon == std::string::npos)
    return read_label_file(a.labels, a.label_mode);
  GraphArgs ga = a.graph;
  ga.spec = a.labels;
  Graph g = load_graph_verbose(ga, true);
  if (g.labels.empty()) throw UsageError("the graph " + a.labels + " has no labels");
  NamedLabels out;
  out.class_names = g.labels.class_names;
  out.class_names.resize(g.labels.num_classes);
  for (int32_t c = 0; c < g.labels.num_classes; ++c)
    if (out.class_names[c].empty()) out.class_names[c] = std::to_string(c);
  out.multi_label = g.labels.multi_label;
  for (NodeId v = 0; v < g.num_nodes(); ++v) {
    if (!g.labels.has_label(v)) continue;
    std::vector<int32_t>& l = out.by_name[node_name(g, v)];
    if (g.labels.multi_label)
      for (int64_t k = g.labels.multi_offsets[v]; k < g.labels.multi_offsets[v + 1]; ++k)
        l.push_back(g.labels.multi_classes[k]);
    else
      l.push_back(g.labels.single[v]);
  }
  return out;
}

}  // namespace

int cmd_eval(const EvalArgs& a) {
  if (a.task == "link") return cmd_eval_link(a);
  if (!a.link_options_given.empty())
    throw UsageError(a.link_options_given.front() + " applies to --task link only");
  if (a.labels.empty()) throw UsageError("--labels is required (or --task link with --edges)");
  EvalConfig cfg = a.config;
  cfg.train_ratios = parse_ratios(a.train_ratios);
  if (cfg.repeats < 1) throw UsageError("--repeats must be at least 1");
  std::vector<std::string> ids;
  std::vector<float> values;
  int64_t dim = 0;
  read_embeddings(a.embeddings, ids, values, dim);
  NamedLabels labels = load_labels(a);
  std::vector<float> x;
  std::vector<std::vector<int32_t>> y;
  std::unordered_map<std::string, size_t> row_of;
  for (size_t i = 0; i < ids.size(); ++i) row_of.emplace(canonical_id(ids[i]), i);
  // Every labelled name: used when it was embedded, else skipped and counted (as grl sage does
  // for a label file's ids that are not in the graph). Rows in embedding order.
  std::vector<std::pair<size_t, const std::vector<int32_t>*>> rows_used;
  const LabelMatch match = match_labels(labels, [&](const std::string& name) {
    auto it = row_of.find(name);
    if (it != row_of.end()) rows_used.emplace_back(it->second, &labels.by_name.at(name));
    return it != row_of.end();
  });
  std::sort(rows_used.begin(), rows_used.end());
  for (const auto& [i, l] : rows_used) {
    x.insert(x.end(), values.begin() + i * dim, values.begin() + (i + 1) * dim);
    y.push_back(*l);
  }
  const int64_t n = match.used;
  if (n < 2)
    throw UsageError("only " + std::to_string(n) + " of the " + std::to_string(ids.size()) +
                     " embedded nodes have labels in " + a.labels + " (do the node ids match?)");
  const int num_classes = static_cast<int>(labels.class_names.size());
  if (!a.quiet) {
    std::fprintf(stderr, "labels from %s: %s\n", a.labels.c_str(),
                 describe_labels(match, "the embeddings").c_str());
    std::fprintf(stderr, "evaluating %lld labelled nodes of %zu embedded, %d repeats\n",
                 static_cast<long long>(n), ids.size(), cfg.repeats);
  }
  Output out(a.json, a.quiet);
  std::vector<EvalRow> rows =
      evaluate_embeddings(x, n, dim, y, num_classes, labels.multi_label, cfg);
  nlohmann::json j = nlohmann::json::array();
  for (const EvalRow& r : rows) {
    out.result(
        "train %4.0f%%  micro-F1 %.4f +- %.4f  macro-F1 %.4f +- %.4f  (%lld train / %lld test)\n",
        100 * r.ratio, r.micro_mean, r.micro_std, r.macro_mean, r.macro_std,
        static_cast<long long>(r.train), static_cast<long long>(r.test));
    j.push_back({{"train_ratio", r.ratio},
                 {"micro_f1", r.micro_mean},
                 {"micro_f1_std", r.micro_std},
                 {"macro_f1", r.macro_mean},
                 {"macro_f1_std", r.macro_std},
                 {"train", r.train},
                 {"test", r.test}});
  }
  out.summary() = summary_header("eval", "");
  out.summary()["task"] = "node";
  out.summary()["embeddings"] = a.embeddings;
  out.summary()["labels"] = a.labels;
  out.summary()["config"] = {{"train_ratios", cfg.train_ratios},
                             {"repeats", cfg.repeats},
                             {"seed", cfg.seed},
                             {"label_mode", label_mode_name(a.label_mode)}};
  out.summary()["multi_label"] = labels.multi_label;
  out.summary()["labelled_nodes_used"] = match.used;
  out.summary()["labelled_nodes_skipped"] = match.skipped;
  out.summary()["results"] = j;
  out.finish();
  return 0;
}

}  // namespace grl::cli
