#include "host/train/embedding_eval.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "host/core/parallel.h"
#include "host/train/metrics.h"
#include "kernels/common/philox.h"

namespace grl {

namespace {

double dot(const double* a, const double* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// f(w) and its gradient for the liblinear objective (bias = weight dim, feature value 1).
double objective(const std::vector<double>& w, const float* x, const int8_t* y, int64_t n,
                 int64_t d, double C, std::vector<double>& grad) {
  double f = 0.5 * dot(w.data(), w.data(), d + 1);
  for (int64_t k = 0; k <= d; ++k) grad[k] = w[k];
  for (int64_t i = 0; i < n; ++i) {
    const float* xi = x + i * d;
    double z = w[d];
    for (int64_t k = 0; k < d; ++k) z += w[k] * xi[k];
    const double yz = y[i] * z;
    f += C * (yz > 0 ? std::log1p(std::exp(-yz)) : -yz + std::log1p(std::exp(yz)));
    const double s = -C * y[i] / (1.0 + std::exp(yz));  // d/dz
    for (int64_t k = 0; k < d; ++k) grad[k] += s * xi[k];
    grad[d] += s;
  }
  return f;
}

}  // namespace

std::vector<double> train_logistic_regression(const float* x, const int8_t* y, int64_t n, int64_t d,
                                              double C) {
  const int64_t m = d + 1;
  constexpr int kHistory = 10, kMaxIter = 200;
  std::vector<double> w(m, 0.0), g(m), w_new(m), g_new(m), dir(m);
  std::vector<std::vector<double>> S, Y;
  std::vector<double> rho;
  double f = objective(w, x, y, n, d, C, g);
  const double g0 = std::sqrt(dot(g.data(), g.data(), m));
  for (int iter = 0; iter < kMaxIter; ++iter) {
    const double gn = std::sqrt(dot(g.data(), g.data(), m));
    if (gn <= 1e-5 * std::max(1.0, g0)) break;
    // Two-loop recursion.
    dir = g;
    std::vector<double> alpha(S.size());
    for (int k = static_cast<int>(S.size()) - 1; k >= 0; --k) {
      alpha[k] = rho[k] * dot(S[k].data(), dir.data(), m);
      for (int64_t j = 0; j < m; ++j) dir[j] -= alpha[k] * Y[k][j];
    }
    const double gamma = S.empty() ? 1.0 / std::max(gn, 1e-12)
                                   : dot(S.back().data(), Y.back().data(), m) /
                                         dot(Y.back().data(), Y.back().data(), m);
    for (double& v : dir) v *= gamma;
    for (size_t k = 0; k < S.size(); ++k) {
      const double beta = rho[k] * dot(Y[k].data(), dir.data(), m);
      for (int64_t j = 0; j < m; ++j) dir[j] += S[k][j] * (alpha[k] - beta);
    }
    for (double& v : dir) v = -v;
    double slope = dot(g.data(), dir.data(), m);
    if (slope >= 0) {  // not a descent direction: restart from the gradient
      S.clear(), Y.clear(), rho.clear();
      for (int64_t j = 0; j < m; ++j) dir[j] = -g[j];
      slope = -gn * gn;
    }
    // Backtracking (Armijo).
    double step = 1.0, f_new = 0;
    for (int ls = 0; ls < 40; ++ls) {
      for (int64_t j = 0; j < m; ++j) w_new[j] = w[j] + step * dir[j];
      f_new = objective(w_new, x, y, n, d, C, g_new);
      if (f_new <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    std::vector<double> s(m), yv(m);
    for (int64_t j = 0; j < m; ++j) s[j] = w_new[j] - w[j], yv[j] = g_new[j] - g[j];
    const double sy = dot(s.data(), yv.data(), m);
    if (sy > 1e-12) {
      if (static_cast<int>(S.size()) == kHistory)
        S.erase(S.begin()), Y.erase(Y.begin()), rho.erase(rho.begin());
      S.push_back(std::move(s));
      Y.push_back(std::move(yv));
      rho.push_back(1.0 / sy);
    }
    const bool converged = std::fabs(f - f_new) <= 1e-10 * std::max(1.0, std::fabs(f));
    w.swap(w_new);
    g.swap(g_new);
    f = f_new;
    if (converged) break;
  }
  return w;
}

std::vector<EvalRow> evaluate_embeddings(const std::vector<float>& x, int64_t n, int64_t d,
                                         const std::vector<std::vector<int32_t>>& labels, int C,
                                         bool multi_label, const EvalConfig& cfg) {
  std::vector<EvalRow> rows;
  for (size_t ri = 0; ri < cfg.train_ratios.size(); ++ri) {
    const double ratio = cfg.train_ratios[ri];
    std::vector<double> micro, macro;
    EvalRow row;
    row.ratio = ratio;
    for (int rep = 0; rep < cfg.repeats; ++rep) {
      // A random split keyed by (seed, ratio, repeat, row).
      std::vector<std::pair<uint64_t, int64_t>> keyed(n);
      for (int64_t i = 0; i < n; ++i) {
        Philox4 r = philox(cfg.seed, RandomPurpose::kSplit, static_cast<uint32_t>(i),
                           static_cast<uint32_t>(rep), static_cast<uint32_t>(ri) + 1000);
        keyed[i] = {(static_cast<uint64_t>(r.v[0]) << 32) | r.v[1], i};
      }
      std::sort(keyed.begin(), keyed.end());
      const int64_t n_train = std::clamp<int64_t>(std::llround(ratio * n), 1, n - 1);
      std::vector<float> xtr(n_train * d), xte((n - n_train) * d);
      std::vector<int64_t> tr(n_train), te(n - n_train);
      for (int64_t i = 0; i < n; ++i) {
        const int64_t src = keyed[i].second;
        float* dst = i < n_train ? xtr.data() + i * d : xte.data() + (i - n_train) * d;
        std::copy(x.begin() + src * d, x.begin() + (src + 1) * d, dst);
        (i < n_train ? tr[i] : te[i - n_train]) = src;
      }
      const int64_t n_test = n - n_train;
      std::vector<double> scores(n_test * C, -INFINITY);
      parallel_for(
          C,
          [&](int64_t c) {
            std::vector<int8_t> y(n_train);
            bool any = false;
            for (int64_t i = 0; i < n_train; ++i) {
              const auto& l = labels[tr[i]];
              y[i] = std::find(l.begin(), l.end(), static_cast<int32_t>(c)) != l.end() ? 1 : -1;
              any |= y[i] > 0;
            }
            if (!any) return;  // never seen in training: never predicted
            std::vector<double> w =
                train_logistic_regression(xtr.data(), y.data(), n_train, d, cfg.C);
            for (int64_t i = 0; i < n_test; ++i) {
              double z = w[d];
              for (int64_t k = 0; k < d; ++k) z += w[k] * xte[i * d + k];
              scores[i * C + c] = z;
            }
          },
          1);
      std::vector<uint8_t> truth(n_test * C, 0), pred(n_test * C, 0);
      std::vector<int32_t> order(C);
      for (int64_t i = 0; i < n_test; ++i) {
        const auto& l = labels[te[i]];
        for (int32_t c : l) truth[i * C + c] = 1;
        const size_t k = multi_label ? l.size() : 1;
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
          const double sa = scores[i * C + a], sb = scores[i * C + b];
          return sa != sb ? sa > sb : a < b;
        });
        for (size_t j = 0; j < k; ++j) pred[i * C + order[j]] = 1;
      }
      ClassMetrics m = multi_label_metrics(truth, pred, n_test, C);
      micro.push_back(m.f1_micro);
      macro.push_back(m.f1_macro);
      row.train = n_train;
      row.test = n_test;
    }
    auto stats = [](const std::vector<double>& v, double& mean, double& sd) {
      mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
      double ss = 0;
      for (double a : v) ss += (a - mean) * (a - mean);
      sd = v.size() > 1 ? std::sqrt(ss / (v.size() - 1)) : 0.0;
    };
    stats(micro, row.micro_mean, row.micro_std);
    stats(macro, row.macro_mean, row.macro_std);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace grl
