// The grl subcommands. main.cpp parses flags (CLI11) into these plain structs; each command is
// implemented in its own file without CLI11, so the heavy parser is compiled once.
#pragma once
#include <string>
#include <vector>

#include "host/io/label_file.h"
#include "host/io/loaders.h"
#include "host/train/embedding_eval.h"
#include "host/train/link_prediction.h"
#include "host/train/sage_config.h"
#include "host/train/skipgram.h"

namespace grl::cli {

struct GraphArgs {
  std::string spec;
  bool directed = false;
  bool undirected = false;
  bool keep_self_loops = false;
  bool reverse_relations = false;
  std::string split_scheme;
  // Commands that draw neighbours (walks, sampling) take --ignore-weights and say how they
  // treat the weights when the graph has them.
  bool draws = false;
  bool ignore_weights = false;
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
  bool json = false;
  bool quiet = false;
};
int cmd_convert(const ConvertArgs& args);

// grl sage: the trainer's configuration is filled in directly by the flags (config.train is the
// supervised configuration and the part unsupervised training shares); what is kept here is
// only what the command line adds: strings it parses and the attribute table.
struct SageArgs {
  GraphArgs graph;
  SageUnsupConfig config;
  std::string fanouts = "25,10";
  int layers = -1;  // not given: one per fanout
  bool json = false;
  bool quiet = false;
  std::string features;  // attribute table (CSV)
  std::string id_column;
  std::vector<std::string> categorical;
  bool standardize = false;
  std::string labels;  // "node label" file
  LabelMode label_mode = LabelMode::kAuto;
  bool unsupervised = false;
  // Set by the parser: one of the options that apply only with --unsupervised was given.
  bool unsupervised_options_given = false;
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
  InferenceMode inference = InferenceMode::kAuto;
  bool logits = false;         // predict uses logits; embed the last hidden layer
  std::string features;        // attribute table, when the model was trained with one
  bool probabilities = false;  // predict: every class's probability, one column each
  bool json = false;
  bool quiet = false;
};
int cmd_embed(const EmbedArgs& args);
int cmd_predict(const EmbedArgs& args);

// grl walk: the flags fill the trainer's configuration directly.
struct WalkArgs {
  GraphArgs graph;
  SkipgramConfig config;
  std::string partitions = "auto";                              // a positive count or "auto"
  bool node2vec_options_given = false, metapath_given = false;  // set by the parser
  std::string out;
  bool json = false;
  bool quiet = false;
};
int cmd_walk(const WalkArgs& args);

// grl eval: node classification (--task node, the default) or link prediction (--task link).
struct EvalArgs {
  std::string task = "node";
  std::string embeddings;
  std::string labels;  // a graph spec with labels, or a "node label" file
  std::string train_ratios = "0.1,0.5,0.9";
  EvalConfig config;
  LabelMode label_mode = LabelMode::kAuto;  // a "node label" file: one or several per node
  bool json = false;
  bool quiet = false;  // no progress lines on stderr (the result is still printed)
  GraphArgs graph;     // loader options for a labels spec
  // --task link: the labelled pairs (grl split-edges' test_edges.tsv) and the K of Hits@K.
  std::string edges;
  std::string hits = "10,50,100";
  // Set by the parser: which options were given, so one task's options are refused by the
  // other and --repeats keeps a default per task.
  bool repeats_given = false;
  std::vector<std::string> node_options_given, link_options_given;
};
int cmd_eval(const EvalArgs& args);
int cmd_eval_link(const EvalArgs& args);

// grl split-edges: a link-prediction task from a graph (host/train/link_prediction.h).
struct SplitEdgesArgs {
  GraphArgs graph;
  EdgeSplitConfig config;
  std::string out;
  bool json = false;
  bool quiet = false;
};
int cmd_split_edges(const SplitEdgesArgs& args);

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

// Output paths, checked before anything is loaded (host/cli/outputs.cpp): the directory exists
// and is writable, the name is not a directory; embeddings also need a known extension (and the
// ids file beside a .npy); an output directory may be created (its nearest existing ancestor
// must be writable). `flag` names the option in the message.
void check_output_file(const std::string& path, const std::string& flag);
void check_embeddings_output(const std::string& path, const std::string& flag);
void check_output_directory(const std::string& dir, const std::string& flag);

// The flag that sets a configuration field (host/core/error.h's {field} tokens): "--" and the
// field with '-' for '_', but for the few whose flag reads differently.
std::string flag_for(const std::string& field);

}  // namespace grl::cli
