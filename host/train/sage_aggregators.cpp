#include "host/train/sage_aggregators.h"

#include <algorithm>

#include "host/pipeline/matrix_buffer.h"

namespace grl {

namespace {

template <class T>
Buffer<T> alloc(Backend& be, size_t n, const char* what, size_t& bytes) {
  bytes += n * sizeof(T);
  return Buffer<T>(be, n, what);
}

// ---- mean and max: the fused gather + segmented reduction ------------------------------------
class MeanMaxPass final : public AggregatorPass {
 public:
  MeanMaxPass(Backend& be, const LayerShape& s, bool max, size_t& bytes)
      : be_(be), kind_(max ? AggregateKind::kMax : AggregateKind::kMean) {
    if (max) argslot_ = alloc<uint8_t>(be, s.n_dst_max * s.d_in, "arg-max slots", bytes);
  }
  bool reads_gathered_sources() const override { return false; }
  bool has_parameters() const override { return false; }
  void forward(const AggregatorIo&, const LayerParams&, const BlockView& block,
               MatrixView<const float> src, const int32_t* row_map, MatrixView<float> agg, int64_t,
               uint32_t) override {
    be_.aggregate_forward(kind_, src, row_map, block, agg, argslot_.data());
  }
  void backward(const AggregatorIo& io, const LayerParams&, const BlockView& block,
                MatrixView<const float>, MatrixView<const float> d_agg, MatrixView<float> d_src,
                int64_t) override {
    be_.aggregate_backward(kind_, block, d_agg, argslot_.data(), d_src, io.scratch,
                           io.scratch_bytes);
  }

 private:
  Backend& be_;
  AggregateKind kind_;
  Buffer<uint8_t> argslot_;
};

// ---- pool: max over relu(h_u W_pool + b_pool) ------------------------------------------------
class PoolPass final : public AggregatorPass {
 public:
  PoolPass(Backend& be, const LayerShape& s, bool training, size_t& bytes) : be_(be), s_(s) {
    out_ = MatrixBuffer(be, s.n_src_max, s.d_in, "pool activations", bytes);
    argslot_ = alloc<uint8_t>(be, s.n_dst_max * s.d_in, "arg-max slots", bytes);
    if (training) d_out_ = MatrixBuffer(be, s.n_src_max, s.d_in, "gradients", bytes);
  }
  bool reads_gathered_sources() const override { return true; }
  bool has_parameters() const override { return true; }
  void forward(const AggregatorIo& io, const LayerParams& P, const BlockView& block,
               MatrixView<const float> src, const int32_t*, MatrixView<float> agg, int64_t n_src,
               uint32_t) override {
    const int64_t d = s_.d_in;
    be_.gemm(false, false, n_src, d, d, 1.0f, src.data, src.stride, io.params + P.w_pool, d, 0.0f,
             out_.buf.data(), out_.stride);
    be_.bias_act(out_.view(n_src), io.params + P.b_pool, Activation::kRelu);
    be_.aggregate_forward(AggregateKind::kMax, out_.cview(n_src), nullptr, block, agg,
                          argslot_.data());
  }
  void backward(const AggregatorIo& io, const LayerParams& P, const BlockView& block,
                MatrixView<const float> src, MatrixView<const float> d_agg, MatrixView<float> d_src,
                int64_t n_src) override {
    const int64_t d = s_.d_in;
    be_.aggregate_backward(AggregateKind::kMax, block, d_agg, argslot_.data(), d_out_.view(n_src),
                           io.scratch, io.scratch_bytes);
    be_.relu_backward(d_out_.view(n_src), out_.cview(n_src));
    be_.column_sums(d_out_.cview(n_src), io.grads + P.b_pool, false, io.partials);
    be_.gemm(true, false, d, d, n_src, 1.0f, src.data, src.stride, d_out_.buf.data(), d_out_.stride,
             0.0f, io.grads + P.w_pool, d);
    if (!d_src.data) return;
    be_.gemm(false, true, n_src, d, d, 1.0f, d_out_.buf.data(), d_out_.stride, io.params + P.w_pool,
             d, 0.0f, d_src.data, d_src.stride);
  }

 private:
  Backend& be_;
  LayerShape s_;
  MatrixBuffer out_, d_out_;
  Buffer<uint8_t> argslot_;
};

// ---- lstm: batched recurrence over the destinations (kernels/lstm.h) ------------------------
class LstmPass final : public AggregatorPass {
 public:
  LstmPass(Backend& be, const LayerShape& s, int64_t H, bool training, uint64_t seed, size_t& bytes)
      : be_(be), s_(s), H_(H), seed_(seed), width_(s.max_fanout) {
    const int64_t T = std::max(width_, 1);
    proj_ = MatrixBuffer(be, s.n_src_max, 4 * H, "lstm projections", bytes);
    gates_ = MatrixBuffer(be, T * s.n_dst_max, 4 * H, "lstm gates", bytes);
    cells_ = MatrixBuffer(be, T * s.n_dst_max, H, "lstm states", bytes);
    hiddens_ = MatrixBuffer(be, T * s.n_dst_max, H, "lstm states", bytes);
    ord_ = alloc<uint8_t>(be, s.n_dst_max * T, "lstm orders", bytes);
    tpos_ = alloc<uint8_t>(be, s.n_dst_max * T, "lstm orders", bytes);
    if (training) {
      d_proj_ = MatrixBuffer(be, s.n_src_max, 4 * H, "gradients", bytes);
      dh_run_ = MatrixBuffer(be, s.n_dst_max, H, "gradients", bytes);
      dc_run_ = MatrixBuffer(be, s.n_dst_max, H, "gradients", bytes);
    }
  }
  bool reads_gathered_sources() const override { return true; }
  bool has_parameters() const override { return true; }

  // P = X W_ih once per source, then one recurrent GEMM and one gate kernel per step; the last
  // hidden states land in agg.
  void forward(const AggregatorIo& io, const LayerParams& P, const BlockView& block,
               MatrixView<const float> x, const int32_t*, MatrixView<float> agg, int64_t n_src,
               uint32_t order_key) override {
    const int64_t H = H_;
    be_.gemm(false, false, n_src, 4 * H, s_.d_in, 1.0f, x.data, x.stride, io.params + P.w_ih, 4 * H,
             0.0f, proj_.buf.data(), proj_.stride);
    be_.lstm_orders(block, width_, seed_, order_key, ord_.data(), tpos_.data());
    for (int t = 0; t < width_; ++t) {
      const LstmStep st{t, lstm_active_rows(block, t), width_};
      if (st.rows == 0) break;
      MatrixView<float> g = slab(gates_, t, st.rows);
      if (t > 0)
        be_.gemm(false, false, st.rows, 4 * H, H, 1.0f, slab(hiddens_, t - 1, st.rows).data,
                 hiddens_.stride, io.params + P.w_hh, 4 * H, 0.0f, g.data, g.stride);
      MatrixView<const float> c_prev =
          t > 0 ? as_const(slab(cells_, t - 1, st.rows)) : MatrixView<const float>{};
      be_.lstm_gates_forward(block, st, proj_.cview(n_src), ord_.data(), io.params + P.b_lstm, g,
                             c_prev, slab(cells_, t, st.rows), slab(hiddens_, t, st.rows), agg);
    }
  }

  // Backpropagation through time from d agg: gradients of W_hh, b and W_ih, and, into d_src
  // when it is set, of the source rows.
  void backward(const AggregatorIo& io, const LayerParams& P, const BlockView& block,
                MatrixView<const float> x, MatrixView<const float> d_agg, MatrixView<float> d_src,
                int64_t n_src) override {
    const int64_t H = H_;
    int steps = 0;
    while (steps < width_ && lstm_active_rows(block, steps) > 0) ++steps;
    be_.zero(io.grads + P.w_hh, static_cast<size_t>(H * 4 * H) * sizeof(float));
    be_.zero(io.grads + P.b_lstm, static_cast<size_t>(4 * H) * sizeof(float));
    for (int t = steps - 1; t >= 0; --t) {
      const LstmStep st{t, lstm_active_rows(block, t), width_};
      MatrixView<float> g = slab(gates_, t, st.rows);
      MatrixView<const float> c_prev =
          t > 0 ? as_const(slab(cells_, t - 1, st.rows)) : MatrixView<const float>{};
      be_.lstm_gates_backward(block, st, g, c_prev, as_const(slab(cells_, t, st.rows)),
                              {d_agg.data, st.rows, d_agg.cols, d_agg.stride},
                              dh_run_.view(st.rows), dc_run_.view(st.rows));
      be_.column_sums(as_const(g), io.grads + P.b_lstm, true, io.partials);
      if (t == 0) continue;
      MatrixView<const float> h_prev = as_const(slab(hiddens_, t - 1, st.rows));
      be_.gemm(true, false, H, 4 * H, st.rows, 1.0f, h_prev.data, h_prev.stride, g.data, g.stride,
               1.0f, io.grads + P.w_hh, 4 * H);
      be_.gemm(false, true, st.rows, H, 4 * H, 1.0f, g.data, g.stride, io.params + P.w_hh, 4 * H,
               0.0f, dh_run_.buf.data(), dh_run_.stride);
    }
    MatrixView<const float> all{gates_.buf.data(), static_cast<int64_t>(steps) * s_.n_dst_max,
                                4 * H, gates_.stride};
    be_.lstm_scatter(block, all, s_.n_dst_max, tpos_.data(), width_, d_proj_.view(n_src),
                     io.scratch, io.scratch_bytes);
    be_.gemm(true, false, s_.d_in, 4 * H, n_src, 1.0f, x.data, x.stride, d_proj_.buf.data(),
             d_proj_.stride, 0.0f, io.grads + P.w_ih, 4 * H);
    if (d_src.data)
      be_.gemm(false, true, n_src, s_.d_in, 4 * H, 1.0f, d_proj_.buf.data(), d_proj_.stride,
               io.params + P.w_ih, 4 * H, 0.0f, d_src.data, d_src.stride);
  }

 private:
  // Step t's rows of a per-step buffer: slabs of n_dst_max rows.
  MatrixView<float> slab(const MatrixBuffer& m, int t, int64_t rows) const {
    return {m.buf.data() + t * s_.n_dst_max * m.stride, rows, m.cols, m.stride};
  }

  Backend& be_;
  LayerShape s_;
  int64_t H_;
  uint64_t seed_;
  int width_;
  MatrixBuffer proj_, d_proj_, gates_, cells_, hiddens_, dh_run_, dc_run_;
  Buffer<uint8_t> ord_, tpos_;
};

}  // namespace

std::unique_ptr<AggregatorPass> make_aggregator_pass(Backend& be, const SageArch& arch,
                                                     const LayerShape& s, bool training,
                                                     uint64_t seed, size_t& bytes) {
  switch (arch.aggregator) {
    case SageAggregator::kPool:
      return std::make_unique<PoolPass>(be, s, training, bytes);
    case SageAggregator::kLstm:
      return std::make_unique<LstmPass>(be, s, arch.lstm_hidden, training, seed, bytes);
    case SageAggregator::kMax:
      return std::make_unique<MeanMaxPass>(be, s, true, bytes);
    case SageAggregator::kMean:
      break;
  }
  return std::make_unique<MeanMaxPass>(be, s, false, bytes);
}

}  // namespace grl
