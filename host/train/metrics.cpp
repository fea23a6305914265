#include "host/train/metrics.h"

#include <cstddef>

namespace grl {

namespace {

struct Counts {
  std::vector<int64_t> tp, fp, fn;
  explicit Counts(int c) : tp(c, 0), fp(c, 0), fn(c, 0) {}
};

void finish(const Counts& k, ClassMetrics& m) {
  int64_t tp = 0, fp = 0, fn = 0;
  double f1_sum = 0, recall_sum = 0;
  int present = 0;
  for (size_t c = 0; c < k.tp.size(); ++c) {
    tp += k.tp[c];
    fp += k.fp[c];
    fn += k.fn[c];
    if (k.tp[c] + k.fp[c] + k.fn[c] == 0) continue;  // in neither truth nor prediction
    ++present;
    double p = k.tp[c] + k.fp[c] ? double(k.tp[c]) / double(k.tp[c] + k.fp[c]) : 0.0;
    double r = k.tp[c] + k.fn[c] ? double(k.tp[c]) / double(k.tp[c] + k.fn[c]) : 0.0;
    f1_sum += p + r > 0 ? 2 * p * r / (p + r) : 0.0;
    recall_sum += r;
  }
  m.f1_micro = 2 * tp + fp + fn ? 2.0 * double(tp) / double(2 * tp + fp + fn) : 0.0;
  m.f1_macro = present ? f1_sum / present : 0.0;
  m.recall_macro = present ? recall_sum / present : 0.0;
}

}  // namespace

ClassMetrics single_label_metrics(const std::vector<int32_t>& truth,
                                  const std::vector<int32_t>& pred, int num_classes) {
  ClassMetrics m;
  Counts k(num_classes);
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] < 0) continue;
    ++m.count;
    if (truth[i] == pred[i]) {
      ++correct;
      ++k.tp[truth[i]];
    } else {
      ++k.fn[truth[i]];
      if (pred[i] >= 0 && pred[i] < num_classes) ++k.fp[pred[i]];
    }
  }
  m.accuracy = m.count ? double(correct) / double(m.count) : 0.0;
  finish(k, m);
  return m;
}

ClassMetrics multi_label_metrics(const std::vector<uint8_t>& truth,
                                 const std::vector<uint8_t>& pred, int64_t n, int num_classes) {
  ClassMetrics m;
  Counts k(num_classes);
  int64_t exact = 0;
  for (int64_t i = 0; i < n; ++i) {
    bool same = true;
    for (int c = 0; c < num_classes; ++c) {
      const bool t = truth[i * num_classes + c], p = pred[i * num_classes + c];
      k.tp[c] += t && p;
      k.fp[c] += !t && p;
      k.fn[c] += t && !p;
      same &= t == p;
    }
    exact += same;
  }
  m.count = n;
  m.accuracy = n ? double(exact) / double(n) : 0.0;
  finish(k, m);
  return m;
}

}  // namespace grl
