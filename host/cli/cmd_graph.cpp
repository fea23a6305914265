// grl info, grl convert, grl demo.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/core/error.h"
#include "host/io/synthetic.h"
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
  if (!quiet)
    std::fprintf(stderr, "loaded %s: %s nodes, %s edges in %.2f s\n", args.spec.c_str(),
                 with_commas(g.num_nodes()).c_str(), with_commas(g.num_edges()).c_str(), s);
  return g;
}

namespace {

nlohmann::json graph_summary(const Graph& g) {
  using nlohmann::json;
  json j;
  j["graph"] = g.source;
  j["nodes"] = g.num_nodes();
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
  for (const Relation& r : g.relations)
    rels.push_back({{"src", g.node_types[r.src_type].name},
                    {"relation", r.name},
                    {"dst", g.node_types[r.dst_type].name},
                    {"edges", r.csr.num_edges()}});
  j["edge_types"] = rels;
  j["split"] = {{"train", g.split.train.size()},
                {"valid", g.split.valid.size()},
                {"test", g.split.test.size()}};
  json stats = json::object();
  for (const auto& [k, v] : g.stats.counters) stats[k] = v;
  j["loader"] = stats;
  return j;
}

void print_summary(const Graph& g) {
  DegreeStats d = degree_stats(g.csr);
  std::printf("graph       %s\n", g.source.c_str());
  std::printf("nodes       %s\n", with_commas(g.num_nodes()).c_str());
  std::printf("edges       %s (%s%s)\n", with_commas(g.num_edges()).c_str(),
              g.directed ? "directed" : "undirected", g.csr.weighted() ? ", weighted" : "");
  std::printf("features    %s\n",
              g.features.empty() ? "none" : with_commas(g.features.dim).c_str());
  if (g.labels.empty()) {
    std::printf("classes     none\n");
  } else {
    std::printf("classes     %d (%s), %s labelled nodes", g.labels.num_classes,
                g.labels.multi_label ? "multi-label" : "single-label",
                with_commas(g.labels.num_labelled()).c_str());
    if (g.labels.multi_label)
      std::printf(", %s memberships", with_commas(g.labels.num_assignments()).c_str());
    std::printf("\n");
  }
  std::printf("degree      min %lld, mean %.2f, max %lld, %s isolated\n",
              static_cast<long long>(d.min), d.mean, static_cast<long long>(d.max),
              with_commas(d.isolated).c_str());
  for (const NodeType& t : g.node_types)
    std::printf("node type   %-12s %s\n", t.name.c_str(), with_commas(t.count).c_str());
  for (const Relation& r : g.relations)
    std::printf("edge type   %s-%s-%s  %s\n", g.node_types[r.src_type].name.c_str(), r.name.c_str(),
                g.node_types[r.dst_type].name.c_str(), with_commas(r.csr.num_edges()).c_str());
  if (g.split.empty())
    std::printf("split       none in the data (trainers make a random one)\n");
  else
    std::printf(
        "split       train %s, valid %s, test %s\n", with_commas(g.split.train.size()).c_str(),
        with_commas(g.split.valid.size()).c_str(), with_commas(g.split.test.size()).c_str());
  if (!g.stats.counters.empty()) {
    std::printf("loader     ");
    for (const auto& [k, v] : g.stats.counters)
      std::printf(" %s=%s", k.c_str(), with_commas(v).c_str());
    std::printf("\n");
  }
}

}  // namespace

int cmd_info(const InfoArgs& args) {
  Graph g = load_graph_verbose(args.graph, args.json);
  if (args.json)
    std::cout << graph_summary(g).dump() << std::endl;
  else
    print_summary(g);
  return 0;
}

int cmd_convert(const ConvertArgs& args) {
  Graph g = load_graph_verbose(args.graph, false);
  auto t0 = std::chrono::steady_clock::now();
  save_grl(g, args.out);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "wrote %s/graph.grl in %.2f s; load it with --graph grl:%s\n",
               args.out.c_str(), s, args.out.c_str());
  return 0;
}

int cmd_demo(const DemoArgs& args) {
  std::string spec = default_demo_spec();
  std::printf("grl demo: %s\n\n", spec.c_str());
  GraphArgs ga;
  ga.spec = spec;
  Graph g = load_graph_verbose(ga, false);
  std::string dir = args.workdir.empty()
                        ? (std::filesystem::temp_directory_path() / "grl-demo").string()
                        : args.workdir;
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
  print_summary(h);

  std::printf("\ntraining GraphSAGE (mean aggregator, fanouts 25,10, hidden 256) ...\n");
  std::fflush(stdout);
  SageTrainConfig c;
  c.epochs = 10;
  c.device = args.device;
  SageTrainResult r = train_sage(h, c);
  std::printf("\ntest accuracy %.4f, f1-micro %.4f, f1-macro %.4f on %lld held-out nodes\n",
              r.test.accuracy, r.test.f1_micro, r.test.f1_macro,
              static_cast<long long>(r.test.count));
  std::printf("throughput %s seeds/s (%d epochs in %.2f s) on %s\n",
              with_commas(std::llround(r.seeds_per_second)).c_str(), r.epochs, r.train_seconds,
              r.device.c_str());
  std::printf("\nnext: grl sage --graph edgelist:YOUR_EDGES.txt ... (see grl --help)\n");
  if (args.json) {
    nlohmann::json j = {
        {"test_accuracy", r.test.accuracy}, {"test_f1_micro", r.test.f1_micro},
        {"test_f1_macro", r.test.f1_macro}, {"seeds_per_second", r.seeds_per_second},
        {"train_seconds", r.train_seconds}, {"device", r.device}};
    std::cout << j.dump() << std::endl;
  }
  return 0;
}

}  // namespace grl::cli
