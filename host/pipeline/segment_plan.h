// The host side of kernels/segment_reduce.h's plan: which output rows have more than one chunk
// of edges (hubs) and their further chunks, from the host copy of the graph's offsets. The
// caller uploads the arrays and points a SegmentPlan at them.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/segment_reduce.h"

namespace grl {

struct SegmentPlanHost {
  std::vector<int32_t> hub_row, item_row, item_chunk;
  std::vector<int64_t> hub_first{0};
  int64_t num_hubs() const { return static_cast<int64_t>(hub_row.size()); }
  int64_t num_items() const { return static_cast<int64_t>(item_row.size()); }
};
SegmentPlanHost segment_plan(const EdgeIndex* offsets, const int32_t* rows, int64_t num_rows);

}  // namespace grl
