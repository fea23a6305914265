// The grl subcommands. main.cpp parses flags (CLI11) into these plain structs; each command is
// implemented in its own file without CLI11, so the heavy parser is compiled once.
#pragma once
#include <string>
#include <vector>

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

struct SageArgs {
  GraphArgs graph;
  std::string aggr = "mean";
  std::string fanouts = "25,10";
  int layers = 0;  // 0: one per fanout
  int64_t hidden = 256;
  int64_t lstm_hidden = 128;
  std::string graph_placement = "auto", feature_placement = "auto";
  int prefetch = 2;
  double feature_cache_gb = 0.0;
  std::string host_gather = "zero-copy";
  int64_t batch_size = 512;
  int epochs = 30;
  float lr = 0.01f;
  float dropout = 0.5f;
  float weight_decay = 5e-4f;
  std::string optimizer = "adam";
  float momentum = 0.9f;
  float clip_grad_norm = 0.0f;  // 0: off
  bool normalize = false;
  bool replace = false;
  bool tf32 = false;
  std::string split;
  std::string device = "auto";
  uint64_t seed = 0;
  std::string save;
  bool json = false;
  bool quiet = false;
  std::string lr_schedule = "constant";
  int lr_step_epochs = 10;
  double lr_gamma = 0.5;
  std::string features;  // attribute table (CSV)
  std::string id_column;
  std::vector<std::string> categorical;
  bool standardize = false;
  std::string labels;  // "node label" file
  // Unsupervised GraphSAGE; the options below are -1 when not given (their defaults are in
  // SageUnsupConfig) and an error without --unsupervised.
  bool unsupervised = false;
  int64_t dim = -1;
  int negatives = -1;
  int walk_length = -1;
  int walks_per_node = -1;
};
int cmd_sage(const SageArgs& args);

struct EmbedArgs {
  GraphArgs graph;
  std::string model;
  std::string nodes;  // file of node ids; empty = all nodes
  std::string out;
  std::string device = "auto";
  int64_t batch_size = 1024;
  uint64_t seed = 0;
  bool logits = false;   // predict uses logits; embed the last hidden layer
  std::string features;  // attribute table, when the model was trained with one
};
int cmd_embed(const EmbedArgs& args);
int cmd_predict(const EmbedArgs& args);

struct WalkArgs {
  GraphArgs graph;
  std::string method = "deepwalk";
  std::vector<std::string> metapaths;
  float p = 1.0f, q = 1.0f;
  int walk_length = 80, walks_per_node = 10, window = 5, negatives = 5, dim = 128, epochs = 1;
  float lr = 0.025f;
  double sample = 1e-3;
  bool atomic_updates = false;
  bool share_negatives = false;
  int shared_span = 0;
  bool l1_reads = false;
  bool ordered_starts = false;
  int model_warps = 0;
  int model_l1_rows = 0;
  std::string partitions = "auto";  // a positive count or "auto"
  std::string device = "auto";
  uint64_t seed = 0;
  std::string out;
  bool json = false;
  bool quiet = false;
};
int cmd_walk(const WalkArgs& args);

struct EvalArgs {
  std::string embeddings;
  std::string labels;  // a graph spec with labels, or a "node label" file
  std::string train_ratios = "0.1,0.5,0.9";
  int repeats = 10;
  uint64_t seed = 0;
  bool json = false;
  GraphArgs graph;  // loader options for a labels spec
};
int cmd_eval(const EvalArgs& args);

// Node names as grl writes them: the external id, prefixed "type:" for heterogeneous graphs.
std::string node_name(const Graph& g, NodeId v);

struct DemoArgs {
  std::string workdir;
  std::string device = "auto";
  bool json = false;
};
int cmd_demo(const DemoArgs& args);

// Human-readable numbers: 1234567 -> "1,234,567".
std::string with_commas(long long v);

}  // namespace grl::cli
