// The grl subcommands. main.cpp parses flags (CLI11) into these plain structs; each command is
// implemented in its own file without CLI11, so the heavy parser is compiled once.
#pragma once
#include <string>

#include "host/io/loaders.h"

namespace grl::cli {

struct GraphArgs {
  std::string spec;
  bool directed = false;
  bool undirected = false;
  bool keep_self_loops = false;
  bool reverse_relations = false;
  std::string split_scheme;
  LoadOptions options() const;
};

// Loads the graph, printing what was loaded and how long it took to stderr unless quiet.
Graph load_graph_verbose(const GraphArgs& args, bool quiet);

struct InfoArgs {
  GraphArgs graph;
  bool json = false;
};
int cmd_info(const InfoArgs& args);

struct ConvertArgs {
  GraphArgs graph;
  std::string out;
};
int cmd_convert(const ConvertArgs& args);

struct DemoArgs {
  std::string workdir;
  std::string device = "auto";
  bool json = false;
};
int cmd_demo(const DemoArgs& args);

// Human-readable numbers: 1234567 -> "1,234,567".
std::string with_commas(long long v);

}  // namespace grl::cli
