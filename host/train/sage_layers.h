// The layer stack of a GraphSAGE model on one backend: the forward and backward passes of all
// layers over one sampled batch, written once against the Backend interface.
//
// Layer l's input is one matrix [self | aggregate] (d_in + d_agg columns), so the layer is one
// GEMM with the stacked [W_self; W_neigh]: rows [0, n_dst) hold both halves; for l > 1 the left
// half of rows [0, n_src) is where layer l - 1 wrote its output, which the aggregation reads
// (destinations are a prefix of sources). Hidden layers apply bias and ReLU, optionally the L2
// normalisation, then dropout (training passes; with input dropout the first layer's source
// features too, into its own copy, so a node's self and neighbour rows share one mask, as
// dropout on x before the first convolution does); the last layer writes logits (or, for an
// unsupervised model, the embedding the engine normalises). The aggregation of each layer is
// its AggregatorPass (sage_aggregators.h). Every buffer is sized from the SampleLayout bounds
// in the constructor; a pass allocates nothing.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "host/ops/backend.h"
#include "host/pipeline/matrix_buffer.h"
#include "host/train/sage_aggregators.h"
#include "host/train/sage_model.h"

namespace grl {

// One sampled batch as the layers read it.
struct LayerBatch {
  const int32_t* hop_end = nullptr;  // host: nodes after each hop
  const NodeId* nodes = nullptr;     // backend memory: the sample (kernels/sampling.h)
  const int32_t* cnt = nullptr;
  const int32_t* nbr = nullptr;
  MatrixView<const float> features;  // the feature table, read through `nodes`
  // With host-resident features: the first layer's source rows, already in backend memory
  // (the ring's slot); data == nullptr otherwise.
  MatrixView<const float> source_rows;
};

// How one pass runs: its step (dropout keys), the LSTM's neighbour-order key, and whether it
// is a training pass (dropout applies) and marks stage times.
struct LayerPassKeys {
  uint64_t step = 0;
  uint64_t order_pass = 0;
  bool training = false;
  bool marks = true;
};

class SageLayers {
 public:
  SageLayers(Backend& backend, const SageArch& arch, const SampleLayout& layout, bool training,
             float dropout, float input_dropout, uint64_t seed, size_t& bytes);
  ~SageLayers();
  SageLayers(const SageLayers&) = delete;
  SageLayers& operator=(const SageLayers&) = delete;

  // The first layer's bounds: the backend memory host-resident features need per ring slot.
  int64_t first_src_max() const { return layers_[0].shape.n_src_max; }
  int64_t first_in() const { return layers_[0].shape.d_in; }
  // Host-resident features: the first layer reads the ring's rows, so its own gathered copy of
  // them (pool, lstm) is freed; `bytes` is reduced accordingly.
  void drop_gathered_sources(size_t& bytes);

  void forward(const LayerBatch& batch, const float* params, const LayerPassKeys& keys);
  // After forward with the same batch and keys, from the gradient in output_grad(). Layers go
  // last to first; `layer_done(l)`, when given, is called as soon as layer l's share of
  // `grads` is queued in full (nothing later writes it), before the layers below are started.
  void backward(const LayerBatch& batch, const float* params, float* grads,
                const LayerPassKeys& keys, const std::function<void(int)>& layer_done = {});

  // The last layer's outputs (logits or embedding) and their gradient, B rows.
  MatrixView<float> output(int64_t rows) const { return layers_.back().act.view(rows); }
  MatrixView<float> output_grad(int64_t rows) const { return layers_.back().g_out.view(rows); }
  // The last hidden layer's output (the logits when the model has one layer).
  MatrixView<const float> hidden(int64_t rows) const;

 private:
  struct Layer {
    LayerShape shape;
    MatrixBuffer in, gathered, act, g_out, d_agg;
    Buffer<float> inv_norm;
    std::unique_ptr<AggregatorPass> agg;
    MatrixView<float> left(int64_t rows) const {
      return {in.buf.data(), rows, shape.d_in, in.stride};
    }
    MatrixView<float> right(int64_t rows) const {
      return {in.buf.data() + shape.d_in, rows, shape.d_agg, in.stride};
    }
  };
  void forward_layer(int l, const LayerBatch& b, const float* params, const LayerPassKeys& k);
  void backward_layer(int l, const LayerBatch& b, const float* params, float* grads,
                      const LayerPassKeys& k);
  MatrixView<const float> first_sources(const LayerBatch& b, int64_t rows, bool training) const;
  // Training drops out the first layer's input features (then read from the layer's own copy).
  bool drops_inputs(bool training) const { return training && input_dropout_ > 0.0f; }
  AggregatorIo io(const float* params, float* grads);
  static uint32_t dropout_key(uint64_t step, int l) { return static_cast<uint32_t>(step * 8 + l); }

  Backend& be_;
  SageArch arch_;
  SampleLayout layout_;
  float dropout_, input_dropout_;
  uint64_t seed_;
  int K_;
  std::vector<LayerParams> lp_;
  std::vector<Layer> layers_;  // index l - 1
  Buffer<float> partials_;
  Buffer<char> scratch_;
  size_t scratch_bytes_ = 0;
};

}  // namespace grl
