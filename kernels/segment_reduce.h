// Segmented mean/max of gathered rows over whole CSR neighbourhoods: the aggregation of exact
// full-neighbourhood GraphSAGE inference (every neighbour, not a sample), on graphs whose
// degrees are skewed (hubs with 100k+ neighbours beside rows with one).
//
//   r = rows[i]; edges of r: e in [offsets[r], offsets[r + 1]), d = their count
//   mean  out[i] = (1 / d) * sum_e src[indices[e]]                        (0 when d = 0)
//   max   out[i][f] = max_e src[indices[e]][f]                            (0 when d = 0)
//
// Summation order (so the GPU and the CPU reference agree bit for bit): a row's edges are cut
// into chunks of kSegmentChunkEdges consecutive edges from the row's first edge; each chunk is
// reduced in edge order from its first element (mean: 0 + x_0 + x_1 + ...; max: x_0, then a
// strictly greater value replaces it); the chunks' results are combined in chunk order (mean:
// acc = ((c_0 + c_1) + c_2) + ..., then multiplied by 1/d; max: a strictly greater chunk value
// replaces the running one).
//
// Balance: no thread group reduces more than one chunk. A row's first chunk is reduced by the
// row's own group, which writes the result of a row of one chunk; the further chunks of hub
// rows are work items of their own (SegmentPlan), reduced into partial rows, and a fix-up pass
// combines each hub's chunk results in chunk order. A hub of 100k edges is ~400 items spread
// over the GPU instead of one group walking 100k rows; the partial rows cost dim * 4 bytes per
// 256 edges (0.4% of the gather).
//
// Bytes it must move: d * dim * 4 per row (neighbour rows) + dim * 4 (output) + 4 * d (ids)
// + 8 (offsets) + 4 (row id); hubs add 2 * dim * 4 per extra chunk (partial written, read).
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/aggregate.h"
#include "kernels/common/variant.h"
#include "kernels/common/views.h"

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

namespace grl {

constexpr int64_t kSegmentChunkEdges = 256;

// The chunks beyond each row's first, for one call's rows (backend memory; built on the host
// by segment_plan, host/pipeline/segment_plan.h, from the host copy of the offsets). Item k is
// chunk item_chunk[k] >= 1 of output row item_row[k]; the items of hub h (an output row with more
// than one chunk, hub_row[h]) are [hub_first[h], hub_first[h + 1]), in chunk order. `partials`
// holds one row of `stride` floats per item. An empty plan (no hubs) needs none of them.
struct SegmentPlan {
  int64_t num_hubs = 0, num_items = 0;
  const int32_t* hub_row = nullptr;     // num_hubs
  const int64_t* hub_first = nullptr;   // num_hubs + 1
  const int32_t* item_row = nullptr;    // num_items
  const int32_t* item_chunk = nullptr;  // num_items
  float* partials = nullptr;            // num_items x stride
  int64_t stride = 0;
};

#if defined(GRL_WITH_CUDA) || defined(__CUDACC__)
// out (num_rows x src.cols) from `graph`'s offsets and indices; rows: num_rows row ids in
// backend memory. `plan` must be the one segment_plan built for these rows.
void launch_segment_reduce(AggregateKind kind, MatrixView<const float> src, CsrView graph,
                           const int32_t* rows, int64_t num_rows, const SegmentPlan& plan,
                           MatrixView<float> out, KernelVariant variant, cudaStream_t stream);
#endif

}  // namespace grl
