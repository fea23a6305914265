// Draws in proportion to edge weights, written once for host and device: the walk step
// (kernels/walk_step.h) and the neighbour sampler (kernels/sampling.cu and its CPU twin
// host/reference/sampling_ref.cpp) call these, so CPU and GPU draws are identical.
//
// Math. Row v with weights w_0 .. w_{d-1} >= 0 (W = their sum > 0) draws position i with
// probability w_i / W. Its alias table (EdgeAlias, one 8-byte entry per edge, built on the
// host in double precision by Vose's method: host/graph/alias_table.h) answers a draw in O(1)
// from two 32-bit words: j = mulhi(word0, d), then j itself when unit(word1) < prob_j, else
// alias_j. One random 8-byte read per draw, O(edges) memory.
//
// Without replacement (DGL's sample_neighbors with prob=): k draws by successive sampling,
// each new pick proportional to the weights of the positions not picked yet. Done by
// rejection: draw from the row's alias table and discard repeats, which gives exactly that
// distribution; O(k) draws when no few edges carry most of the weight. After
// weighted_trials(k) = 8k + 64 trials the remaining picks come from an exact scan instead:
// total T = sum of the unpicked positive weights (double, in row order), target = unit53 * T,
// the first unpicked position whose running sum passes the target. O(degree) per pick, only on
// rows where the picked edges hold nearly all the weight. Rows of degree at most k take their
// positive-weight edges in row order without drawing; a longer row with at most k positive
// weights ends with all of them (the scan finds none left).
//
// Thread mapping: the callers' (one thread per walk; one thread per frontier row). Bytes per
// draw: one 8-byte alias entry and the 4-byte neighbour id, both random sectors in the row
// (a weighted walk step reads the entry's sector on top of the uniform step's); rows sampled
// whole or by the exact scan read their 4-byte weights too.
//
// Randomness, for node u of hop h (1-based) in epoch e, purpose kWeightedSample:
//   trial m (with replacement: slot m): words 2(m%2), 2(m%2)+1 of philox(seed, ., u, e,
//                                        (h << 28) | (m / 2))
//   scan pick n:                        words 0, 1 of philox(seed, ., u, e, (h << 28) | 2^27 | n)
#pragma once
#include <cstdint>

#include "kernels/common/philox.h"
#include "kernels/common/views.h"

namespace grl::weighted {

GRL_HD int weighted_trials(int k) { return 8 * k + 64; }

// Position in [0, deg) of the row whose alias table starts at `row`, drawn with two words;
// -1 when the row has no positive weight. deg > 0.
GRL_HD int64_t alias_pick(const EdgeAlias* row, int64_t deg, uint32_t slot_word,
                          uint32_t coin_word) {
  const uint32_t j = random_below(slot_word, static_cast<uint32_t>(deg));
  const EdgeAlias e = row[j];
  if (e.prob < 0.0f) return -1;
  return random_unit(coin_word) < e.prob ? int64_t{j} : int64_t{e.alias};
}

// Uniform double in [0, 1) with 53 random bits: exact, so host and device agree bit for bit.
GRL_HD double random_unit53(uint32_t hi, uint32_t lo) {
  const uint64_t x = ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;
  return static_cast<double>(x) * (1.0 / 9007199254740992.0);
}

GRL_HD bool picked(const int32_t* pos, int n, int32_t p) {
  for (int k = 0; k < n; ++k)
    if (pos[k] == p) return true;
  return false;
}

// Up to `fanout` positions of row `u` (edges [lo, lo + deg) of g, g.alias and g.weights set)
// into pos[0, fanout), as described above; returns how many.
GRL_HD int sample_row(CsrView g, EdgeIndex lo, int64_t deg, int fanout, bool replace, uint64_t seed,
                      uint32_t u, uint32_t epoch, int hop, int32_t* pos) {
  if (deg <= 0 || fanout <= 0) return 0;
  const EdgeAlias* alias = g.alias + lo;
  const float* w = g.weights + lo;
  const uint32_t c2 = static_cast<uint32_t>(hop) << 28;
  Philox4 r{};
  if (replace) {
    if (alias[0].prob < 0.0f) return 0;  // every weight zero
    for (int j = 0; j < fanout; ++j) {
      if (j % 2 == 0)
        r = philox(seed, RandomPurpose::kWeightedSample, u, epoch,
                   c2 | static_cast<uint32_t>(j / 2));
      pos[j] = static_cast<int32_t>(alias_pick(alias, deg, r.v[2 * (j % 2)], r.v[2 * (j % 2) + 1]));
    }
    return fanout;
  }
  if (deg <= fanout) {
    int n = 0;
    for (int64_t i = 0; i < deg; ++i)
      if (w[i] > 0.0f) pos[n++] = static_cast<int32_t>(i);
    return n;
  }
  if (alias[0].prob < 0.0f) return 0;
  int n = 0;
  const int trials = weighted_trials(fanout);
  for (int m = 0; m < trials && n < fanout; ++m) {
    if (m % 2 == 0)
      r = philox(seed, RandomPurpose::kWeightedSample, u, epoch, c2 | static_cast<uint32_t>(m / 2));
    const int32_t p =
        static_cast<int32_t>(alias_pick(alias, deg, r.v[2 * (m % 2)], r.v[2 * (m % 2) + 1]));
    if (!picked(pos, n, p)) pos[n++] = p;
  }
  for (; n < fanout; ++n) {
    double total = 0.0;
    for (int64_t i = 0; i < deg; ++i)
      if (w[i] > 0.0f && !picked(pos, n, static_cast<int32_t>(i))) total += w[i];
    if (!(total > 0.0)) break;  // fewer than `fanout` positive weights: all of them are in
    r = philox(seed, RandomPurpose::kWeightedSample, u, epoch,
               c2 | (uint32_t{1} << 27) | static_cast<uint32_t>(n));
    const double target = random_unit53(r.v[0], r.v[1]) * total;
    double run = 0.0;
    int32_t last = -1;
    for (int64_t i = 0; i < deg; ++i) {
      if (!(w[i] > 0.0f) || picked(pos, n, static_cast<int32_t>(i))) continue;
      last = static_cast<int32_t>(i);
      run += w[i];
      if (run > target) break;
    }
    pos[n] = last;  // the last candidate when rounding leaves the target past every sum
  }
  return n;
}

}  // namespace grl::weighted
