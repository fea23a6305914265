// One step of each walk kind, written once for host and device (kernels/walk.cu and
// host/reference/walk_ref.cpp call these), so CPU and GPU walks are identical by construction.
#pragma once
#include "kernels/common/philox.h"
#include "kernels/walk.h"
#include "kernels/weighted_draw.h"

namespace grl::walk_detail {

// Row v's edge range [lo, hi), from the 32-bit offsets when given (WalkSpec::offsets32).
GRL_HD void row_range(CsrView g, const uint32_t* off32, NodeId v, EdgeIndex& lo, EdgeIndex& hi) {
  if (off32) {
    lo = off32[v];
    hi = off32[v + 1];
  } else {
    lo = g.offsets[v];
    hi = g.offsets[v + 1];
  }
}

// Position in [0, deg) of row [lo, lo + deg) drawn with `slot` (uniform) or, on a weighted
// view, with `slot` and `coin` from the row's alias table; -1 when a weighted row has no
// positive weight. deg > 0.
GRL_HD int64_t draw_position(CsrView g, EdgeIndex lo, EdgeIndex deg, uint32_t slot, uint32_t coin) {
  if (g.alias) return weighted::alias_pick(g.alias + lo, deg, slot, coin);
  return random_below(slot, static_cast<uint32_t>(deg));
}

// Neighbour of `cur` drawn with words 0 (and 1, weighted) of `r`; -1 when cur has none.
GRL_HD NodeId neighbor_step(CsrView g, NodeId cur, const Philox4& r,
                            const uint32_t* off32 = nullptr) {
  EdgeIndex lo, hi;
  row_range(g, off32, cur, lo, hi);
  const EdgeIndex deg = hi - lo;
  if (deg <= 0) return -1;
  const int64_t j = draw_position(g, lo, deg, r.v[0], r.v[1]);
  return j < 0 ? -1 : g.indices[lo + j];
}

// Is x in the sorted adjacency row of v?
GRL_HD bool has_edge(CsrView g, const uint32_t* off32, NodeId v, NodeId x) {
  EdgeIndex lo, hi;
  row_range(g, off32, v, lo, hi);
  while (lo < hi) {
    const EdgeIndex mid = lo + (hi - lo) / 2;
    const NodeId m = g.indices[mid];
    if (m == x) return true;
    if (m < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

GRL_HD NodeId node2vec_step(CsrView g, const uint32_t* off32, NodeId prev, NodeId cur,
                            uint64_t seed, uint32_t walk, uint32_t t, float p, float q) {
  EdgeIndex lo, hi;
  row_range(g, off32, cur, lo, hi);
  const EdgeIndex deg = hi - lo;
  if (deg <= 0) return -1;
  const float inv_p = 1.0f / p, inv_q = 1.0f / q;
  const float m = fmaxf(fmaxf(inv_p, 1.0f), inv_q);
  NodeId x = -1;
  for (uint32_t k = 0; k < static_cast<uint32_t>(kNode2vecMaxTrials); ++k) {
    const Philox4 r = philox(seed, RandomPurpose::kWalk, walk, t, k);
    const int64_t j = draw_position(g, lo, deg, r.v[0], r.v[2]);
    if (j < 0) return -1;
    x = g.indices[lo + j];
    const float y = m * random_unit(r.v[1]);
    float alpha;
    if (x == prev)
      alpha = inv_p;
    else if (has_edge(g, off32, prev, x))
      alpha = 1.0f;
    else
      alpha = inv_q;
    if (y < alpha) return x;
  }
  return x;
}

GRL_HD NodeId metapath_step(const WalkSpec& s, NodeId cur, int t, const Philox4& r) {
  const MetapathStep& st = s.steps[(t - 1) % s.cycle];
  const NodeId row = cur - st.src_begin;
  if (row < 0 || row >= st.csr.num_rows) return -1;
  return neighbor_step(st.csr, row, r);
}

// The start of the walk at start position r = start_offset + w (walk.h).
GRL_HD NodeId walk_start(const WalkSpec& s, Span<const NodeId> starts, uint64_t w) {
  const uint64_t n = static_cast<uint64_t>(starts.size), r = s.start_offset + w;
  if (!s.shuffle_starts) return starts[r % n];
  const uint64_t pass = r / n;
  const Philox4 keys = philox(s.seed, RandomPurpose::kStartOrder, static_cast<uint32_t>(pass),
                              static_cast<uint32_t>(pass >> 32), 0);
  return starts[random_permute(static_cast<uint32_t>(r % n), n, keys)];
}

// Walk `w` of the chunk, one position at a time: next(t) for t = 0, 1, ..., length - 1 in turn
// returns walks[w][t] (the start for t = 0; -1 once the walk has ended). The simple kernel and
// the CPU reference store each position as it comes; the tuned kernel buffers them in registers.
struct Walker {
  CsrView g;
  const WalkSpec& s;
  uint32_t walk;
  NodeId prev = -1, cur;
  bool ended = false;

  GRL_HD Walker(CsrView graph, const WalkSpec& spec, NodeId start, uint64_t w)
      : g(graph), s(spec), walk(static_cast<uint32_t>(spec.first_walk + w)), cur(start) {}

  GRL_HD NodeId next(int t) {
    if (t == 0) return cur;
    if (ended) return -1;
    NodeId x;
    if (s.kind == WalkSpec::kNode2vec && t >= 2) {
      x = node2vec_step(g, s.offsets32, prev, cur, s.seed, walk, static_cast<uint32_t>(t), s.p,
                        s.q);
    } else {
      const Philox4 r = philox(s.seed, RandomPurpose::kWalk, walk, static_cast<uint32_t>(t), 0);
      x = s.kind == WalkSpec::kMetapath ? metapath_step(s, cur, t, r)
                                        : neighbor_step(g, cur, r, s.offsets32);
    }
    if (x < 0) {
      ended = true;
      return -1;
    }
    prev = cur;
    cur = x;
    return x;
  }
};

// Walk `w` of the chunk into out[0, length); returns true when it ended early.
GRL_HD bool walk_one(CsrView g, const WalkSpec& s, NodeId start, uint64_t w, int32_t* out) {
  Walker walker(g, s, start, w);
  for (int t = 0; t < s.length; ++t) out[t] = walker.next(t);
  return walker.ended;
}

}  // namespace grl::walk_detail
