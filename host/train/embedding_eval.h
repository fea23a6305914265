// Node-classification evaluation of embeddings, as DeepWalk / node2vec / metapath2vec report it:
// one-vs-rest L2-regularised logistic regression (liblinear's objective: 0.5 |w|^2 + C * sum
// log(1 + exp(-y w.x)), with a regularised bias feature) trained on a random `ratio` of the
// labelled nodes, Micro- and Macro-F1 on the rest, mean and standard deviation over repeats.
// Multi-label nodes get their top-k classes, k = their true label count (DeepWalk's protocol);
// single-label nodes the arg-max.
#pragma once
#include <cstdint>
#include <vector>

namespace grl {

struct EvalConfig {
  std::vector<double> train_ratios = {0.1, 0.5, 0.9};
  int repeats = 10;
  double C = 1.0;
  uint64_t seed = 0;
};

struct EvalRow {
  double ratio = 0;
  int64_t train = 0, test = 0;
  double micro_mean = 0, micro_std = 0, macro_mean = 0, macro_std = 0;
};

// x: n x dim embeddings of labelled nodes; labels[i]: the classes of row i (non-empty).
std::vector<EvalRow> evaluate_embeddings(const std::vector<float>& x, int64_t n, int64_t dim,
                                         const std::vector<std::vector<int32_t>>& labels,
                                         int num_classes, bool multi_label,
                                         const EvalConfig& config);

// The solver, exposed for tests: weights (dim + 1, the last one the bias) minimising the
// objective above for labels y in {-1, +1}, by L-BFGS.
std::vector<double> train_logistic_regression(const float* x, const int8_t* y, int64_t n,
                                              int64_t dim, double C);

}  // namespace grl
