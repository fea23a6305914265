// grl split-edges (a link-prediction task from a graph: residual graph plus labelled test
// pairs) and grl eval --task link (node2vec's and OGB's scores of embeddings on those pairs).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "host/cli/commands.h"
#include "host/cli/output.h"
#include "host/core/error.h"
#include "host/io/embedding_io.h"
#include "host/io/text_reader.h"
#include "host/train/link_prediction.h"

namespace grl::cli {

namespace {

std::vector<int64_t> parse_hits(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    int64_t k = 0;
    if (!try_parse_int(part, k) || k < 1)
      throw UsageError("--hits '" + s + "': '" + part + "' is not a positive integer");
    out.push_back(k);
  }
  if (out.empty()) throw UsageError("--hits is empty");
  return out;
}

}  // namespace

int cmd_split_edges(const SplitEdgesArgs& a) {
  // Every flag is checked before the graph is loaded, which can take minutes.
  validate(a.config);
  if (a.graph.directed) throw UsageError("--directed: split-edges splits undirected graphs only");
  (void)a.graph.options();  // throws for --directed with --undirected
  check_output_directory(a.out, "--out");
  Output out(a.json, a.quiet);
  Graph g = load_graph_verbose(a.graph, a.quiet);
  const auto t0 = std::chrono::steady_clock::now();
  EdgeSplit s = split_edges(g, a.config);
  // Each file is written atomically, but not the two together: the pairs of an earlier split go
  // first, so a run that fails between them leaves no pairs file rather than one whose held-out
  // edges are in the new residual graph.
  const std::string pairs_path = a.out + "/test_edges.tsv";
  std::error_code ec;
  std::filesystem::remove(pairs_path, ec);
  if (ec)
    throw InputError(pairs_path, 0, "cannot remove the previous split's pairs: " + ec.message());
  save_grl(s.residual, a.out);
  write_link_pairs(pairs_path, g, s);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int64_t residual_edges = s.residual.num_edges();
  out.result(
      "held out %s of %s edges as positives, sampled %s non-edges as negatives; "
      "residual graph %s edges (%.2f s): grl:%s, pairs in %s\n",
      with_commas(static_cast<long long>(s.positives.size())).c_str(), with_commas(s.edges).c_str(),
      with_commas(static_cast<long long>(s.negatives.size())).c_str(),
      with_commas(residual_edges).c_str(), secs, a.out.c_str(), pairs_path.c_str());
  nlohmann::json& j = out.summary();
  j = summary_header("split-edges", a.graph.spec);
  j["config"] = {{"fraction", a.config.fraction},
                 {"negatives_per_positive", a.config.negatives_per_positive},
                 {"seed", a.config.seed},
                 {"out", a.out}};
  j["test_edges"] = pairs_path;
  j["nodes"] = g.num_nodes();
  j["edges"] = s.edges;
  j["held_out"] = s.positives.size();
  j["negatives"] = s.negatives.size();
  j["residual_edges"] = residual_edges;
  j["forest_edges"] = s.protected_edges;
  j["seconds"] = secs;
  out.finish();
  return 0;
}

int cmd_eval_link(const EvalArgs& a) {
  if (!a.node_options_given.empty())
    throw UsageError(a.node_options_given.front() + " applies to --task node only");
  if (a.edges.empty()) throw UsageError("--task link needs --edges (grl split-edges' test pairs)");
  LinkEvalConfig cfg;
  cfg.hits_at = parse_hits(a.hits);
  cfg.repeats = a.repeats_given ? a.config.repeats : cfg.repeats;
  cfg.C = a.config.C;
  cfg.seed = a.config.seed;
  validate(cfg);

  std::vector<std::string> ids;
  std::vector<float> values;
  int64_t dim = 0;
  read_embeddings(a.embeddings, ids, values, dim);
  // Names compare as canonical ids, as in node evaluation; read_embeddings has refused an id
  // that appears twice.
  std::unordered_map<std::string, int64_t> row_of;
  row_of.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) row_of.emplace(canonical_id(ids[i]), i);
  LinkPairs pairs = read_link_pairs(a.edges, row_of, a.embeddings);
  Output out(a.json, a.quiet);
  if (!a.quiet)
    std::fprintf(stderr, "scoring %lld labelled pairs of %s with %zu %lld-dimensional embeddings\n",
                 static_cast<long long>(pairs.size()), a.edges.c_str(), ids.size(),
                 static_cast<long long>(dim));
  LinkEvalResult r = evaluate_link_prediction(values, dim, pairs, cfg);
  nlohmann::json auc = nlohmann::json::object(), sd = nlohmann::json::object(),
                 hits = nlohmann::json::object();
  for (const OperatorAuc& o : r.auc) {
    auc[edge_operator_name(o.op)] = o.mean;
    sd[edge_operator_name(o.op)] = o.std;
  }
  auc["dot"] = r.dot_auc;
  for (const auto& [k, v] : r.ranking.hits) hits[std::to_string(k)] = v;
  nlohmann::json& j = out.summary();
  j = summary_header("eval", "");
  j["task"] = "link";
  j["embeddings"] = a.embeddings;
  j["edges"] = a.edges;
  j["config"] = {{"repeats", cfg.repeats}, {"seed", cfg.seed}, {"hits", cfg.hits_at}};
  j["positives"] = r.positives;
  j["negatives"] = r.negatives;
  j["train_pairs"] = r.train_pairs;
  j["test_pairs"] = r.test_pairs;
  j["roc_auc"] = auc;
  j["roc_auc_std"] = sd;
  j["hits"] = hits;
  j["mrr"] = r.ranking.mrr;
  // What was measured goes to stderr, so stdout is one line per metric.
  if (!a.quiet)
    std::fprintf(stderr,
                 "node2vec: logistic regression on edge features, %lld train / %lld test pairs, "
                 "%d random split%s\n",
                 static_cast<long long>(r.train_pairs), static_cast<long long>(r.test_pairs),
                 cfg.repeats, cfg.repeats == 1 ? "" : "s");
  for (const OperatorAuc& o : r.auc)
    out.result("%-9s ROC-AUC %.4f +- %.4f\n", edge_operator_name(o.op), o.mean, o.std);
  if (!a.quiet)
    std::fprintf(stderr, "OGB: dot-product scores of all %lld positive and %lld negative pairs\n",
                 static_cast<long long>(r.positives), static_cast<long long>(r.negatives));
  out.result("dot       ROC-AUC %.4f\n", r.dot_auc);
  for (const auto& [k, v] : r.ranking.hits)
    out.result("Hits@%-4lld %.4f\n", static_cast<long long>(k), v);
  out.result("MRR       %.4f\n", r.ranking.mrr);
  out.finish();
  return 0;
}

}  // namespace grl::cli
