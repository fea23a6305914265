#include "host/pipeline/segment_plan.h"

namespace grl {

SegmentPlanHost segment_plan(const EdgeIndex* offsets, const int32_t* rows, int64_t num_rows) {
  SegmentPlanHost p;
  for (int64_t i = 0; i < num_rows; ++i) {
    const int64_t d = offsets[rows[i] + 1] - offsets[rows[i]];
    const int64_t chunks = (d + kSegmentChunkEdges - 1) / kSegmentChunkEdges;
    if (chunks <= 1) continue;
    p.hub_row.push_back(static_cast<int32_t>(i));
    for (int64_t c = 1; c < chunks; ++c) {
      p.item_row.push_back(static_cast<int32_t>(i));
      p.item_chunk.push_back(static_cast<int32_t>(c));
    }
    p.hub_first.push_back(p.num_items());
  }
  return p;
}

}  // namespace grl
