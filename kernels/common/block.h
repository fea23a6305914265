// One GNN layer's message-flow graph (DGL's block): the view the aggregation, the LSTM
// aggregator and their CPU references read a sampled neighbourhood through.
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"

namespace grl {

constexpr int kMaxHops = 6;  // GNN layers (sampling hops) supported

// Rows [row_begin, row_end) of the destinations take their neighbours from one hop's ELL:
// row i's neighbours are nbr[(i - row_begin) * fanout + j] for j < cnt[i - row_begin].
struct BlockSegment {
  int32_t row_begin = 0, row_end = 0;
  int32_t fanout = 0;
  const int32_t* nbr = nullptr;
  const int32_t* cnt = nullptr;
};

// Destinations [0, num_dst) are a prefix of the sources [0, num_src); the segments cover the
// destinations in order.
struct BlockView {
  int32_t num_dst = 0;
  int32_t num_src = 0;
  int32_t num_segments = 0;
  BlockSegment seg[kMaxHops];
  // The global node id of each row (sources, so destinations too), where the block's arrays
  // live: draws made per row (the LSTM aggregator's neighbour orders) are keyed by it, so a
  // node draws the same in any batch. Null: keyed by the row index.
  const int32_t* ids = nullptr;
  // Slots of all segments (rows x fanout), valid or not.
  int64_t num_slots() const {
    int64_t e = 0;
    for (int s = 0; s < num_segments; ++s)
      e += int64_t{seg[s].row_end - seg[s].row_begin} * seg[s].fanout;
    return e;
  }
};

// The segment holding destination row i (segments are few: a linear scan). Shared by the
// kernels and the CPU references.
GRL_HD const BlockSegment& block_segment_of(const BlockView& b, int32_t i) {
  int s = 0;
  while (s + 1 < b.num_segments && i >= b.seg[s].row_end) ++s;
  return b.seg[s];
}

// The key of row i's per-row draws: its node id where the block carries them, else i.
GRL_HD uint32_t block_row_key(const BlockView& b, int32_t i) {
  return static_cast<uint32_t>(b.ids ? b.ids[i] : i);
}

}  // namespace grl
