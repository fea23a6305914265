// grl info, grl convert, grl demo.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/cli/output.h"
#include "host/core/error.h"
#include "host/io/synthetic.h"
#include "host/ops/backend.h"
#include "host/train/sage_trainer.h"

namespace grl::cli {

std::string with_commas(long long v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out = v < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

LoadOptions GraphArgs::options() const {
  LoadOptions o;
  if (directed && undirected) throw UsageError("--directed and --undirected contradict each other");
  if (directed) o.directed = true;
  if (undirected) o.directed = false;
  o.keep_self_loops = keep_self_loops;
  o.add_reverse_relations = reverse_relations;
  o.split_scheme = split_scheme;
  return o;
}

Graph load_graph_verbose(const GraphArgs& args, bool quiet) {
  auto t0 = std::chrono::steady_clock::now();
  Graph g = load_graph(args.spec, args.options());
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool weighted = g.csr.weighted();
  if (weighted && args.ignore_weights) {
    g.csr.weights = {};
    g.weights_ignored = true;
  }
  if (!quiet) {
    std::fprintf(stderr, "loaded %s: %s nodes, %s edges%s in %.2f s\n", args.spec.c_str(),
                 with_commas(g.num_nodes()).c_str(), with_commas(g.num_edges()).c_str(),
                 weighted ? " (weighted)" : "", s);
    if (args.draws && weighted)
      std::fprintf(stderr, "edge weights: %s\n",
                   g.weights_ignored ? "ignored (--ignore-weights): neighbours are drawn uniformly"
                                     : "used: neighbours are drawn in proportion to the weights "
                                       "(--ignore-weights draws uniformly)");
  }
  return g;
}

namespace {

nlohmann::json graph_summary(const Graph& g) {
  using nlohmann::json;
  json j;
  j["graph"] = g.source;
  j["nodes"] = g.num_nodes();
  j["ids"] = g.ids.rule();
  j["edges"] = g.num_edges();
  j["edge_entries"] = g.num_edge_entries();
  j["directed"] = g.directed;
  j["weighted"] = g.csr.weighted();
  j["feature_dim"] = g.features.dim;
  j["num_classes"] = g.labels.num_classes;
  j["multi_label"] = g.labels.multi_label;
  j["labelled_nodes"] = g.labels.num_labelled();
  j["label_assignments"] = g.labels.num_assignments();
  DegreeStats d = degree_stats(g.csr);
  j["degree"] = {{"min", d.min}, {"mean", d.mean}, {"max", d.max}, {"isolated", d.isolated}};
  json types = json::array();
  for (const NodeType& t : g.node_types) types.push_back({{"name", t.name}, {"count", t.count}});
  j["node_types"] = types;
  json rels = json::array();
  int64_t forward_edges = 0;
  bool reverse = false;
  for (const Relation& r : g.relations) {
    json e = {{"src", g.node_types[r.src_type].name},
              {"relation", r.name},
              {"dst", g.node_types[r.dst_type].name},
              {"edges", r.csr.num_edges()},
              {"reverse_of", nullptr}};
    if (r.reverse_of >= 0) {
      e["reverse_of"] = g.relations[r.reverse_of].name;
      reverse = true;
    } else {
      forward_edges += r.csr.num_edges();
    }
    rels.push_back(e);
  }
  j["edge_types"] = rels;
  if (!g.relations.empty()) {
    // The forward relations' edges: equal to "edges" unless relations share node pairs.
    j["relation_edges"] = forward_edges;
    j["reverse_relations"] = reverse;
  }
  j["split"] = {{"train", g.split.train.size()},
                {"valid", g.split.valid.size()},
                {"test", g.split.test.size()}};
  json stats = json::object();
  for (const auto& [k, v] : g.stats.counters) stats[k] = v;
  j["loader"] = stats;
  return j;
}

// Which rule named the nodes (graph.h, canonical_id), in words.
const char* ids_phrase(const IdMap& ids) {
  switch (ids.kind()) {
    case IdMap::Kind::kIdentity:
      return "ids 0..n-1";
    case IdMap::Kind::kInteger:
      return "integer ids, numbered by value";
    case IdMap::Kind::kString:
      return "string ids, numbered by first appearance";
  }
  return "";
}

void print_summary(const Graph& g, std::FILE* f = stdout) {
  DegreeStats d = degree_stats(g.csr);
  std::fprintf(f, "graph       %s\n", g.source.c_str());
  std::fprintf(f, "nodes       %s (%s)\n", with_commas(g.num_nodes()).c_str(), ids_phrase(g.ids));
  std::fprintf(f, "edges       %s (%s%s)\n", with_commas(g.num_edges()).c_str(),
               g.directed ? "directed" : "undirected", g.csr.weighted() ? ", weighted" : "");
  std::fprintf(f, "features    %s\n",
               g.features.empty() ? "none" : with_commas(g.features.dim).c_str());
  if (g.labels.empty()) {
    std::fprintf(f, "classes     none\n");
  } else {
    std::fprintf(f, "classes     %d (%s), %s labelled nodes", g.labels.num_classes,
                 g.labels.multi_label ? "multi-label" : "single-label",
                 with_commas(g.labels.num_labelled()).c_str());
    if (g.labels.multi_label)
      std::fprintf(f, ", %s memberships", with_commas(g.labels.num_assignments()).c_str());
    std::fprintf(f, "\n");
  }
  std::fprintf(f, "degree      min %lld, mean %.2f, max %lld, %s isolated\n",
               static_cast<long long>(d.min), d.mean, static_cast<long long>(d.max),
               with_commas(d.isolated).c_str());
  for (const NodeType& t : g.node_types)
    std::fprintf(f, "node type   %-12s %s\n", t.name.c_str(), with_commas(t.count).c_str());
  auto rel_name = [&](const Relation& r) {
    return g.node_types[r.src_type].name + "-" + r.name + "-" + g.node_types[r.dst_type].name;
  };
  int64_t forward_edges = 0, forward = 0, reverse = 0;
  for (const Relation& r : g.relations) {
    std::string note;
    if (r.reverse_of >= 0) {
      note = "  reverse of " + rel_name(g.relations[r.reverse_of]);
      ++reverse;
    } else {
      forward_edges += r.csr.num_edges();
      ++forward;
    }
    std::fprintf(f, "edge type   %-32s %12s%s\n", rel_name(r).c_str(),
                 with_commas(r.csr.num_edges()).c_str(), note.c_str());
  }
  if (!g.relations.empty()) {
    std::fprintf(f, "relations   %lld, %s edges", static_cast<long long>(forward),
                 with_commas(forward_edges).c_str());
    if (reverse > 0)
      std::fprintf(f, "; %lld reverse relations repeat them the other way",
                   static_cast<long long>(reverse));
    if (forward_edges == g.num_edges())
      std::fprintf(f, "; together the graph's %s edges\n", with_commas(g.num_edges()).c_str());
    else
      std::fprintf(f, "; the graph's %s edges merge the pairs that several relations share\n",
                   with_commas(g.num_edges()).c_str());
  }
  if (g.split.empty())
    std::fprintf(f, "split       none in the data (trainers make a random one)\n");
  else
    std::fprintf(
        f, "split       train %s, valid %s, test %s\n", with_commas(g.split.train.size()).c_str(),
        with_commas(g.split.valid.size()).c_str(), with_commas(g.split.test.size()).c_str());
  if (!g.stats.counters.empty()) {
    std::fprintf(f, "loader     ");
    for (const auto& [k, v] : g.stats.counters)
      std::fprintf(f, " %s=%s", k.c_str(), with_commas(v).c_str());
    std::fprintf(f, "\n");
  }
}

}  // namespace

int cmd_info(const InfoArgs& args) {
  Graph g = load_graph_verbose(args.graph, args.json);
  if (!args.json) {
    print_summary(g);
    return 0;
  }
  Output out(true, false);
  out.summary() = summary_header("info", args.graph.spec);
  out.summary().update(graph_summary(g));
  out.finish();
  return 0;
}

int cmd_convert(const ConvertArgs& args) {
  check_output_directory(args.out, "--out");
  Output out(args.json, args.quiet);
  Graph g = load_graph_verbose(args.graph, args.quiet);
  auto t0 = std::chrono::steady_clock::now();
  save_grl(g, args.out);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.result("wrote %s/graph.grl in %.2f s; load it with --graph grl:%s\n", args.out.c_str(), s,
             args.out.c_str());
  out.summary() = summary_header("convert", args.graph.spec);
  out.summary()["out"] = args.out;
  out.summary()["written"] = {args.out + "/graph.grl"};
  out.summary()["nodes"] = g.num_nodes();
  out.summary()["edges"] = g.num_edges();
  out.summary()["seconds"] = s;
  out.finish();
  return 0;
}

int cmd_demo(const DemoArgs& args) {
  check_device(args.device);
  const std::string dir = args.workdir.empty()
                              ? (std::filesystem::temp_directory_path() / "grl-demo").string()
                              : args.workdir;
  check_output_directory(dir, "--workdir");
  Output out(args.json, false);
  std::FILE* people = args.json ? stderr : stdout;
  std::string spec = default_demo_spec();
  out.result("grl demo: %s\n\n", spec.c_str());
  GraphArgs ga;
  ga.spec = spec;
  Graph g = load_graph_verbose(ga, false);
  auto t0 = std::chrono::steady_clock::now();
  save_grl(g, dir);
  double ws = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t0 = std::chrono::steady_clock::now();
  Graph h = load_grl(dir);
  h.source = "grl:" + dir;
  double rs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "converted to %s/graph.grl in %.2f s and reloaded in %.3f s\n\n",
               dir.c_str(), ws, rs);
  if (h.num_nodes() != g.num_nodes() || h.num_edge_entries() != g.num_edge_entries())
    throw Error("demo: the reloaded graph differs from the generated one");
  print_summary(h, people);

  out.result("\ntraining GraphSAGE (mean aggregator, fanouts 25,10, hidden 256) ...\n");
  std::fflush(people);
  SageTrainConfig c;
  c.epochs = 10;
  c.device = args.device;
  SageTrainResult r = train_sage(h, c);
  out.result("\ntest accuracy %.4f, f1-micro %.4f, f1-macro %.4f on %lld held-out nodes\n",
             r.test.accuracy, r.test.f1_micro, r.test.f1_macro,
             static_cast<long long>(r.test.count));
  out.result("throughput %s seeds/s (%d epochs in %.2f s) on %s, %s\n",
             with_commas(std::llround(r.seeds_per_second)).c_str(), r.epochs, r.train_seconds,
             r.device.c_str(), threads_phrase(r.threads_used).c_str());
  out.result("\nnext: grl sage --graph edgelist:YOUR_EDGES.txt ... (see grl --help)\n");
  out.summary() = summary_header("demo", spec);
  out.summary().update({{"test_accuracy", r.test.accuracy},
                        {"test_f1_micro", r.test.f1_micro},
                        {"test_f1_macro", r.test.f1_macro},
                        {"seeds_per_second", r.seeds_per_second},
                        {"train_seconds", r.train_seconds},
                        {"device", r.device}});
  out.summary()["threads"]["used"] = r.threads_used;
  out.finish();
  return 0;
}

}  // namespace grl::cli
