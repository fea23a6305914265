// grl: command-line entry point. Parses flags with CLI11 and dispatches to the commands in
// host/cli/*.cpp. Every error ends in one line "grl: error: ..." and a non-zero exit status.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "host/cli/commands.h"
#include "host/core/error.h"

namespace {

using grl::cli::GraphArgs;

void add_graph_options(CLI::App* cmd, GraphArgs& g) {
  cmd->add_option("--graph,-g", g.spec, "Graph spec KIND:ARG (see `grl --help`)")->required();
  cmd->add_flag("--directed", g.directed, "Keep edge direction (default: undirected)");
  cmd->add_flag("--undirected", g.undirected, "Store every edge in both directions (default)");
  cmd->add_flag("--keep-self-loops", g.keep_self_loops, "Keep self-loops (default: dropped, counted)");
  cmd->add_flag("--reverse-relations", g.reverse_relations,
                "hetero: add a reverse relation for every relation file");
  cmd->add_option("--split-scheme", g.split_scheme, "ogb: which split/<scheme>/ to use");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "grl: graph representation learning on large graphs (GraphSAGE, skip-gram embeddings) "
      "with hand-written CUDA kernels and a CPU fallback."};
  app.footer(std::string("\n") + grl::graph_spec_help() +
             "\nExamples:\n"
             "  grl demo\n"
             "  grl info --graph planetoid:$GRL_DATASETS/cora/cora\n"
             "  grl convert --graph edgelist:edges.txt --out graphs/mine\n");
  app.require_subcommand(1);
  app.set_version_flag("--version", "grl 0.1.0");

  grl::cli::InfoArgs info;
  auto* c_info = app.add_subcommand("info", "Print a graph's size, types, features, labels and degrees");
  add_graph_options(c_info, info.graph);
  c_info->add_flag("--json", info.json, "Print one JSON object instead of a table");

  grl::cli::ConvertArgs convert;
  auto* c_convert = app.add_subcommand(
      "convert", "Convert any graph spec to grl's binary format (fast, memory-mapped loading)");
  add_graph_options(c_convert, convert.graph);
  c_convert->add_option("--out,-o", convert.out, "Output directory (load it as grl:DIR)")->required();

  grl::cli::DemoArgs demo;
  auto* c_demo = app.add_subcommand(
      "demo", "Generate the built-in synthetic graph, convert and reload it, and print its stats");
  c_demo->add_option("--workdir", demo.workdir, "Where to write the converted graph (default: $TMPDIR/grl-demo)");
  c_demo->add_option("--device", demo.device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  c_demo->add_flag("--json", demo.json, "End with a one-line JSON summary");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*c_info) return grl::cli::cmd_info(info);
    if (*c_convert) return grl::cli::cmd_convert(convert);
    if (*c_demo) return grl::cli::cmd_demo(demo);
  } catch (const grl::UsageError& e) {
    std::fprintf(stderr, "grl: error: %s\n", e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "grl: error: out of host memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grl: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
