// GraphSAGE's AGG step of one layer, one class per aggregator (sage_model.h has the math):
//   mean / max  the fused gather + segmented reduction (kernels/aggregate.h), reading source
//               rows in place (the first layer through the sample's row map)
//   pool        max over relu(h_u W_pool + b_pool): a GEMM over the sources, then max
//   lstm        an LSTM over each destination's neighbours in a random order (kernels/lstm.h):
//               one input projection, then one recurrent GEMM and one gate kernel per step
// Each owns its per-layer buffers (sized from the layer's bounds) and writes the aggregate into
// the right half of the layer input; backward takes d agg to its own parameters' gradients
// and, when asked, to the sources' gradient. The dense part around it is in sage_layers.h.
#pragma once
#include <cstdint>
#include <memory>

#include "host/ops/backend.h"
#include "host/train/sage_model.h"

namespace grl {

// One layer's bounds: widths and the most destination rows, source rows and neighbour slots a
// batch can have (from the SampleLayout).
struct LayerShape {
  int layer = 1;  // 1 = input layer
  int64_t d_in = 0, d_out = 0, d_agg = 0;
  int64_t n_dst_max = 0, n_src_max = 0, slots_max = 0;
  int max_fanout = 0;  // the widest hop this layer's block reads (LSTM time steps)
};

// What a pass reads and writes besides the aggregator's own buffers.
struct AggregatorIo {
  const float* params = nullptr;  // backend memory, the flat vector (sage_model.h)
  float* grads = nullptr;         // backward only
  float* partials = nullptr;      // column-sum scratch (kernels/dense.h)
  void* scratch = nullptr;        // the block transpose's scratch (aggregate_backward_scratch)
  size_t scratch_bytes = 0;
};

class AggregatorPass {
 public:
  virtual ~AggregatorPass() = default;
  // Whether the first layer's sources are read as a gathered matrix (pool, lstm) rather than in
  // place through the row map (mean, max).
  virtual bool reads_gathered_sources() const = 0;
  // Whether the aggregator has parameters of its own, so backward runs on the first layer too.
  virtual bool has_parameters() const = 0;
  // agg (n_dst rows) from the sources `src` (n_src rows; row r of src is source r, or
  // src[row_map[r]] when row_map is set) through the block. `order_key`: the LSTM's neighbour
  // orders of this pass.
  virtual void forward(const AggregatorIo& io, const LayerParams& P, const BlockView& block,
                       MatrixView<const float> src, const int32_t* row_map, MatrixView<float> agg,
                       int64_t n_src, uint32_t order_key) = 0;
  // From d_agg (n_dst rows): the aggregator's parameter gradients into io.grads, and, when
  // d_src.data is set, the sources' gradient (n_src rows, overwritten).
  virtual void backward(const AggregatorIo& io, const LayerParams& P, const BlockView& block,
                        MatrixView<const float> src, MatrixView<const float> d_agg,
                        MatrixView<float> d_src, int64_t n_src) = 0;
};

// The pass of `arch`'s aggregator for one layer; `training` allocates its backward buffers.
// Adds the backend memory it allocates to `bytes`.
std::unique_ptr<AggregatorPass> make_aggregator_pass(Backend& backend, const SageArch& arch,
                                                     const LayerShape& shape, bool training,
                                                     uint64_t seed, size_t& bytes);

}  // namespace grl
