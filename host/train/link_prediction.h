// Link prediction: the edge split that makes a task of it, and the two ways the literature
// scores embeddings on it.
//
// The split (split_edges) holds out a fraction of an undirected graph's edges as test positives
// and samples as many non-edges of the original graph as negatives (times a ratio), leaving a
// residual graph to train on. As node2vec's protocol asks, the residual keeps every connected
// component connected: a random spanning forest of the graph (Kruskal's algorithm over the edges
// in a random order) is never held out, so no node loses its last edge, and the held-out edges
// are a uniform sample of the others. Every draw is counter-based (philox keyed by the edge, or
// by the negative's index and attempt), so a seed gives the same split on any thread count.
//
// The scores (evaluate_link_prediction):
//   node2vec (Grover & Leskovec 2016): each pair's edge feature is an operator on its two
//     embeddings a, b (Hadamard a*b, average (a+b)/2, weighted-L1 |a-b|, weighted-L2 (a-b)^2);
//     an L2-regularised logistic regression (embedding_eval.h's solver) trains on a random half
//     of the positives and a random half of the negatives and is scored by ROC-AUC on the other
//     halves; mean and standard deviation over repeated splits.
//   OGB (Hu et al. 2020, ogbl-collab's evaluator): each pair is scored by the dot product of its
//     embeddings, with no training. Hits@K is the fraction of positives scoring strictly higher
//     than the K-th highest negative score (1 when there are fewer than K negatives); MRR ranks
//     each positive against all the negatives (rank = 1 + #negatives scoring higher + half the
//     #negatives scoring the same, OGB's tie rule) and averages 1 / rank.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "host/graph/graph.h"

namespace grl {

struct EdgeSplitConfig {
  double fraction = 0.1;           // of the undirected edges, held out as positives
  int negatives_per_positive = 1;  // non-edges sampled per held-out edge
  uint64_t seed = 0;
};

// Throws ConfigError for a fraction outside (0, 1) or a ratio below 1.
void validate(const EdgeSplitConfig& config);

struct EdgeSplit {
  Graph residual;  // the graph without the held-out edges; nodes, ids, features, labels kept
  // Pairs of internal node ids, u < v, sorted.
  std::vector<std::pair<NodeId, NodeId>> positives, negatives;
  int64_t edges = 0;            // undirected edges of the original graph (self-loops not counted)
  int64_t protected_edges = 0;  // in the spanning forest: never held out
};

// Homogeneous undirected graphs only (UsageError otherwise). Self-loops, when the graph keeps
// them, stay in the residual and are never held out.
EdgeSplit split_edges(const Graph& graph, const EdgeSplitConfig& config);

// DIR's test pairs as text: "src<TAB>dst<TAB>label" per line (label 1 for a held-out edge, 0 for
// a sampled non-edge), nodes by their external names; written atomically.
void write_link_pairs(const std::string& path, const Graph& graph, const EdgeSplit& split);

// Labelled pairs as rows of an embedding matrix.
struct LinkPairs {
  std::vector<int64_t> a, b;
  std::vector<int8_t> label;  // 1 positive, 0 negative
  int64_t size() const { return static_cast<int64_t>(label.size()); }
};

// Reads what write_link_pairs wrote (fields separated by tabs or spaces; '#' comments and blank
// lines skipped), mapping names to rows by `row_of`, whose keys are canonical ids (graph.h's
// canonical_id: "007" and "7" name one node). An unknown name, a label other than 0 or 1,
// or a line without three fields is an InputError naming the file and line; `embeddings` names
// the embedding file in the unknown-name message.
LinkPairs read_link_pairs(const std::string& path,
                          const std::unordered_map<std::string, int64_t>& row_of,
                          const std::string& embeddings);

enum class EdgeOperator { kHadamard, kAverage, kL1, kL2 };
inline constexpr EdgeOperator kEdgeOperators[] = {EdgeOperator::kHadamard, EdgeOperator::kAverage,
                                                  EdgeOperator::kL1, EdgeOperator::kL2};
const char* edge_operator_name(EdgeOperator op);  // "hadamard", "average", "l1", "l2"

// out[k] = op(a[k], b[k]) for k < dim.
void edge_features(EdgeOperator op, const float* a, const float* b, int64_t dim, float* out);

// ROC-AUC of scores against 0/1 labels: the probability that a random positive scores higher
// than a random negative, ties counting one half (the Mann-Whitney statistic, as scikit-learn's
// roc_auc_score computes it). Needs at least one of each label.
double roc_auc(const std::vector<double>& scores, const std::vector<int8_t>& labels);

struct RankingMetrics {
  std::vector<std::pair<int64_t, double>> hits;  // (K, Hits@K) in the order asked
  double mrr = 0;
};
// OGB's Hits@K and MRR as described at the top of this file.
RankingMetrics ranking_metrics(const std::vector<double>& positive_scores,
                               const std::vector<double>& negative_scores,
                               const std::vector<int64_t>& hits_at);

struct LinkEvalConfig {
  std::vector<int64_t> hits_at = {10, 50, 100};
  int repeats = 5;  // random half/half splits of the labelled pairs per operator
  double C = 1.0;   // inverse regularisation of the logistic regression (liblinear's C)
  uint64_t seed = 0;
};

// Throws ConfigError for no repeats or a K below 1.
void validate(const LinkEvalConfig& config);

struct OperatorAuc {
  EdgeOperator op;
  double mean = 0, std = 0;  // over repeats (sample standard deviation; 0 for one repeat)
};

struct LinkEvalResult {
  int64_t positives = 0, negatives = 0;
  int64_t train_pairs = 0, test_pairs = 0;  // of each regression
  std::vector<OperatorAuc> auc;             // one per operator, in kEdgeOperators' order
  double dot_auc = 0;                       // ROC-AUC of the dot products of all pairs
  RankingMetrics ranking;                   // of the dot products of all pairs
};

// x: row-major embeddings, dim per row; pairs index its rows. Needs at least two positives and
// two negatives (UsageError otherwise). Parallel over operators and repeats; deterministic.
LinkEvalResult evaluate_link_prediction(const std::vector<float>& x, int64_t dim,
                                        const LinkPairs& pairs, const LinkEvalConfig& config);

}  // namespace grl
