#include "host/train/sage_layers.h"

#include <algorithm>

#include "host/pipeline/sample_plan.h"

namespace grl {

namespace {

constexpr const char* kForward[] = {"forward.l1", "forward.l2", "forward.l3",
                                    "forward.l4", "forward.l5", "forward.l6"};
constexpr const char* kBackward[] = {"backward.l1", "backward.l2", "backward.l3",
                                     "backward.l4", "backward.l5", "backward.l6"};

}  // namespace

SageLayers::SageLayers(Backend& be, const SageArch& arch, const SampleLayout& L, bool training,
                       float dropout, float input_dropout, uint64_t seed, size_t& bytes)
    : be_(be),
      arch_(arch),
      layout_(L),
      dropout_(dropout),
      input_dropout_(input_dropout),
      seed_(seed),
      K_(arch.num_layers()) {
  lp_ = param_layout(arch).layers;
  const bool lstm = arch.aggregator == SageAggregator::kLstm;
  int64_t max_rows = 1, max_dim = 1;
  layers_.resize(K_);
  for (int l = 1; l <= K_; ++l) {
    Layer& y = layers_[l - 1];
    LayerShape& s = y.shape;
    s.layer = l;
    s.d_in = arch.layer_in(l);
    s.d_out = arch.layer_out(l);
    s.d_agg = arch.layer_agg(l);
    s.n_dst_max = std::max<int64_t>(L.max_hop_end[K_ - l], 1);
    s.n_src_max = std::max<int64_t>(L.max_hop_end[K_ - l + 1], 1);
    for (int h = 1; h <= K_ - l + 1; ++h) {
      s.slots_max += L.max_rows[h - 1] * L.fanouts[h - 1];
      s.max_fanout = std::max(s.max_fanout, L.fanouts[h - 1]);
    }
    max_rows = std::max({max_rows, s.n_src_max, s.n_dst_max});
    max_dim = std::max({max_dim, s.d_in, s.d_out, lstm ? 4 * arch.lstm_hidden : 0});
    y.in = MatrixBuffer(be, l == 1 ? s.n_dst_max : s.n_src_max, s.d_in + s.d_agg, "layer inputs",
                        bytes);
    y.agg = make_aggregator_pass(be, arch, s, training, seed, bytes);
    if (l == 1 && (y.agg->reads_gathered_sources() || drops_inputs(training)))
      y.gathered = MatrixBuffer(be, s.n_src_max, s.d_in, "gathered inputs", bytes);
    // The last layer's logits; hidden layers write straight into the next layer's input. With
    // normalisation, training keeps the normalised rows before dropout here for backward.
    if (l == K_)
      y.act = MatrixBuffer(be, s.n_dst_max, s.d_out, "logits", bytes);
    else if (arch.normalize && training)
      y.act = MatrixBuffer(be, s.n_dst_max, s.d_out, "activations", bytes);
    if (arch.normalize && l < K_) {
      y.inv_norm = Buffer<float>(be, s.n_dst_max, "norms");
      bytes += s.n_dst_max * sizeof(float);
    }
    if (training) {
      y.g_out = MatrixBuffer(be, s.n_dst_max, s.d_out, "gradients", bytes);
      if (l > 1 || y.agg->has_parameters()) {
        y.d_agg = MatrixBuffer(be, s.n_dst_max, s.d_agg, "gradients", bytes);
        scratch_bytes_ =
            std::max(scratch_bytes_, be.aggregate_backward_scratch_bytes(s.slots_max, s.n_src_max));
      }
    }
  }
  if (scratch_bytes_) {
    scratch_ = Buffer<char>(be, scratch_bytes_, "aggregation scratch");
    bytes += scratch_bytes_;
  }
  const int64_t partials = ((max_rows + kColumnSumChunk - 1) / kColumnSumChunk) * max_dim + max_dim;
  partials_ = Buffer<float>(be, partials, "column sums");
  bytes += partials * sizeof(float);
}

SageLayers::~SageLayers() = default;

void SageLayers::drop_gathered_sources(size_t& bytes) {
  Layer& first = layers_[0];
  if (!first.gathered.buf.size() || input_dropout_ > 0.0f) return;  // dropped rows live there
  bytes -= first.gathered.buf.size() * sizeof(float);
  first.gathered = MatrixBuffer();
}

MatrixView<const float> SageLayers::hidden(int64_t rows) const {
  return K_ >= 2 ? as_const(layers_[K_ - 1].left(rows)) : layers_[0].act.cview(rows);
}

AggregatorIo SageLayers::io(const float* params, float* grads) {
  return AggregatorIo{params, grads, partials_.data(), scratch_.data(), scratch_bytes_};
}

// The first layer's source rows as a matrix, where the aggregators and GEMMs read them: the
// ring's rows (host-resident features), else the layer's own gathered copy (always, when a
// training pass drops out inputs).
MatrixView<const float> SageLayers::first_sources(const LayerBatch& b, int64_t rows,
                                                  bool training) const {
  if (b.source_rows.data && !drops_inputs(training))
    return {b.source_rows.data, rows, b.source_rows.cols, b.source_rows.stride};
  return layers_[0].gathered.cview(rows);
}

void SageLayers::forward(const LayerBatch& b, const float* params, const LayerPassKeys& k) {
  for (int l = 1; l <= K_; ++l) {
    forward_layer(l, b, params, k);
    if (k.marks) be_.mark(kForward[l - 1]);
  }
}

void SageLayers::backward(const LayerBatch& b, const float* params, float* grads,
                          const LayerPassKeys& k, const std::function<void(int)>& layer_done) {
  for (int l = K_; l >= 1; --l) {
    backward_layer(l, b, params, grads, k);
    if (k.marks) be_.mark(kBackward[l - 1]);
    if (layer_done) layer_done(l);
  }
}

void SageLayers::forward_layer(int l, const LayerBatch& b, const float* params,
                               const LayerPassKeys& k) {
  Layer& y = layers_[l - 1];
  const LayerShape& s = y.shape;
  const LayerParams& P = lp_[l - 1];
  const int64_t n_dst = b.hop_end[K_ - l], n_src = b.hop_end[K_ - l + 1];
  BlockView block = make_block(layout_, b.hop_end, b.cnt, b.nbr, l, K_);
  block.ids = b.nodes;  // per-row draws keyed by node
  const bool remote = b.source_rows.data != nullptr;
  const int32_t* row_map = l == 1 && !remote && !drops_inputs(k.training) ? b.nodes : nullptr;
  // The first layer's feature rows: with features in host memory they were brought into the
  // slot's rows on the sample lane (each row crosses the host link once, however many edges
  // read it); from GPU memory they are gathered once when the aggregator reads them as a
  // matrix (pool, lstm), else read in place through the row map.
  const bool drop = l == 1 && drops_inputs(k.training);
  const bool gathered = l == 1 && (remote || drop || y.agg->reads_gathered_sources());
  if (l == 1) {
    if (drop && remote)
      be_.copy_rows(first_sources(b, n_src, false), y.gathered.view(n_src));
    else if (gathered && !remote)
      be_.gather_rows(b.features, b.nodes, y.gathered.view(n_src));
    // Masks keyed by node (the rows are nodes[0, n_src)): the same in any batch.
    if (drop)
      be_.dropout(y.gathered.view(n_src), input_dropout_, seed_, dropout_key(k.step, 0), b.nodes);
    if (gathered)  // destinations lead the sources
      be_.copy_rows(first_sources(b, n_dst, k.training), y.left(n_dst));
    else
      be_.gather_rows(b.features, b.nodes, y.left(n_dst));
    be_.mark("gather");
  }
  MatrixView<const float> src = l == 1
                                    ? (gathered ? first_sources(b, n_src, k.training) : b.features)
                                    : as_const(y.left(n_src));
  y.agg->forward(io(params, nullptr), P, block, src, row_map, y.right(n_dst), n_src,
                 dropout_key(k.order_pass, l));
  // z = [self | agg] [W_self; W_neigh]
  MatrixView<float> z = l < K_ ? layers_[l].left(n_dst) : y.act.view(n_dst);
  be_.gemm(false, false, n_dst, s.d_out, s.d_in + s.d_agg, 1.0f, y.in.buf.data(), y.in.stride,
           params + P.w_self, s.d_out, 0.0f, z.data, z.stride);
  const uint32_t key = dropout_key(k.step, l);
  if (l == K_) {
    be_.bias_act(z, params + P.bias, Activation::kNone);
  } else if (!arch_.normalize) {
    be_.bias_relu_dropout(z, params + P.bias, k.training ? dropout_ : 0.0f, seed_, key, b.nodes);
  } else {
    be_.bias_act(z, params + P.bias, Activation::kRelu);
    be_.l2norm_forward(z, y.inv_norm.data());
    if (k.training) {
      be_.copy_rows(as_const(z), y.act.view(n_dst));  // the normalised rows, for backward
      if (dropout_ > 0.0f) be_.dropout(z, dropout_, seed_, key, b.nodes);
    }
  }
}

void SageLayers::backward_layer(int l, const LayerBatch& b, const float* params, float* grads,
                                const LayerPassKeys& k) {
  Layer& y = layers_[l - 1];
  const LayerShape& s = y.shape;
  const LayerParams& P = lp_[l - 1];
  const int64_t n_dst = b.hop_end[K_ - l], n_src = b.hop_end[K_ - l + 1];
  BlockView block = make_block(layout_, b.hop_end, b.cnt, b.nbr, l, K_);
  block.ids = b.nodes;  // per-row draws keyed by node
  MatrixView<float> dz = y.g_out.view(n_dst);
  if (l < K_ && !arch_.normalize) {
    // The output is > 0 exactly where a unit was active and kept.
    be_.relu_dropout_backward(dz, as_const(layers_[l].left(n_dst)), k.training ? dropout_ : 0.0f);
  } else if (l < K_) {
    if (k.training && dropout_ > 0.0f)
      be_.dropout(dz, dropout_, seed_, dropout_key(k.step, l), b.nodes);
    be_.l2norm_backward(dz, y.act.cview(n_dst), y.inv_norm.data());
    be_.relu_backward(dz, y.act.cview(n_dst));
  }
  MatrixView<const float> dzc = as_const(dz);
  be_.column_sums(dzc, grads + P.bias, false, partials_.data());
  // [dW_self; dW_neigh] = [self | agg]^T dz in one GEMM.
  be_.gemm(true, false, s.d_in + s.d_agg, s.d_out, n_dst, 1.0f, y.in.buf.data(), y.in.stride,
           dz.data, dz.stride, 0.0f, grads + P.w_self, s.d_out);
  if (l == 1 && !y.agg->has_parameters()) return;  // input features take no gradient
  // d agg = dz W_neigh^T
  be_.gemm(false, true, n_dst, s.d_agg, s.d_out, 1.0f, dz.data, dz.stride, params + P.w_neigh,
           s.d_out, 0.0f, y.d_agg.buf.data(), y.d_agg.stride);
  MatrixView<const float> src =
      l == 1 ? first_sources(b, n_src, k.training) : as_const(y.left(n_src));
  MatrixView<float> d_src = l == 1 ? MatrixView<float>{} : layers_[l - 2].g_out.view(n_src);
  y.agg->backward(io(params, grads), P, block, src, y.d_agg.cview(n_dst), d_src, n_src);
  if (l == 1) return;
  // The destinations are the first rows of the sources: add the self path's gradient.
  Layer& prev = layers_[l - 2];
  be_.gemm(false, true, n_dst, s.d_in, s.d_out, 1.0f, dz.data, dz.stride, params + P.w_self,
           s.d_out, 1.0f, prev.g_out.buf.data(), prev.g_out.stride);
}

}  // namespace grl
