// Classification metrics as scikit-learn defines them (labels = the union of true and
// predicted classes; a class with an empty denominator scores 0).
#pragma once
#include <cstdint>
#include <vector>

namespace grl {

struct ClassMetrics {
  double accuracy = 0;  // single-label: fraction correct; multi-label: exact-match ratio
  double f1_micro = 0;
  double f1_macro = 0;
  double recall_macro = 0;
  int64_t count = 0;  // evaluated nodes
};

// Single-label: truth and prediction per node (truth < 0 rows are skipped).
ClassMetrics single_label_metrics(const std::vector<int32_t>& truth,
                                  const std::vector<int32_t>& pred, int num_classes);

// Multi-label: row-major n x C 0/1 matrices.
ClassMetrics multi_label_metrics(const std::vector<uint8_t>& truth,
                                 const std::vector<uint8_t>& pred, int64_t n, int num_classes);

}  // namespace grl
