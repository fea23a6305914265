// grl: command-line entry point. Parses flags with CLI11 and dispatches to the commands in
// host/cli/*.cpp. Every error ends in one line "grl: error: ..." and a non-zero exit status.
#include <sched.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "host/cli/commands.h"
#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/dist/comm.h"

namespace {

using grl::cli::GraphArgs;

// Enumerated options: the names on the command line, and what they set in a configuration.
const std::map<std::string, grl::SageAggregator> kAggregators = {
    {"mean", grl::SageAggregator::kMean},
    {"max", grl::SageAggregator::kMax},
    {"pool", grl::SageAggregator::kPool},
    {"lstm", grl::SageAggregator::kLstm}};
const std::map<std::string, grl::OptimizerKind> kOptimizers = {{"adam", grl::OptimizerKind::kAdam},
                                                               {"sgd", grl::OptimizerKind::kSgd}};
const std::map<std::string, grl::LrSchedule::Kind> kLrSchedules = {
    {"constant", grl::LrSchedule::kConstant},
    {"step", grl::LrSchedule::kStep},
    {"cosine", grl::LrSchedule::kCosine}};
const std::map<std::string, grl::Placement> kPlacements = {{"auto", grl::Placement::kAuto},
                                                           {"gpu", grl::Placement::kGpu},
                                                           {"host", grl::Placement::kHost}};
const std::map<std::string, grl::HostGather> kHostGathers = {
    {"zero-copy", grl::HostGather::kZeroCopy}, {"cpu", grl::HostGather::kCpu}};
const std::map<std::string, grl::LabelMode> kLabelModes = {{"auto", grl::LabelMode::kAuto},
                                                           {"single", grl::LabelMode::kSingle},
                                                           {"multi", grl::LabelMode::kMulti}};
const std::map<std::string, grl::FeatureNorm> kFeatureNorms = {{"auto", grl::FeatureNorm::kAuto},
                                                               {"row", grl::FeatureNorm::kRow},
                                                               {"none", grl::FeatureNorm::kNone}};
const std::map<std::string, grl::InferenceMode> kInferenceModes = {
    {"auto", grl::InferenceMode::kAuto},
    {"full", grl::InferenceMode::kFull},
    {"sampled", grl::InferenceMode::kSampled}};
const std::map<std::string, grl::WalkMethod> kWalkMethods = {
    {"deepwalk", grl::WalkMethod::kDeepWalk},
    {"node2vec", grl::WalkMethod::kNode2vec},
    {"metapath2vec", grl::WalkMethod::kMetapath2vec},
    {"metapath2vec++", grl::WalkMethod::kMetapath2vecPP}};

void add_graph_options(CLI::App* cmd, GraphArgs& g) {
  cmd->add_option("--graph,-g", g.spec, "Graph spec KIND:ARG (see `grl help specs`)")->required();
  cmd->add_flag("--directed", g.directed, "Keep edge direction (default: undirected)");
  cmd->add_flag("--undirected", g.undirected, "Store every edge in both directions (default)");
  cmd->add_flag("--keep-self-loops", g.keep_self_loops,
                "Keep self-loops (default: dropped, counted)");
  cmd->add_flag("--reverse-relations", g.reverse_relations,
                "hetero: add a reverse relation for every relation file");
  cmd->add_option("--split-scheme", g.split_scheme,
                  "ogb: which split/<scheme>/ to use (default: the only one there)");
}

// Commands that draw neighbours (walks, neighbour sampling) follow the edge weights by default.
void add_weight_options(CLI::App* cmd, GraphArgs& g) {
  g.draws = true;
  cmd->add_flag("--ignore-weights", g.ignore_weights,
                "Draw neighbours uniformly on a weighted graph (default: in proportion to the "
                "edge weights, which must be >= 0)");
}

// A seed is any integer in [0, 2^64 - 1]. CLI11 reads "-1" and "2^64" as 2^64 - 1, so two
// different seeds would silently be one: check the text first.
const CLI::Validator kSeed(
    [](std::string& s) -> std::string {
      const std::string max = "18446744073709551615";
      const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || s.size() > max.size() || (s.size() == max.size() && s > max))
        return "a seed is an integer in [0, 18446744073709551615], got '" + s + "'";
      return {};
    },
    "UINT64");

// Flags for benchmarks and quality studies, apart from the ones a user needs.
constexpr const char* kMeasurement = "Measurement (benchmarks and studies)";

// An enumerated option: its names in the help (not CLI11's map of numbers), and the check that
// turns a name into the value.
template <class E>
CLI::CheckedTransformer enum_names(const std::map<std::string, E>& names) {
  CLI::CheckedTransformer t(names);
  t.description("");
  return t;
}
template <class E>
std::string enum_type(const std::map<std::string, E>& names) {
  std::string s;
  for (const auto& [name, value] : names) s += (s.empty() ? "" : "|") + name;
  return s;
}

// embed's and predict's --inference (default auto).
void add_inference_option(CLI::App* cmd, grl::InferenceMode& mode) {
  cmd->add_option(
         "--inference", mode,
         "full: every neighbour, layer by layer over all nodes (exact, the same for any seed or "
         "batch size; as DGL's and PyG's layer-wise inference); sampled: each node's own "
         "sampled tree with the training fanouts; auto: full unless the aggregator is lstm, the "
         "graph's edge weights drew the training samples, the features sit in host memory or "
         "the full pass's memory is not free (the run says which it took and why)")
      ->transform(enum_names(kInferenceModes))
      ->type_name(enum_type(kInferenceModes))
      ->default_str("auto");
}

// The edit distance between two flags, for "did you mean".
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The option of `cmd` nearest to an unknown flag: a prefix of one (--epoch, --window for
// --window-size), or within two edits.
std::string nearest_flag(const CLI::App* cmd, const std::string& flag) {
  std::string best;
  size_t best_d = 3;
  for (const CLI::Option* o : cmd->get_options()) {
    for (const std::string& name : o->get_lnames()) {
      const std::string f = "--" + name;
      size_t d = distance(flag, f);
      if (f.rfind(flag, 0) == 0 || flag.rfind(f, 0) == 0) d = std::min<size_t>(d, 1);
      if (d < best_d) best_d = d, best = f;
    }
  }
  return best;
}

}  // namespace

namespace {
// "grl: error: ", with the rank when several train together.
std::string error_prefix() {
  const grl::Comm& w = grl::Comm::world();
  return w.size() > 1 ? "grl: rank " + std::to_string(w.rank()) + ": error: " : "grl: error: ";
}

int run(int argc, char** argv) {
  CLI::App app{
      "grl: graph representation learning on large graphs (GraphSAGE, skip-gram embeddings) "
      "with hand-written CUDA kernels and a CPU fallback."};
  app.require_subcommand(1);
  const std::string examples =
      "\nExamples:\n"
      "  grl demo\n"
      "  grl info --graph planetoid:$GRL_DATASETS/cora/cora\n"
      "  grl convert --graph edgelist:edges.txt --out graphs/mine\n"
      "  grl sage --graph planetoid:$GRL_DATASETS/cora/cora --save cora.grl\n"
      "  grl embed --model cora.grl --graph planetoid:$GRL_DATASETS/cora/cora --out cora.npy\n"
      "  grl walk --graph edgelist:edges.txt --out emb.npy\n"
      "  grl split-edges --graph blogcatalog:$GRL_DATASETS/blogcatalog --fraction 0.5 --out bc\n"
      "  grl walk --graph grl:bc --out bc.npy\n"
      "  grl eval --task link --embeddings bc.npy --edges bc/test_edges.tsv\n";
  app.set_version_flag("--version", "grl 0.1.0");

  grl::cli::InfoArgs info;
  auto* c_info =
      app.add_subcommand("info", "Print a graph's size, types, features, labels and degrees");
  add_graph_options(c_info, info.graph);
  c_info->add_flag("--json", info.json, "Print one JSON object instead of a table");

  grl::cli::ConvertArgs convert;
  auto* c_convert = app.add_subcommand(
      "convert", "Convert any graph spec to grl's binary format (fast, memory-mapped loading)");
  add_graph_options(c_convert, convert.graph);
  c_convert->add_option("--out,-o", convert.out, "Output directory (load it as grl:DIR)")
      ->required();
  c_convert->add_flag("--json", convert.json, "Print one JSON object on stdout");
  c_convert->add_flag("--quiet,-q", convert.quiet, "No progress output");

  grl::cli::SageArgs sage;
  grl::SageTrainConfig& st = sage.config.train;
  auto* c_sage = app.add_subcommand(
      "sage",
      "Train GraphSAGE (supervised node classification) and report test metrics, or node "
      "embeddings without labels (--unsupervised). Under mpirun -np N (or srun) the ranks train "
      "one model data parallel, each batch split between them; rank 0 reports and saves");
  add_graph_options(c_sage, sage.graph);
  add_weight_options(c_sage, sage.graph);
  c_sage
      ->add_option("--aggr", st.aggregator,
                   "Aggregator: mean, max, pool (max over a dense layer) or lstm (an LSTM over "
                   "the neighbours in a random order)")
      ->transform(enum_names(kAggregators))
      ->type_name(enum_type(kAggregators))
      ->default_str("mean");
  c_sage->add_option("--lstm-hidden", st.lstm_hidden, "lstm aggregator: LSTM units")
      ->capture_default_str();
  c_sage
      ->add_option("--fanouts", sage.fanouts,
                   "Neighbours sampled per hop, hop 1 first: 1 to 6 integers in [1, 255]")
      ->capture_default_str();
  c_sage->add_option("--layers", sage.layers,
                     "Number of layers, in [1, 6] (default: one per fanout; a single fanout is "
                     "repeated)");
  c_sage->add_option("--hidden", st.hidden, "Hidden width")->capture_default_str();
  c_sage->add_option("--batch-size", st.batch_size, "Seeds per minibatch")->capture_default_str();
  c_sage->add_option("--epochs", st.epochs, "Passes over the training nodes")
      ->capture_default_str();
  c_sage->add_option("--lr", st.lr, "Learning rate")->capture_default_str();
  c_sage
      ->add_option("--lr-schedule", st.lr_schedule.kind,
                   "constant, step (x gamma every N epochs) or cosine")
      ->transform(enum_names(kLrSchedules))
      ->type_name(enum_type(kLrSchedules))
      ->default_str("constant");
  c_sage
      ->add_option("--lr-step-epochs", st.lr_schedule.step_epochs,
                   "step schedule: epochs per decay")
      ->capture_default_str();
  c_sage->add_option("--lr-gamma", st.lr_schedule.gamma, "step schedule: decay factor")
      ->capture_default_str();
  c_sage->add_option("--dropout", st.dropout, "Dropout on hidden layers")->capture_default_str();
  c_sage
      ->add_option("--input-dropout", st.input_dropout,
                   "Dropout on the input features (one mask per node per step, shared by its "
                   "self and neighbour rows); default: 0.5 for --aggr mean (supervised), else 0")
      ->default_str("auto");
  c_sage
      ->add_option("--feature-norm", st.feature_norm,
                   "auto: row-normalise bag-of-words features (planetoid:; each row divided by "
                   "its sum, as PyG's NormalizeFeatures) for --aggr mean (supervised), else "
                   "leave them as loaded; row: always; none: never. The model records it; embed "
                   "and predict do the same")
      ->transform(enum_names(kFeatureNorms))
      ->type_name(enum_type(kFeatureNorms))
      ->default_str("auto");
  c_sage
      ->add_option("--patience", st.patience,
                   "Stop after this many epochs without a better validation F1 (the best model "
                   "is kept either way); 0 = run every epoch")
      ->capture_default_str();
  c_sage->add_option("--weight-decay", st.weight_decay, "L2 weight decay")->capture_default_str();
  c_sage->add_option("--optimizer", st.optimizer, "adam or sgd")
      ->transform(enum_names(kOptimizers))
      ->type_name(enum_type(kOptimizers))
      ->default_str("adam");
  c_sage->add_option("--momentum", st.momentum, "SGD momentum")->capture_default_str();
  c_sage
      ->add_option("--clip-grad-norm", st.clip_grad_norm,
                   "Clip gradients to this global L2 norm before each optimiser step; 0 = off")
      ->capture_default_str();
  c_sage->add_flag("--normalize", st.normalize, "L2-normalise hidden layers (as in the paper)");
  c_sage->add_flag("--replace", st.replace, "Sample neighbours with replacement");
  c_sage
      ->add_option("--graph-placement", st.graph_placement,
                   "GPU: topology in gpu memory or in pinned host memory read zero-copy (host: "
                   "graphs larger than the GPU); auto decides from free memory and says so")
      ->transform(enum_names(kPlacements))
      ->type_name(enum_type(kPlacements))
      ->default_str("auto");
  c_sage
      ->add_option("--feature-placement", st.feature_placement,
                   "GPU: node features in gpu memory or in pinned host memory read zero-copy; "
                   "auto as above (topology gets the GPU first)")
      ->transform(enum_names(kPlacements))
      ->type_name(enum_type(kPlacements))
      ->default_str("auto");
  c_sage
      ->add_option("--feature-cache-gb", st.feature_cache_gb,
                   "With features in host memory: keep the rows of the most-sampled nodes "
                   "(highest in-degree) in this many GiB of GPU memory; the run reports the hit "
                   "rate")
      ->capture_default_str();
  c_sage
      ->add_option("--host-gather", st.host_gather,
                   "With features in host memory, how each minibatch's rows reach the GPU (on "
                   "the sampling stream, ahead of compute): zero-copy = a GPU kernel reads the "
                   "pinned table directly; cpu = host threads gather into pinned staging, then "
                   "one copy")
      ->transform(enum_names(kHostGathers))
      ->type_name(enum_type(kHostGathers))
      ->default_str("zero-copy");
  c_sage
      ->add_option("--prefetch", st.prefetch,
                   "Minibatches sampled ahead of the one being trained (GPU: on their own "
                   "stream, overlapping compute); 0 = sample each just before its step")
      ->capture_default_str();
  c_sage->add_flag("--tf32", st.tf32,
                   "GPU: TF32 tensor-core matrix products (faster, less precise)");
  c_sage->add_option(
      "--split", st.split,
      "random:TRAIN,VALID,TEST fractions, or dataset (default: the dataset's own split "
      "if it has one, else random:0.6,0.2,0.2)");
  c_sage->add_option("--device", st.device, "auto (GPU if present), cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  c_sage
      ->add_option("--inference", st.inference,
                   "How validation and test infer: sampled (the training fanouts), full (every "
                   "neighbour, layer by layer over all nodes: exact, no seed) or auto (full "
                   "where it can run; see grl embed --help)")
      ->transform(enum_names(kInferenceModes))
      ->type_name(enum_type(kInferenceModes))
      ->default_str("sampled");
  c_sage->add_option("--seed", st.seed, "Seed of every random draw (same seed, same result)")
      ->check(kSeed)
      ->capture_default_str();
  c_sage->add_option("--save", st.save_path,
                     "Save the best model (by validation micro-F1) here; --unsupervised: the "
                     "model after every epoch");
  c_sage->add_option(
      "--features", sage.features,
      "Node attribute table (CSV with a header): numeric, categorical and bag-of-words "
      "columns become features, appended to the graph's own");
  c_sage->add_option("--id-column", sage.id_column,
                     "--features: the node id column (default: id, node or node_id)");
  c_sage
      ->add_option("--categorical", sage.categorical,
                   "--features: columns to one-hot encode (comma separated)")
      ->delimiter(',');
  c_sage->add_flag("--standardize", sage.standardize, "--features: standardise numeric columns");
  c_sage->add_option("--labels", sage.labels,
                     "Labels from a 'node label' file (replacing the graph's own; with "
                     "--unsupervised they only score the final embeddings); ids not in the graph "
                     "are skipped and counted");
  c_sage
      ->add_option("--label-mode", sage.label_mode,
                   "--labels: auto (multi-label when some node has several labels, and says "
                   "so), single (a second label for a node is an error) or multi")
      ->transform(enum_names(kLabelModes))
      ->type_name(enum_type(kLabelModes))
      ->default_str("auto");
  c_sage->add_flag(
      "--unsupervised", sage.unsupervised,
      "Train without labels (Hamilton et al.'s unsupervised loss): nodes close on short random "
      "walks get similar embeddings, degree^0.75-sampled negatives dissimilar ones. The model "
      "outputs L2-normalised --dim embeddings for grl embed; --batch-size counts pairs");
  CLI::Option* unsup_options[] = {
      c_sage->add_option("--dim", sage.config.dim, "--unsupervised: embedding width")
          ->capture_default_str(),
      c_sage
          ->add_option("--negatives", sage.config.negatives,
                       "--unsupervised: negative nodes per batch, shared by its pairs")
          ->capture_default_str(),
      c_sage
          ->add_option("--walk-length", sage.config.walk_length,
                       "--unsupervised: nodes per walk; a walk pairs its start with each later "
                       "node")
          ->capture_default_str(),
      c_sage
          ->add_option("--walks-per-node", sage.config.walks_per_node,
                       "--unsupervised: walks from every node per epoch")
          ->capture_default_str()};
  c_sage->add_flag("--json", sage.json,
                   "Print one JSON object on stdout (the result and the configuration); "
                   "everything else goes to stderr");
  c_sage->add_flag("--quiet,-q", sage.quiet, "No progress output (the result is still printed)");

  grl::cli::EmbedArgs embed;
  auto* c_embed = app.add_subcommand(
      "embed", "Embed nodes with a trained model (also nodes never seen in training)");
  add_graph_options(c_embed, embed.graph);
  add_weight_options(c_embed, embed.graph);
  c_embed
      ->add_option("--model,-m", embed.model,
                   "Model file written by grl sage --save: the last hidden layer is written, "
                   "or for an --unsupervised model its L2-normalised output")
      ->required();
  c_embed->add_option("--nodes", embed.nodes,
                      "File of node ids, one per line (default: all nodes)");
  c_embed
      ->add_option("--out,-o", embed.out,
                   "Output: FILE.npy (+ FILE.ids.txt) or FILE.txt (word2vec text)")
      ->required();
  c_embed->add_option("--device", embed.device, "auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  c_embed->add_option("--batch-size", embed.batch_size, "Nodes per batch")->capture_default_str();
  c_embed->add_option("--seed", embed.seed, "Seed of the neighbour samples")
      ->check(kSeed)
      ->capture_default_str();
  add_inference_option(c_embed, embed.inference);
  c_embed->add_option("--features", embed.features,
                      "Attribute table, if the model was trained with --features");
  c_embed->add_flag("--json", embed.json, "Print one JSON object on stdout");
  c_embed->add_flag("--quiet,-q", embed.quiet, "No progress output");

  grl::cli::EmbedArgs predict;
  auto* c_predict = app.add_subcommand("predict", "Predict node classes with a trained model");
  add_graph_options(c_predict, predict.graph);
  add_weight_options(c_predict, predict.graph);
  c_predict->add_option("--model,-m", predict.model, "Model file written by grl sage --save")
      ->required();
  c_predict->add_option("--nodes", predict.nodes,
                        "File of node ids, one per line (default: all nodes)");
  c_predict->add_option("--out,-o", predict.out, "Output TSV: node, class, probability")
      ->required();
  c_predict->add_option("--device", predict.device, "auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  c_predict->add_option("--batch-size", predict.batch_size, "Nodes per batch")
      ->capture_default_str();
  c_predict->add_option("--seed", predict.seed, "Seed of the neighbour samples")
      ->check(kSeed)
      ->capture_default_str();
  add_inference_option(c_predict, predict.inference);
  c_predict->add_option("--features", predict.features,
                        "Attribute table, if the model was trained with --features");
  c_predict->add_flag("--probabilities", predict.probabilities,
                      "Also write every class's probability, one column p_CLASS each (softmax; "
                      "multi-label models: per-class sigmoid)");
  c_predict->add_flag("--json", predict.json, "Print one JSON object on stdout");
  c_predict->add_flag("--quiet,-q", predict.quiet, "No progress output");

  grl::cli::WalkArgs walk;
  grl::SkipgramConfig& wk = walk.config;
  auto* c_walk = app.add_subcommand(
      "walk", "Skip-gram node embeddings over random walks: DeepWalk, node2vec, metapath2vec(++)");
  add_graph_options(c_walk, walk.graph);
  add_weight_options(c_walk, walk.graph);
  c_walk->add_option("--method", wk.method, "deepwalk, node2vec, metapath2vec or metapath2vec++")
      ->transform(enum_names(kWalkMethods))
      ->type_name(enum_type(kWalkMethods))
      ->default_str("deepwalk");
  c_walk->add_option(
      "--metapath", wk.metapaths,
      "Node types to walk through, e.g. author-paper-venue-paper-author (repeat for several)");
  c_walk->add_option("--p", wk.p, "node2vec return parameter (> 0; node2vec only)")
      ->capture_default_str();
  c_walk->add_option("--q", wk.q, "node2vec in-out parameter (> 0; node2vec only)")
      ->capture_default_str();
  c_walk->add_option("--walk-length", wk.walk_length, "Nodes per walk (at least 2)")
      ->capture_default_str();
  c_walk->add_option("--walks-per-node", wk.walks_per_node, "Walks started from every node")
      ->capture_default_str();
  c_walk
      ->add_option("--window", wk.window,
                   "Context window, in [1, 31] (up to W nodes each side, shrunk at random)")
      ->capture_default_str();
  c_walk->add_option("--negatives", wk.negatives, "Negative samples per positive pair (>= 0)")
      ->capture_default_str();
  c_walk->add_option("--dim", wk.dim, "Embedding dimension, in [1, 512]")->capture_default_str();
  c_walk->add_option("--epochs", wk.epochs, "Passes over freshly drawn walks")
      ->capture_default_str();
  c_walk->add_option("--lr", wk.lr, "Starting learning rate (decays linearly, as word2vec)")
      ->capture_default_str();
  c_walk
      ->add_option("--sample", wk.sample,
                   "Subsampling of frequent nodes (word2vec's sample; 0 = off)")
      ->capture_default_str();
  c_walk->add_option("--device", wk.device, "auto (GPU if present), cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  c_walk->add_option("--seed", wk.seed, "Seed of every random draw")
      ->check(kSeed)
      ->capture_default_str();
  c_walk
      ->add_option("--out,-o", walk.out,
                   "FILE.npy (+ FILE.ids.txt) or FILE.txt / FILE.emb (word2vec text)")
      ->required();
  c_walk
      ->add_flag("--atomic-updates", wk.atomic_updates,
                 "GPU: update the context table with atomic adds, so concurrent updates of "
                 "the same (hub) node are not lost (slower; experimental)")
      ->group(kMeasurement);
  c_walk->add_flag("--share-negatives", wk.share_negatives,
                   "Draw the negatives once per centre and share them across its window (fewer "
                   "bytes per pair: faster on the GPU; quality effect in the README); not with "
                   "metapath2vec++");
  c_walk
      ->add_option("--shared-span", wk.shared_span,
                   "With --share-negatives: draw fresh shared negatives every N context slots of "
                   "the window (smaller: closer to per-context quality, more bytes per pair); 0 = "
                   "one draw per window")
      ->capture_default_str();
  c_walk
      ->add_flag("--l1-reads", wk.l1_reads,
                 "GPU, for measurement only: read the embedding tables through L1 as plain "
                 "loads do (stale across SMs) instead of from L2")
      ->group(kMeasurement);
  c_walk->add_flag("--ordered-starts", wk.ordered_starts,
                   "Start each pass's walks in node order (as before 2026-11-27) instead of in a "
                   "random order per pass, as DeepWalk does");
  c_walk
      ->add_option("--model-warps", wk.model_warps,
                   "With --device cpu: train with a model of the GPU kernel's lock-free "
                   "concurrency, N warps in lock-step, one target row at a time (a study of its "
                   "quality cost without a GPU; 8448 fills an H100/H200's 132 SMs, while the "
                   "kernel keeps about 20 warps per SM resident at dim 128: BM_Sgns reports "
                   "resident_warps); 0 = serial")
      ->group(kMeasurement)
      ->capture_default_str();
  c_walk
      ->add_option("--model-l1-rows", wk.model_l1_rows,
                   "With --model-warps: also model each SM's L1 cache (64 warps per SM), holding "
                   "this many embedding rows, not coherent across SMs (stale reads, as plain "
                   "loads allow); 0 = reads always see the latest value")
      ->group(kMeasurement)
      ->capture_default_str();
  c_walk
      ->add_option(
          "--partitions", walk.partitions,
          "N or auto. Cut the node ids into N blocks and train the two embedding tables in "
          "GraphVite-style row partitions (negatives then come from the context's block). On "
          "the GPU the tables stay in pinned host memory and blocks are swapped in and out, so "
          "tables larger than GPU memory can be trained; auto uses 1 (off) when both fit. On "
          "the CPU the --threads train orthogonal (centre block, context block) pairs at once; "
          "auto uses 8 (one per 1,024 nodes on smaller graphs), and under mpirun the ranks "
          "share the pairs (CPU ranks the walking too). The embeddings depend on N, never on "
          "the thread or rank count")
      ->capture_default_str();
  c_walk->add_flag("--json", walk.json,
                   "Print one JSON object on stdout (the result and the configuration); "
                   "everything else goes to stderr");
  c_walk->add_flag("--quiet,-q", walk.quiet, "No progress output (the result is still printed)");

  grl::cli::EvalArgs eval;
  auto* c_eval = app.add_subcommand(
      "eval",
      "Score embeddings: node classification (one-vs-rest logistic regression, Micro/Macro-F1) "
      "or, with --task link, link prediction on grl split-edges' test pairs");
  c_eval
      ->add_option(
          "--task", eval.task,
          "node: classify nodes by --labels; link: score the pairs of --edges as node2vec "
          "does (ROC-AUC of a logistic regression on Hadamard, average, weighted-L1 and "
          "weighted-L2 edge features, trained on a random half of the positives and of the "
          "negatives and tested on the other half, mean +- sd over --repeats splits) and as OGB "
          "does (dot-product scores: Hits@K = fraction of positives scoring strictly above the "
          "K-th highest negative; MRR = mean of 1 / rank of each positive among all the "
          "negatives, ties counting half)")
      ->check(CLI::IsMember({"node", "link"}))
      ->capture_default_str();
  c_eval
      ->add_option("--embeddings,-e", eval.embeddings,
                   "Embeddings written by grl walk or grl embed")
      ->required();
  CLI::Option* node_options[] = {
      c_eval->add_option("--labels,-l", eval.labels,
                         "--task node: a graph spec with labels (planetoid:, blogcatalog:, ogb:, "
                         "hetero:) or a 'node label' file"),
      c_eval
          ->add_option("--train-ratio", eval.train_ratios,
                       "--task node: fractions of labelled nodes to train on")
          ->capture_default_str(),
      c_eval->add_flag("--reverse-relations", eval.graph.reverse_relations,
                       "--task node, hetero label graphs: as for grl walk"),
      c_eval
          ->add_option("--label-mode", eval.label_mode,
                       "--task node, a 'node label' file: auto (multi-label when some node has "
                       "several labels, and says so), single (a second label for a node is an "
                       "error) or multi")
          ->transform(enum_names(kLabelModes))
          ->type_name(enum_type(kLabelModes))
          ->default_str("auto")};
  CLI::Option* link_options[] = {
      c_eval->add_option("--edges", eval.edges,
                         "--task link: labelled pairs 'src<TAB>dst<TAB>label' (1 edge, 0 "
                         "non-edge), as grl split-edges writes DIR/test_edges.tsv"),
      c_eval->add_option("--hits", eval.hits, "--task link: the K of Hits@K, comma separated")
          ->capture_default_str()};
  CLI::Option* eval_repeats =
      c_eval->add_option("--repeats", eval.config.repeats,
                         "Random splits per ratio (--task node; default 10) or per edge feature "
                         "(--task link; default 5)");
  c_eval->add_option("--seed", eval.config.seed, "Seed of the splits")
      ->check(kSeed)
      ->capture_default_str();
  c_eval->add_flag("--json", eval.json, "Print one JSON object");
  c_eval->add_flag("--quiet,-q", eval.quiet, "No progress lines (the result is still printed)");

  grl::cli::SplitEdgesArgs split;
  auto* c_split = app.add_subcommand(
      "split-edges",
      "Link prediction: hold out a fraction of an undirected graph's edges as test positives, "
      "sample non-edges as negatives, and write the residual graph to train on");
  add_graph_options(c_split, split.graph);
  c_split
      ->add_option("--out,-o", split.out,
                   "Output directory: the residual graph (load it as grl:DIR; node ids, "
                   "features and labels kept) and DIR/test_edges.tsv, 'src<TAB>dst<TAB>label' "
                   "lines (1 held-out edge, 0 non-edge) by external node name")
      ->required();
  c_split
      ->add_option("--fraction", split.config.fraction,
                   "Fraction of the edges to hold out: drawn uniformly among the edges outside "
                   "a random spanning forest, which stays, so every connected component stays "
                   "connected and no node loses its last edge (node2vec's protocol)")
      ->capture_default_str();
  c_split
      ->add_option("--negatives-per-positive", split.config.negatives_per_positive,
                   "Negatives per held-out edge: distinct pairs u != v, uniformly drawn, that "
                   "are not edges of the original graph")
      ->capture_default_str();
  c_split->add_option("--seed", split.config.seed, "Seed of the split (same seed, same split)")
      ->check(kSeed)
      ->capture_default_str();
  c_split->add_flag("--json", split.json, "Print one JSON object on stdout");
  c_split->add_flag("--quiet,-q", split.quiet, "No progress output (the result is still printed)");

  grl::cli::DemoArgs demo;
  auto* c_demo = app.add_subcommand(
      "demo", "Generate the built-in synthetic graph, convert and reload it, and print its stats");
  c_demo->add_option("--workdir", demo.workdir,
                     "Where to write the converted graph (default: $TMPDIR/grl-demo)");
  c_demo->add_option("--device", demo.device, "auto, cpu or cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  c_demo->add_flag("--json", demo.json, "Print one JSON object on stdout");

  // The graph-spec block once: `grl --help` and `grl help specs` (set after the subcommands, which
  // would otherwise inherit it as their footer).
  auto* c_help = app.add_subcommand("help", "Help on a topic: `grl help specs` (graph specs)");
  std::string help_topic;
  c_help->add_option("topic", help_topic, "specs");
  app.footer(std::string("\n") + grl::graph_spec_help() + examples);

  // Every command takes --threads (host threads; results do not depend on it).
  int threads = 0;
  for (CLI::App* cmd : app.get_subcommands({}))
    cmd->add_option("--threads", threads,
                    "Host threads (0 = every core; also GRL_THREADS); the result does not depend "
                    "on it, the summary says how many worked")
        ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every command-line mistake exits 2, like UsageError below
    // (CLI11's own codes, 105 for a bad value and so on, tell a script nothing more).
    const bool asked_for_help = dynamic_cast<const CLI::CallForHelp*>(&e) ||
                                dynamic_cast<const CLI::CallForAllHelp*>(&e) ||
                                dynamic_cast<const CLI::CallForVersion*>(&e);
    // Every rank parses the same command line: rank 0 alone says what is wrong with it.
    if (!grl::Comm::world().root()) return asked_for_help ? 0 : 2;
    if (!asked_for_help) {
      // An unknown flag, even when CLI11 first noticed something else (a required option is
      // missing because the user misspelled it): name the nearest one of the command.
      const CLI::App* cmd = &app;
      for (const CLI::App* sub : app.get_subcommands({}))
        if (argc > 1 && sub->get_name() == argv[1]) cmd = sub;
      for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0) continue;
        const std::string flag = arg.substr(0, arg.find('='));
        bool known = false;
        for (const CLI::Option* o : cmd->get_options())
          for (const std::string& n : o->get_lnames()) known |= "--" + n == flag;
        if (known) continue;
        const std::string near = nearest_flag(cmd, flag);
        std::fprintf(stderr, "grl: error: %s has no option %s%s (see grl %s --help)\n",
                     cmd == &app ? "grl" : ("grl " + cmd->get_name()).c_str(), flag.c_str(),
                     near.empty() ? "" : ("; did you mean " + near + "?").c_str(),
                     cmd == &app ? "" : cmd->get_name().c_str());
        return 2;
      }
    }
    return app.exit(e) == 0 ? 0 : 2;
  }
  for (CLI::Option* o : unsup_options) sage.unsupervised_options_given |= o->count() > 0;
  if (threads < 0 || threads > 4096) {
    if (grl::Comm::world().root())
      std::fprintf(stderr, "grl: error: --threads must be in [0, 4096] (0 = every core), got %d\n",
                   threads);
    return 2;
  }
  grl::set_num_threads(threads);
  // The commands several ranks share (the rest run on rank 0 alone): grl sage on any backend,
  // embed and predict (sharded by batch), grl walk (its block rounds).
  auto shared_by_ranks = [&] { return *c_sage || *c_embed || *c_predict || *c_walk; };
  if (grl::Comm& world = grl::Comm::world();
      shared_by_ranks() && world.size() > 1 && threads == 0 && !std::getenv("GRL_THREADS")) {
    // Ranks training together on one machine share its cores (each gets at least one); a
    // launcher that bound this rank to some cores (Open MPI binds to one core at -np <= 2) has
    // made the share already.
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    cpu_set_t mask;
    const int allowed = sched_getaffinity(0, sizeof mask, &mask) == 0 ? CPU_COUNT(&mask) : cores;
    grl::set_num_threads(allowed < cores ? std::max(1, allowed)
                                         : std::max(1, cores / world.local_size()));
  }
  if (const grl::LauncherRanks lr = grl::launcher_ranks(); lr.size > 1 && !*c_help) {
    grl::Comm& world = grl::Comm::world();
    const bool parallel = shared_by_ranks() && world.size() > 1;
    if (!parallel) {
      // One process does the job: rank 0 runs it, the others stop before any work (rather
      // than every rank running, and writing, the same job).
      const std::string why =
          world.size() > 1 ? "grl " + std::string(argv[1]) + " runs in one process"
          : !lr.connectable && grl::built_with_mpi()
              ? "srun gave the ranks no PMIx to connect through, which " + grl::mpi_library() +
                    " needs: start them with srun --mpi=pmix (or set MpiDefault=pmix in "
                    "slurm.conf) to share the work"
          : grl::built_with_mpi()
              ? "MPI (" + grl::mpi_library() +
                    ") sees this process alone: the launcher is not the MPI grl was built with"
              : "this grl was built without MPI (install libopenmpi-dev and rebuild)";
      if (lr.rank != 0) {
        std::fprintf(stderr,
                     "grl: rank %d of %d (started by %s): %s; rank 0 runs it, this rank "
                     "exits\n",
                     lr.rank, lr.size, lr.launcher.c_str(), why.c_str());
        return 0;
      }
      std::fprintf(stderr,
                   "grl: started as %d ranks by %s, but %s: rank 0 runs the command alone, with "
                   "every core and the GPU it sees; the other ranks exit\n",
                   lr.size, lr.launcher.c_str(), why.c_str());
      // Every core really: a launcher may have bound this rank to one (Open MPI at -np <= 2).
      cpu_set_t all;
      CPU_ZERO(&all);
      const int cores = static_cast<int>(std::thread::hardware_concurrency());
      for (int c = 0; c < cores && c < CPU_SETSIZE; ++c) CPU_SET(c, &all);
      sched_setaffinity(0, sizeof all, &all);  // best effort: a refusal keeps the binding
    }
  }
  walk.node2vec_options_given = c_walk->count("--p") + c_walk->count("--q") > 0;
  walk.metapath_given = c_walk->count("--metapath") > 0;
  if (*c_help) {
    if (help_topic.empty() || help_topic == "specs") {
      std::printf("%s%s", grl::graph_spec_help(), examples.c_str());
      return 0;
    }
    std::fprintf(stderr, "grl: error: no help topic '%s' (topics: specs)\n", help_topic.c_str());
    return 2;
  }
  for (CLI::Option* o : node_options)
    if (o->count() > 0) eval.node_options_given.push_back(o->get_name());
  for (CLI::Option* o : link_options)
    if (o->count() > 0) eval.link_options_given.push_back(o->get_name());
  eval.repeats_given = eval_repeats->count() > 0;
  try {
    if (*c_info) return grl::cli::cmd_info(info);
    if (*c_convert) return grl::cli::cmd_convert(convert);
    if (*c_demo) return grl::cli::cmd_demo(demo);
    if (*c_sage) return grl::cli::cmd_sage(sage);
    if (*c_embed) return grl::cli::cmd_embed(embed);
    if (*c_predict) return grl::cli::cmd_predict(predict);
    if (*c_walk) return grl::cli::cmd_walk(walk);
    if (*c_eval) return grl::cli::cmd_eval(eval);
    if (*c_split) return grl::cli::cmd_split_edges(split);
  } catch (const grl::UsageError& e) {
    // A usage error is the same on every rank (same flags, same checks): rank 0 says it.
    if (grl::Comm::world().root())
      std::fprintf(stderr, "grl: error: %s\n", e.render(grl::cli::flag_for).c_str());
    return 2;
  } catch (const grl::Error& e) {
    std::fprintf(stderr, "%s%s\n", error_prefix().c_str(), e.render(grl::cli::flag_for).c_str());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%sout of host memory\n", error_prefix().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s%s\n", error_prefix().c_str(), e.what());
    if (std::string(e.what()).find("out of GPU memory") != std::string::npos)
      std::fprintf(stderr,
                   "grl: hint: --batch-size, --fanouts, --graph-placement host, "
                   "--feature-placement host or --device cpu\n");
    return 1;
  }
  return 0;
}
}  // namespace

// Under mpirun or srun every rank runs this; sage, walk, embed and predict share the work
// (host/dist/comm.h), the other commands run on rank 0 alone. A rank that fails ends every
// rank, so none waits forever in a collective for it.
int main(int argc, char** argv) {
  grl::init_ranks(&argc, &argv);
  const int rc = run(argc, argv);
  if (rc != 0 && grl::Comm::world().size() > 1) {
    // Rank 0 reports first: the others give it a moment before they end the run.
    if (!grl::Comm::world().root()) std::this_thread::sleep_for(std::chrono::seconds(2));
    grl::Comm::world().abort(rc);
  }
  grl::finish_ranks();
  return rc;
}
