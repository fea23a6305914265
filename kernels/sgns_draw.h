// The random choices of skip-gram, shared by the kernel and the CPU reference.
#pragma once
#include "kernels/common/philox.h"
#include "kernels/sgns.h"

namespace grl::sgns_detail {

GRL_HD int window_of(const SgnsSpec& s, uint32_t walk, int i) {
  return 1 + static_cast<int>(random_below(
                 philox(s.seed, RandomPurpose::kWindow, walk, static_cast<uint32_t>(i), 0).v[0],
                 static_cast<uint32_t>(s.window)));
}

GRL_HD int type_of(const SgnsSpec& s, NodeId v) {
  int t = 0;
  while (t + 1 < s.num_types && v >= s.type_begin[t + 1]) ++t;
  return t;
}

// Whether node v is in the spec's centre (context) range.
GRL_HD bool in_centre_range(const SgnsSpec& s, NodeId v) {
  return v >= s.centre_begin && (s.centre_end < 0 || v < s.centre_end);
}
GRL_HD bool in_context_range(const SgnsSpec& s, NodeId v) {
  return v >= s.context_begin && (s.context_end < 0 || v < s.context_end);
}

// The Philox call behind negatives 2 h and 2 h + 1 of context slot `slot` of centre i.
GRL_HD Philox4 negative_draws(const SgnsSpec& s, uint32_t walk, int i, int slot, int h) {
  return philox(s.seed, RandomPurpose::kNegative, walk,
                static_cast<uint32_t>(i) * 64u + static_cast<uint32_t>(slot),
                static_cast<uint32_t>(h));
}

// A negative from its two draws (pick, coin), from the alias table's segment [lo, hi): the
// context's type range (or all nodes) intersected with the context range.
GRL_HD NodeId negative_from(const SgnsSpec& s, const AliasView& all, const AliasView& typed,
                            uint32_t pick, uint32_t coin, NodeId context) {
  NodeId lo = 0, hi = all.n;
  const float* prob = all.prob;
  const int32_t* alias = all.alias;
  if (s.typed_negatives) {
    const int t = type_of(s, context);
    lo = s.type_begin[t];
    hi = s.type_begin[t + 1];
    prob = typed.prob;
    alias = typed.alias;
  }
  if (s.context_begin > lo) lo = s.context_begin;
  if (s.context_end >= 0 && s.context_end < hi) hi = s.context_end;
  const NodeId n = hi - lo;
  const NodeId idx = lo + static_cast<NodeId>(random_below(pick, static_cast<uint32_t>(n)));
  return random_unit(coin) < prob[idx] ? idx : alias[idx];
}

// Negative k of context slot `slot` of centre i (two negatives per Philox call).
GRL_HD NodeId negative(const SgnsSpec& s, const AliasView& all, const AliasView& typed,
                       uint32_t walk, int i, int slot, int k, NodeId context) {
  const Philox4 r = negative_draws(s, walk, i, slot, k / 2);
  return negative_from(s, all, typed, r.v[2 * (k % 2)], r.v[2 * (k % 2) + 1], context);
}

// The draw group of context slot `slot` under shared negatives: slots [g * span, (g + 1) * span)
// share draw g (span 0: one draw for the whole window).
GRL_HD int shared_group(const SgnsSpec& s, int slot) {
  return s.shared_span > 0 ? slot / s.shared_span : 0;
}

// Shared negative k of draw group g of centre i (share_negatives), from the context range.
GRL_HD NodeId shared_negative(const SgnsSpec& s, const AliasView& all, uint32_t walk, int i, int g,
                              int k) {
  const Philox4 r =
      philox(s.seed, RandomPurpose::kNegative, walk, static_cast<uint32_t>(i) * 64u + 63u,
             (static_cast<uint32_t>(g) << 8) | static_cast<uint32_t>(k / 2));
  const uint32_t pick = r.v[2 * (k % 2)], coin = r.v[2 * (k % 2) + 1];
  const NodeId lo = s.context_begin, hi = s.context_end >= 0 ? s.context_end : all.n;
  const NodeId idx = lo + static_cast<NodeId>(random_below(pick, static_cast<uint32_t>(hi - lo)));
  return random_unit(coin) < all.prob[idx] ? idx : all.alias[idx];
}

// Whether position j of walk `walk` (node v >= 0) survives subsampling.
GRL_HD bool kept(const SgnsSpec& s, uint32_t walk, int j, NodeId v) {
  if (s.keep == nullptr) return true;
  return random_unit(
             philox(s.seed, RandomPurpose::kSubsample, walk, static_cast<uint32_t>(j), 0).v[0]) <
         s.keep[v];
}

// Position j's draws as one byte (SgnsSpec::position_draws): kPositionKept when it holds a
// node that survives subsampling, and its window in the low bits (kPositionWindow).
constexpr uint8_t kPositionKept = 0x80, kPositionWindow = 0x3f;
static_assert(kMaxSgnsWindow <= kPositionWindow, "a window must fit the low bits");
GRL_HD uint8_t position_draw(const SgnsSpec& s, const int32_t* walk, uint32_t id, int j) {
  if (walk[j] < 0) return 0;
  return static_cast<uint8_t>((kept(s, id, j, walk[j]) ? kPositionKept : 0) | window_of(s, id, j));
}

// The contexts of centre i, in order: the b nearest kept positions before i (farthest first),
// then the b nearest kept positions after it. Calls f(j, slot) with slot in [0, 2b).
// kept_at(j) says whether position j, which holds a node, survives subsampling.
template <class Kept, class F>
GRL_HD_INLINED void for_each_context_of(const SgnsSpec& s, const int32_t* walk, int i, int b,
                                        Kept&& kept_at, F&& f) {
  int lo = i, found = 0;
  while (found < b && lo > 0) {
    --lo;
    if (walk[lo] >= 0 && kept_at(lo)) ++found;
  }
  int slot = 0;
  for (int j = lo; j < i; ++j)
    if (walk[j] >= 0 && kept_at(j)) f(j, slot++);
  slot = b;
  found = 0;
  for (int j = i + 1; j < s.length && found < b && walk[j] >= 0; ++j)
    if (kept_at(j)) {
      f(j, slot++);
      ++found;
    }
}

// The same, drawing kept() for every position it looks at.
template <class F>
GRL_HD_INLINED void for_each_context(const SgnsSpec& s, const int32_t* walk, uint32_t id, int i,
                                     int b, F&& f) {
  for_each_context_of(
      s, walk, i, b, [&](int j) { return kept(s, id, j, walk[j]); }, f);
}

GRL_HD float learning_rate(const SgnsSpec& s, uint32_t walk) {
  const float progress =
      static_cast<float>(static_cast<double>(walk) / static_cast<double>(s.total_walks));
  return s.lr0 * fmaxf(1.0f - progress, 1e-4f);
}

}  // namespace grl::sgns_detail
