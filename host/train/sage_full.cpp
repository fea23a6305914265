#include "host/train/sage_full.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "host/core/error.h"
#include "host/ops/measuring_backend.h"
#include "host/pipeline/segment_plan.h"

namespace grl {

const char* inference_name(InferenceMode m) {
  return m == InferenceMode::kFull ? "full" : (m == InferenceMode::kSampled ? "sampled" : "auto");
}

std::string full_inference_unsupported(const SageArch& arch) {
  if (arch.aggregator == SageAggregator::kLstm)
    return "the lstm aggregator reads a neighbourhood as a sequence in a sampled order";
  return "";
}

FullInference::FullInference(Backend& be, const Graph& g, const SageArch& arch, CsrView csr,
                             MatrixView<const float> features)
    : be_(be), graph_(g), arch_(arch), csr_(csr), features_(features) {
  const std::string why = full_inference_unsupported(arch);
  if (!why.empty()) throw ConfigError("full-neighbourhood inference: " + why);
  lp_ = param_layout(arch).layers;
  const int K = arch.num_layers();
  const int64_t n = g.num_nodes();
  chunk_ = std::max<int64_t>(1, std::min<int64_t>(kFullChunkRows, n));
  int64_t hidden_w = 0, in_w = 1, agg_w = 1, pool_w = 0, out_w = 1;
  for (int l = 1; l <= K; ++l) {
    if (l < K) hidden_w = std::max(hidden_w, arch.layer_out(l));
    in_w = std::max(in_w, pad4(arch.layer_in(l) + arch.layer_agg(l)));
    agg_w = std::max(agg_w, pad4(arch.layer_agg(l)));
    if (arch.aggregator == SageAggregator::kPool) pool_w = std::max(pool_w, arch.layer_in(l));
    out_w = std::max(out_w, arch.layer_out(l));
  }
  size_t bytes = 0;  // MatrixBuffer's tally; footprint() measures every allocation instead
  // Hidden layers over every node (two alternating matrices; one suffices for two layers).
  if (K >= 2) h_[0] = MatrixBuffer(be, n, hidden_w, "full inference: hidden layers", bytes);
  if (K >= 3) h_[1] = MatrixBuffer(be, n, hidden_w, "full inference: hidden layers", bytes);
  if (pool_w > 0) pool_ = MatrixBuffer(be, n, pool_w, "full inference: pool activations", bytes);
  in_ = MatrixBuffer(be, chunk_, in_w, "full inference: layer inputs", bytes);
  out_ = MatrixBuffer(be, chunk_, out_w, "full inference: outputs", bytes);
  inv_norm_ = Buffer<float>(be, static_cast<size_t>(chunk_), "full inference: norms");
  rows_ = Buffer<int32_t>(be, static_cast<size_t>(chunk_), "full inference: rows");
  hub_row_ = Buffer<int32_t>(be, static_cast<size_t>(chunk_), "full inference: hubs");
  hub_first_ = Buffer<int64_t>(be, static_cast<size_t>(chunk_ + 1), "full inference: hubs");
  // Distinct rows have at most num_edges / chunk-edges further chunks in all.
  max_items_ = std::max<int64_t>(1, g.csr.num_edges() / kSegmentChunkEdges + 1);
  item_row_ = Buffer<int32_t>(be, static_cast<size_t>(max_items_), "full inference: hub chunks");
  item_chunk_ = Buffer<int32_t>(be, static_cast<size_t>(max_items_), "full inference: hub chunks");
  partial_stride_ = agg_w;
  partials_ =
      Buffer<float>(be, static_cast<size_t>(max_items_ * agg_w), "full inference: hub partials");
}

int64_t FullInference::footprint(Backend& backend, const Graph& g, const SageArch& arch) {
  MeasuringBackend m(backend);
  FullInference sizing(m, g, arch, CsrView{}, MatrixView<const float>{});
  return m.backend_bytes();
}

void FullInference::run(const float* params, std::span<const NodeId> nodes, bool hidden,
                        std::vector<float>& out, Comm* comm) {
  const bool sharded = comm && comm->size() > 1;
  const int K = arch_.num_layers();
  const int last = hidden && K >= 2 ? K - 1 : K;
  const int64_t n = graph_.num_nodes();
  const int64_t m = static_cast<int64_t>(nodes.size());
  const int64_t width = arch_.layer_out(last);
  out.assign(static_cast<size_t>(m * width), 0.0f);
  std::vector<int32_t> all;
  MatrixView<const float> src = features_;
  std::vector<float> chunk;
  for (int l = 1; l <= last; ++l) {
    const LayerParams& P = lp_[l - 1];
    const int64_t d_in = arch_.layer_in(l), d_agg = arch_.layer_agg(l), d_out = arch_.layer_out(l);
    // pool: every node's relu(h W_pool + b_pool) once, the segmented max reads it.
    MatrixView<const float> agg_src = src;
    if (arch_.aggregator == SageAggregator::kPool) {
      MatrixView<float> p = {pool_.buf.data(), n, d_in, pool_.stride};
      be_.gemm(false, false, n, d_in, d_in, 1.0f, src.data, src.stride, params + P.w_pool, d_in,
               0.0f, p.data, p.stride);
      be_.bias_act(p, params + P.b_pool, Activation::kRelu);
      agg_src = as_const(p);
    }
    const bool final_layer = l == last;
    if (!final_layer && all.empty()) {
      all.resize(static_cast<size_t>(n));
      for (int64_t v = 0; v < n; ++v) all[v] = static_cast<int32_t>(v);
    }
    const int32_t* rows = final_layer ? nodes.data() : all.data();
    const int64_t num_rows = final_layer ? m : n;
    // Several ranks: rank r computes hidden rows [n r / N, n (r + 1) / N).
    int64_t lo = 0, hi = num_rows;
    if (sharded && !final_layer) std::tie(lo, hi) = comm->share(n);
    MatrixBuffer& next = h_[(l - 1) % 2];
    const AggregateKind kind =
        arch_.aggregator == SageAggregator::kMean ? AggregateKind::kMean : AggregateKind::kMax;
    for (int64_t c0 = lo; c0 < hi; c0 += chunk_) {
      const int64_t R = std::min(chunk_, hi - c0);
      const int32_t* hr = rows + c0;
      rows_.upload(hr, static_cast<size_t>(R));
      const SegmentPlanHost hp = segment_plan(graph_.csr.offsets.data(), hr, R);
      if (hp.num_items() > max_items_) throw Error("full inference: hub plan exceeds its bound");
      if (hp.num_hubs() > 0) {
        hub_row_.upload(hp.hub_row.data(), hp.hub_row.size());
        hub_first_.upload(hp.hub_first.data(), hp.hub_first.size());
        item_row_.upload(hp.item_row.data(), hp.item_row.size());
        item_chunk_.upload(hp.item_chunk.data(), hp.item_chunk.size());
      }
      const SegmentPlan plan{hp.num_hubs(),     hp.num_items(),   hub_row_.data(),
                             hub_first_.data(), item_row_.data(), item_chunk_.data(),
                             partials_.data(),  partial_stride_};
      MatrixView<float> left{in_.buf.data(), R, d_in, in_.stride};
      MatrixView<float> right{in_.buf.data() + d_in, R, d_agg, in_.stride};
      be_.gather_rows(src, rows_.data(), left);
      be_.segment_reduce(kind, agg_src, csr_, rows_.data(), R, plan, right);
      // z = [self | agg] [W_self; W_neigh]: into every node's matrix, or the chunk's outputs.
      MatrixView<float> z = final_layer ? MatrixView<float>{out_.buf.data(), R, d_out, out_.stride}
                                        : MatrixView<float>{next.buf.data() + c0 * next.stride, R,
                                                            d_out, next.stride};
      be_.gemm(false, false, R, d_out, d_in + d_agg, 1.0f, in_.buf.data(), in_.stride,
               params + P.w_self, d_out, 0.0f, z.data, z.stride);
      if (l == K) {
        be_.bias_act(z, params + P.bias, Activation::kNone);
        if (arch_.unsupervised) be_.l2norm_forward(z, inv_norm_.data());
      } else if (!arch_.normalize) {
        be_.bias_relu_dropout(z, params + P.bias, 0.0f, 0, 0, nullptr);
      } else {
        be_.bias_act(z, params + P.bias, Activation::kRelu);
        be_.l2norm_forward(z, inv_norm_.data());
      }
      if (!final_layer) continue;
      chunk.resize(static_cast<size_t>(R * z.stride));
      be_.download(chunk.data(), z.data, chunk.size() * sizeof(float));
      for (int64_t r = 0; r < R; ++r)
        std::memcpy(out.data() + (c0 + r) * width, chunk.data() + r * z.stride,
                    width * sizeof(float));
    }
    if (!final_layer && sharded) {
      // Every rank's rows of this layer to every rank, before the next layer reads them.
      std::vector<float> mine(static_cast<size_t>((hi - lo) * next.stride));
      if (!mine.empty())
        be_.download(mine.data(), next.buf.data() + lo * next.stride, mine.size() * sizeof(float));
      const std::vector<float> rows_all = comm->allgather(mine);
      if (!rows_all.empty())
        be_.upload(next.buf.data(), rows_all.data(), rows_all.size() * sizeof(float));
    }
    if (!final_layer) src = next.cview(n);
  }
}

}  // namespace grl
