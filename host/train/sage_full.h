// Exact full-neighbourhood GraphSAGE inference, as DGL's and PyG's layer-wise inference: layer
// by layer over all nodes, each node aggregating every neighbour (no sample, so no seed), each
// node's layer output computed once. Embedding every node costs one pass per layer instead of
// one sampled tree per node.
//
//   H_0 = X;  for l = 1..K:  H_l[v] = act_l([H_{l-1}[v] | AGG_{u in N(v)} H_{l-1}[u]] W_l + b_l)
//   mean / max: kernels/segment_reduce.h over the CSR; pool: P = relu(H_{l-1} W_pool + b_pool)
//   for every node once, then the segmented max over P. (LSTM reads a neighbourhood as a
//   sequence, so it has no order-free full form here: it is refused.)
//
// Hidden layers run over every node into one [n x width] matrix (two, alternating); the layer
// that produces the requested output runs over the requested nodes only. Each layer's rows go
// in chunks of kFullChunkRows destinations through one [chunk x (d_in + d_agg)] input, so the
// working memory is the two node matrices plus one chunk. Nothing is allocated after the
// constructor; footprint() measures it without allocating.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/dist/comm.h"
#include "host/graph/graph.h"
#include "host/ops/backend.h"
#include "host/pipeline/matrix_buffer.h"
#include "host/train/sage_model.h"

namespace grl {

constexpr int64_t kFullChunkRows = 65536;

// How inference gathers neighbourhoods: every neighbour (full), the training fanouts (sampled),
// or auto: full where the model, the graph and the memory allow it (SageEngine::
// choose_inference says which and why).
enum class InferenceMode { kAuto, kFull, kSampled };
const char* inference_name(InferenceMode mode);

// Why `arch` on this graph cannot run full-neighbourhood inference ("" when it can).
std::string full_inference_unsupported(const SageArch& arch);

class FullInference {
 public:
  // csr: the topology in backend memory; features: the feature table as the kernels read it.
  FullInference(Backend& backend, const Graph& graph, const SageArch& arch, CsrView csr,
                MatrixView<const float> features);
  FullInference(const FullInference&) = delete;
  FullInference& operator=(const FullInference&) = delete;

  // Backend memory the constructor allocates (measured on a MeasuringBackend).
  static int64_t footprint(Backend& backend, const Graph& graph, const SageArch& arch);

  // For distinct `nodes`: the logits (for an unsupervised model the L2-normalised embedding),
  // or with `hidden` the last hidden layer (the logits when the model has one layer); row-major,
  // nodes.size() rows. params: the flat parameter vector in backend memory.
  // comm (several ranks; every rank must call run): each rank computes its share of every
  // hidden layer's rows, and the layer is gathered on every rank before the next.
  void run(const float* params, std::span<const NodeId> nodes, bool hidden, std::vector<float>& out,
           Comm* comm = nullptr);

 private:
  Backend& be_;
  const Graph& graph_;
  SageArch arch_;
  std::vector<LayerParams> lp_;
  CsrView csr_;
  MatrixView<const float> features_;
  MatrixBuffer h_[2], pool_, in_, out_;
  Buffer<float> inv_norm_, partials_;
  Buffer<int32_t> rows_, hub_row_, item_row_, item_chunk_;
  Buffer<int64_t> hub_first_;
  int64_t chunk_ = 0, max_items_ = 0, partial_stride_ = 0;
};

}  // namespace grl
