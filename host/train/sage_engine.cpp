#include "host/train/sage_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <utility>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/pipeline/lane_scope.h"
#include "host/pipeline/sample_plan.h"
#include "kernels/lstm.h"

namespace grl {

namespace {

int64_t pad4(int64_t x) { return (x + 3) / 4 * 4; }

// A row-major matrix buffer sized for `cap` rows; views take the batch's actual row count.
struct Mat {
  Buffer<float> buf;
  int64_t cap = 0, cols = 0, stride = 0;
  Mat() = default;
  Mat(Backend& b, int64_t rows, int64_t c, const char* what, size_t& bytes)
      : buf(b, static_cast<size_t>(std::max<int64_t>(rows, 1) * pad4(c)), what),
        cap(rows),
        cols(c),
        stride(pad4(c)) {
    bytes += buf.size() * sizeof(float);
  }
  MatrixView<float> view(int64_t rows) const { return {buf.data(), rows, cols, stride}; }
  MatrixView<const float> cview(int64_t rows) const { return {buf.data(), rows, cols, stride}; }
};

MatrixView<const float> as_const(MatrixView<float> m) { return {m.data, m.rows, m.cols, m.stride}; }

}  // namespace

struct SageEngine::Impl {
  Backend& be;
  const Graph& graph;
  SageArch arch;
  EngineOptions opt;
  SampleLayout L;
  int K = 0;
  size_t* bytes = nullptr;

  // Graph in backend memory (views point at host arrays on the CPU backend).
  Buffer<EdgeIndex> offsets_dev;
  Buffer<NodeId> indices_dev;
  Buffer<float> features_dev;
  CsrView csr;
  MatrixView<const float> features;

  // The prefetch ring: each slot holds one minibatch's sample and labels, written on the
  // sample lane ahead of the compute that reads them (Backend lanes). `sampled` orders the
  // compute after the sample; `consumed` orders the slot's next sample after that compute.
  // Hop counts come back through pinned memory, so the host never waits on the compute lane.
  struct Slot {
    Buffer<NodeId> seeds, nodes, seeds_staging;
    Buffer<int32_t> hop_end, seed_local, cnt, nbr, labels, hop_staging, labels_staging;
    Mat targets;
    Buffer<float> targets_staging;
    Buffer<char> scratch;
    // Host-resident features: the batch's first-layer rows, brought into backend memory on the
    // sample lane (HostGather). The CPU gather reads the sampled nodes back through pinned
    // memory and stages the rows in pinned memory; `staged` marks its copy done.
    Mat feat;
    Buffer<NodeId> nodes_staging;
    Buffer<float> feat_staging;
    int staged = -1;
    bool host_staged = false;  // the CPU gather of this slot's batch is done and its copy queued
    int sampled = -1, consumed = -1;
    bool consumed_recorded = false;
    int64_t batch = 0;
  };
  std::vector<Slot> slots;
  std::deque<int> queue;  // enqueued and not yet trained, oldest first
  int next_slot = 0;
  Slot* cur = nullptr;  // the batch being computed
  std::vector<int32_t> hop_end_host;

  // Layer l's input is one matrix [self | aggregate] (d_in + d_agg columns), so the layer is one
  // GEMM with the stacked [W_self; W_neigh]. Rows [0, n_dst) hold both halves; for l > 1 the
  // left half of rows [0, n_src) is where layer l - 1 wrote its output, which the aggregation
  // reads.
  struct Layer {
    int64_t d_in = 0, d_out = 0, d_agg = 0, n_dst_max = 0, n_src_max = 0, slots_max = 0;
    Mat in, pool_in, pool_out, act, g_out, d_agg_m, d_pool;
    Buffer<uint8_t> argslot;
    Buffer<float> inv_norm;
    // LSTM: source projections and their gradient (n_src x 4H), per-step gates (4H) and cell
    // and hidden states (H) in slabs of n_dst_max rows, the running BPTT gradients, orders.
    int steps = 0;
    Mat proj, d_proj, gates, cells, hiddens, dh_run, dc_run;
    Buffer<uint8_t> ord, tpos;
    MatrixView<float> left(int64_t rows) const { return {in.buf.data(), rows, d_in, in.stride}; }
    MatrixView<float> right(int64_t rows) const {
      return {in.buf.data() + d_in, rows, d_agg, in.stride};
    }
    MatrixView<float> slab(const Mat& m, int t, int64_t rows) const {
      return {m.buf.data() + t * n_dst_max * m.stride, rows, m.cols, m.stride};
    }
  };
  std::vector<Layer> layers;  // index l - 1

  // Parameters and optimiser state.
  Buffer<float> params, grads, m1, m2;
  int64_t num_params = 0;
  uint64_t opt_steps = 0;
  // Gradient clipping (only with opt.clip_grad_norm > 0): the squared global norm of this
  // step's gradient, the sum of norms since take_mean_grad_norm, and the reduction's partials.
  Buffer<float> grad_sumsq, grad_norm_acc, norm_partials;
  int64_t norm_steps = 0;
  std::vector<LayerParams> lp;

  // Loss.
  Buffer<int32_t> pred;
  Buffer<float> row_loss, loss_acc, partials;
  Buffer<char> agg_scratch;
  size_t agg_scratch_bytes = 0;

  // Unsupervised loss (arch.unsupervised): the batch's indices u | v | neg | ref_offsets | refs
  // in one upload, the loss's per-pair outputs, the output rows' inverse norms.
  Buffer<int32_t> unsup_index;
  Buffer<float> unsup_coef, unsup_pair_loss, out_inv_norm;
  std::vector<int32_t> unsup_host;

  Impl(Backend& b, const Graph& g, const SageArch& a, const EngineOptions& o)
      : be(b), graph(g), arch(a), opt(o) {}

  template <class T>
  Buffer<T> alloc(size_t n, const char* what) {
    *bytes += n * sizeof(T);
    return Buffer<T>(be, n, what);
  }

  float* param(int64_t off) const { return params.data() + off; }
  float* grad(int64_t off) const { return grads.data() + off; }

  void setup() {
    K = arch.num_layers();
    L = make_sample_layout(opt.max_batch, arch.fanouts, graph.num_nodes());
    // The prefetch ring: `prefetch` batches sampled ahead of the one being computed.
    if (opt.prefetch < 0) throw UsageError("--prefetch must be >= 0");
    const int nslots = opt.training ? opt.prefetch + 1 : 1;
    const size_t sb = be.sample_scratch_bytes(L);
    slots.resize(nslots);
    for (Slot& S : slots) {
      S.seeds = alloc<NodeId>(L.max_seeds, "batch seeds");
      S.nodes = alloc<NodeId>(std::max<int64_t>(L.max_nodes, 1), "sampled nodes");
      S.hop_end = alloc<int32_t>(K + 1, "hop counts");
      S.seed_local = alloc<int32_t>(L.max_seeds, "seed ids");
      S.cnt = alloc<int32_t>(std::max<int64_t>(L.total_rows, 1), "neighbour counts");
      S.nbr = alloc<int32_t>(std::max<int64_t>(L.total_slots, 1), "neighbour lists");
      if (sb) S.scratch = alloc<char>(sb, "sampling scratch");
      S.seeds_staging = Buffer<NodeId>(be, L.max_seeds, "seed staging", Residence::kHostMapped);
      S.hop_staging = Buffer<int32_t>(be, K + 1, "hop count staging", Residence::kHostMapped);
      if (opt.training && !arch.unsupervised) {
        if (arch.multi_label) {
          S.targets = Mat(be, L.max_seeds, arch.num_classes, "targets", *bytes);
          S.targets_staging =
              Buffer<float>(be, S.targets.buf.size(), "target staging", Residence::kHostMapped);
        } else {
          S.labels = alloc<int32_t>(L.max_seeds, "labels");
          S.labels_staging =
              Buffer<int32_t>(be, L.max_seeds, "label staging", Residence::kHostMapped);
        }
      }
      S.sampled = be.new_event();
      S.consumed = be.new_event();
    }
    hop_end_host.assign(K + 1, 0);

    // Parameters.
    SageModel shape(arch);
    num_params = shape.num_params();
    for (int l = 1; l <= K; ++l) lp.push_back(shape.layer(l));
    params = alloc<float>(num_params, "parameters");
    if (opt.training) {
      grads = alloc<float>(num_params, "gradients");
      grads.zero();  // the alignment gaps between tensors are never written by a step
      m1 = alloc<float>(num_params, "optimiser state");
      m1.zero();
      if (opt.optimizer == "adam") {
        m2 = alloc<float>(num_params, "optimiser state");
        m2.zero();
      } else if (opt.optimizer != "sgd") {
        throw UsageError("unknown optimizer '" + opt.optimizer + "' (expected adam or sgd)");
      }
      if (opt.clip_grad_norm > 0.0f) {
        grad_sumsq = alloc<float>(1, "gradient norm");
        grad_norm_acc = alloc<float>(1, "gradient norm total");
        grad_norm_acc.zero();
        norm_partials = alloc<float>(sum_squares_partials(num_params), "gradient norm partials");
      }
    }

    // Layer buffers from the bounds.
    const bool pool = arch.aggregator == SageAggregator::kPool;
    const bool lstm = arch.aggregator == SageAggregator::kLstm;
    const bool maxlike = arch.aggregator == SageAggregator::kMax || pool;
    int64_t max_rows = 1, max_dim = 1;
    layers.resize(K);
    for (int l = 1; l <= K; ++l) {
      Layer& y = layers[l - 1];
      y.d_in = arch.layer_in(l);
      y.d_out = arch.layer_out(l);
      y.d_agg = arch.layer_agg(l);
      y.n_dst_max = std::max<int64_t>(L.max_hop_end[K - l], 1);
      y.n_src_max = std::max<int64_t>(L.max_hop_end[K - l + 1], 1);
      for (int h = 1; h <= K - l + 1; ++h) y.slots_max += L.max_rows[h - 1] * L.fanouts[h - 1];
      max_rows = std::max({max_rows, y.n_src_max, y.n_dst_max});
      max_dim = std::max({max_dim, y.d_in, y.d_out, lstm ? 4 * arch.lstm_hidden : 0});
      size_t& B = *bytes;
      y.in = Mat(be, l == 1 ? y.n_dst_max : y.n_src_max, y.d_in + y.d_agg, "layer inputs", B);
      if ((pool || lstm) && l == 1) y.pool_in = Mat(be, y.n_src_max, y.d_in, "gathered inputs", B);
      if (lstm) {
        const int64_t H = arch.lstm_hidden;
        for (int h = 1; h <= K - l + 1; ++h) y.steps = std::max(y.steps, L.fanouts[h - 1]);
        const int64_t T = std::max(y.steps, 1);
        y.proj = Mat(be, y.n_src_max, 4 * H, "lstm projections", B);
        y.gates = Mat(be, T * y.n_dst_max, 4 * H, "lstm gates", B);
        y.cells = Mat(be, T * y.n_dst_max, H, "lstm states", B);
        y.hiddens = Mat(be, T * y.n_dst_max, H, "lstm states", B);
        y.ord = alloc<uint8_t>(y.n_dst_max * T, "lstm orders");
        y.tpos = alloc<uint8_t>(y.n_dst_max * T, "lstm orders");
        if (opt.training) {
          y.d_proj = Mat(be, y.n_src_max, 4 * H, "gradients", B);
          y.dh_run = Mat(be, y.n_dst_max, H, "gradients", B);
          y.dc_run = Mat(be, y.n_dst_max, H, "gradients", B);
        }
      }
      if (pool) y.pool_out = Mat(be, y.n_src_max, y.d_in, "pool activations", B);
      if (maxlike) y.argslot = alloc<uint8_t>(y.n_dst_max * y.d_in, "arg-max slots");
      // The last layer's logits; hidden layers write straight into the next layer's input. With
      // normalisation, training keeps the normalised rows before dropout here for backward.
      if (l == K)
        y.act = Mat(be, y.n_dst_max, y.d_out, "logits", B);
      else if (arch.normalize && opt.training)
        y.act = Mat(be, y.n_dst_max, y.d_out, "activations", B);
      if (arch.normalize && l < K) y.inv_norm = alloc<float>(y.n_dst_max, "norms");
      if (opt.training) {
        y.g_out = Mat(be, y.n_dst_max, y.d_out, "gradients", B);
        if (l > 1 || pool || lstm) y.d_agg_m = Mat(be, y.n_dst_max, y.d_agg, "gradients", B);
        if (pool) y.d_pool = Mat(be, y.n_src_max, y.d_in, "gradients", B);
        if (l > 1 || pool || lstm)
          agg_scratch_bytes = std::max(
              agg_scratch_bytes, be.aggregate_backward_scratch_bytes(y.slots_max, y.n_src_max));
      }
    }
    if (agg_scratch_bytes) agg_scratch = alloc<char>(agg_scratch_bytes, "aggregation scratch");

    partials = alloc<float>(
        ((max_rows + kColumnSumChunk - 1) / kColumnSumChunk) * max_dim + max_dim, "column sums");
    const int64_t B = L.max_seeds;
    pred = alloc<int32_t>(B, "predictions");
    row_loss = alloc<float>(B, "losses");
    loss_acc = alloc<float>(1, "loss total");
    loss_acc.zero();
    if (arch.unsupervised) setup_unsupervised();
    place_graph();  // last: `auto` placement sees what the buffers above left free
  }

  void setup_unsupervised() {
    out_inv_norm = alloc<float>(L.max_seeds, "norms");
    if (!opt.training) return;
    const int64_t P = opt.max_pairs, Q = opt.max_negatives;
    if (P <= 0 || Q < 0) throw Error("unsupervised engine needs max_pairs > 0 and max_negatives");
    unsup_index = alloc<int32_t>(2 * (2 * P + Q) + L.max_seeds + 1, "pair indices");
    unsup_coef = alloc<float>(P * (Q + 1), "pair coefficients");
    unsup_pair_loss = alloc<float>(P, "losses");
  }

  // Topology and features in GPU memory or in pinned host memory read through unified
  // addressing (the same kernels either way); the CPU backend uses the host arrays in place.
  std::string placement;
  bool features_remote = false;  // features in pinned host memory
  void place_graph() {
    const NodeId n = graph.num_nodes();
    const int64_t f = graph.features.dim, stride = pad4(f);
    if (be.shares_host_memory()) {
      csr = graph.csr.view();
      features = graph.features.view();
      placement = "graph and features in host memory (cpu backend)";
      // Asked for explicitly, the CPU runs the host-feature path too (gather, cache), so that
      // path is tested without a GPU; it changes no result.
      if (opt.feature_placement == Placement::kHost || opt.feature_cache_gb > 0) {
        features_remote = true;
        setup_host_features();
      }
      return;
    }
    const int64_t graph_bytes = static_cast<int64_t>(graph.csr.offsets.size() * sizeof(EdgeIndex) +
                                                     graph.csr.indices.size() * sizeof(NodeId));
    const int64_t feature_bytes = static_cast<int64_t>(std::max<int64_t>(n, 1) * stride * 4);
    const int64_t free_now = be.free_memory();
    // Headroom for cuBLAS workspaces, CUDA graphs and the allocator: 5%, at least 512 MiB; and
    // host-resident features need each ring slot's first-layer rows on the GPU.
    const Layer& first = layers[0];
    const int64_t ws = static_cast<int64_t>(slots.size()) * first.n_src_max * pad4(first.d_in) * 4;
    const int64_t reserve = std::max<int64_t>(int64_t{512} << 20, free_now / 20);
    const PlacementChoice pc = choose_placement(opt.graph_placement, opt.feature_placement,
                                                graph_bytes, feature_bytes, free_now, reserve, ws);
    placement = pc.reason;
    const Residence gr =
                        pc.graph == Placement::kHost ? Residence::kHostMapped : Residence::kBackend,
                    fr = pc.features == Placement::kHost ? Residence::kHostMapped
                                                         : Residence::kBackend;
    offsets_dev = Buffer<EdgeIndex>(be, graph.csr.offsets.size(), "graph offsets", gr);
    indices_dev = Buffer<NodeId>(be, graph.csr.indices.size(), "graph adjacency", gr);
    if (gr == Residence::kBackend) *bytes += graph_bytes;
    fill(offsets_dev, graph.csr.offsets.data(), graph.csr.offsets.size());
    fill(indices_dev, graph.csr.indices.data(), graph.csr.indices.size());
    csr = CsrView{offsets_dev.data(), indices_dev.data(), nullptr, n, graph.csr.num_edges()};
    features_remote = fr == Residence::kHostMapped;
    if (features_remote && opt.host_gather == HostGather::kCpu) {
      // The CPU gather reads the graph's own table: no pinned copy (and no kernel reads it).
      features = graph.features.view();
      setup_host_features();
      be.synchronize();
      return;
    }
    features_dev = Buffer<float>(be, static_cast<size_t>(std::max<int64_t>(n, 1) * stride),
                                 "node features", fr);
    if (fr == Residence::kBackend) *bytes += feature_bytes;
    if (fr == Residence::kHostMapped) {
      // Straight into the pinned buffer, padded rows.
      float* dst = features_dev.data();
      for (NodeId v = 0; v < n; ++v) {
        std::memcpy(dst + int64_t{v} * stride, graph.features.row(v), f * sizeof(float));
        std::memset(dst + int64_t{v} * stride + f, 0, (stride - f) * sizeof(float));
      }
    } else {
      std::vector<float> padded(static_cast<size_t>(n) * stride, 0.0f);
      for (NodeId v = 0; v < n; ++v)
        std::memcpy(padded.data() + int64_t{v} * stride, graph.features.row(v), f * sizeof(float));
      features_dev.upload(padded.data(), padded.size());
      be.synchronize();  // `padded` goes out of scope
    }
    features = MatrixView<const float>{features_dev.data(), n, f, stride};
    if (features_remote) setup_host_features();
    be.synchronize();  // the uploads above ran on the compute lane; sampling runs on the other
  }

  // Host-resident features: per ring slot, the first layer's rows in backend memory, and for
  // the CPU gather the pinned staging it goes through; then the cache, if asked for.
  void setup_host_features() {
    const Layer& first = layers[0];
    if (opt.host_gather == HostGather::kCpu && opt.feature_cache_gb > 0)
      throw UsageError(
          "--feature-cache-gb needs --host-gather zero-copy (the GPU gather serves cached rows; "
          "the cpu gather copies every row from host memory)");
    if (layers[0].pool_in.buf.size()) {  // pool and lstm read the slot's rows instead
      *bytes -= layers[0].pool_in.buf.size() * sizeof(float);
      layers[0].pool_in = Mat();
    }
    for (Slot& S : slots) {
      S.feat = Mat(be, first.n_src_max, first.d_in, "gathered input features", *bytes);
      if (opt.host_gather != HostGather::kCpu) continue;
      S.nodes_staging =
          Buffer<NodeId>(be, first.n_src_max, "sampled node staging", Residence::kHostMapped);
      S.feat_staging =
          Buffer<float>(be, S.feat.buf.size(), "feature staging", Residence::kHostMapped);
      std::memset(S.feat_staging.data(), 0, S.feat.buf.size() * sizeof(float));  // the padding
      S.staged = be.new_event();
    }
    build_feature_cache();
    placement +=
        std::string("; host feature rows move by ") +
        (opt.host_gather == HostGather::kCpu ? "a CPU gather into pinned staging and a copy"
                                             : "a zero-copy gather kernel");
  }

  // Feature cache (host-resident features, opt.feature_cache_gb > 0): the rows of the nodes
  // sampled most often, approximated by in-degree (a node is drawn as often as it is someone's
  // neighbour), in backend memory, found through a per-node slot map.
  Buffer<float> cache_rows;
  Buffer<int32_t> cache_slot;
  Buffer<unsigned long long> cache_hits;
  int64_t cache_count = 0, cache_lookups = 0;
  void build_feature_cache() {
    if (opt.feature_cache_gb <= 0) return;
    const NodeId n = graph.num_nodes();
    const int64_t f = graph.features.dim, stride = pad4(f);
    const double budget = opt.feature_cache_gb * 1073741824.0 - 4.0 * n;  // minus the slot map
    cache_count = std::clamp<int64_t>(static_cast<int64_t>(budget / (stride * 4.0)), 0, n);
    std::vector<int64_t> indeg(n, 0);
    for (NodeId u : graph.csr.indices) ++indeg[u];
    std::vector<NodeId> order(n);
    for (NodeId v = 0; v < n; ++v) order[v] = v;
    auto hotter = [&](NodeId a, NodeId b) {
      return indeg[a] != indeg[b] ? indeg[a] > indeg[b] : a < b;
    };
    std::partial_sort(order.begin(), order.begin() + cache_count, order.end(), hotter);
    std::vector<int32_t> slot(n, -1);
    std::vector<float> rows(static_cast<size_t>(std::max<int64_t>(cache_count, 1) * stride), 0.0f);
    for (int64_t k = 0; k < cache_count; ++k) {
      slot[order[k]] = static_cast<int32_t>(k);
      std::memcpy(rows.data() + k * stride, graph.features.row(order[k]), f * sizeof(float));
    }
    cache_rows = alloc<float>(rows.size(), "feature cache");
    cache_rows.upload(rows.data(), rows.size());
    cache_slot = alloc<int32_t>(n, "feature cache map");
    cache_slot.upload(slot.data(), slot.size());
    cache_hits = alloc<unsigned long long>(1, "feature cache counter");
    cache_hits.zero();
    be.synchronize();  // the host vectors go out of scope
    char buf[160];
    std::snprintf(buf, sizeof buf, "; feature cache: %lld rows (%.2f GiB, highest in-degree)",
                  static_cast<long long>(cache_count), cache_count * stride * 4.0 / 1073741824.0);
    placement += buf;
  }

  template <class T>
  void fill(Buffer<T>& b, const T* src, size_t count) {
    if (b.residence() == Residence::kHostMapped) {
      if (count) std::memcpy(b.data(), src, count * sizeof(T));
    } else {
      b.upload(src, count);
    }
  }

  bool training_pass = false;  // dropout applies (set by train_step, cleared by infer)

  // Output of hidden layer l (after dropout, if any): the left half of layer l + 1's input.
  MatrixView<float> output(int l, int64_t rows) const { return layers[l].left(rows); }

  // Samples a batch into the next free slot of the ring, on the sample lane; with_labels also
  // stages its labels (supervised training). Returns at once on the GPU.
  void enqueue(std::span<const NodeId> s, uint32_t epoch, bool with_labels) {
    if (static_cast<int64_t>(s.size()) > L.max_seeds)
      throw Error("batch larger than the engine's bound");
    if (queue.size() >= slots.size())
      throw Error("prefetch queue full: train an enqueued batch first");
    // The CPU gather of the next batch to train goes first, so that its copy is queued on the
    // sample lane ahead of this new sample (which waits for an older batch's compute).
    if (features_remote && opt.host_gather == HostGather::kCpu && !queue.empty() &&
        !slots[queue.front()].host_staged)
      stage_features_cpu(slots[queue.front()]);
    const int k = next_slot;  // advanced only once the batch is queued (below)
    Slot& S = slots[k];
    S.host_staged = false;
    S.batch = static_cast<int64_t>(s.size());
    // Host staging: the slot's previous batch was activated (its `sampled` event waited for by
    // the host), so the copies out of these buffers are complete.
    std::copy(s.begin(), s.end(), S.seeds_staging.data());
    if (with_labels) stage_labels(S, s);
    LaneScope sample_lane(be, Backend::kLaneSample);
    be.mark("sample-lane idle");
    if (S.consumed_recorded) be.wait_event(S.consumed);  // its previous batch's compute is done
    be.mark("sample-lane waits for compute");
    S.seeds.upload(S.seeds_staging.data(), s.size());
    if (with_labels) {
      if (arch.multi_label)
        S.targets.buf.upload(S.targets_staging.data(),
                             static_cast<size_t>(S.batch) * S.targets.stride);
      else
        S.labels.upload(S.labels_staging.data(), s.size());
    }
    SampleParams p{opt.seed, epoch, opt.replace};
    SampleOutput out{S.nodes.data(), S.hop_end.data(), S.seed_local.data(), S.cnt.data(),
                     S.nbr.data()};
    be.sample_neighbors(csr, Span<const NodeId>{S.seeds.data(), S.batch}, L, p, out,
                        S.scratch.data());
    be.download_async(S.hop_staging.data(), S.hop_end.data(), (K + 1) * sizeof(int32_t));
    be.mark("sample");
    if (features_remote) {
      // The first layer's rows, ahead of the compute: gathered here, sized on the device by the
      // sample's hop count; or, for the CPU gather, the node ids go back to the host (a bound's
      // worth: the count is not known yet) and activate() gathers and copies.
      const int64_t bound = layers[0].n_src_max;
      const int32_t* count = S.hop_end.data() + K;
      if (opt.host_gather == HostGather::kCpu) {
        be.download_async(S.nodes_staging.data(), S.nodes.data(), bound * sizeof(NodeId));
      } else if (cache_count > 0) {
        be.gather_rows_cached(
            features, {cache_rows.data(), cache_count, features.cols, pad4(features.cols)},
            cache_slot.data(), S.nodes.data(), S.feat.view(bound), cache_hits.data(), count);
        be.mark("transfer");
      } else {
        be.gather_rows(features, S.nodes.data(), S.feat.view(bound), count);
        be.mark("transfer");
      }
    }
    be.record_event(S.sampled);
    queue.push_back(k);
    next_slot = (next_slot + 1) % static_cast<int>(slots.size());
  }

  // Makes the oldest enqueued batch current: the host reads its hop counts (waiting for its
  // sample only), and the compute lane is ordered after the sample.
  void activate() {
    if (queue.empty()) throw Error("no enqueued batch to train");
    Slot& S = slots[queue.front()];
    queue.pop_front();
    be.host_wait_event(S.sampled);
    std::memcpy(hop_end_host.data(), S.hop_staging.data(), (K + 1) * sizeof(int32_t));
    cur = &S;
    if (hop_end_host[0] != static_cast<int32_t>(S.batch)) {
      release();
      throw Error("batch seeds must be distinct");
    }
    if (features_remote && opt.host_gather == HostGather::kCpu) {
      if (!S.host_staged) stage_features_cpu(S);
      be.wait_event(S.staged);
    } else if (cache_count > 0) {
      cache_lookups += hop_end_host[K];
    }
    be.wait_event(S.sampled);
    be.mark("wait");
  }

  // The CPU gather of a queued batch (the next to train: from enqueue, else from activate):
  // once its sample is done, host threads copy its rows from the graph's feature table into
  // the slot's pinned staging, and one copy on the sample lane moves them to the slot's rows.
  // The previous copy out of this staging is complete: it was queued on the sample lane before
  // this batch's sample, whose event the host has waited for. The copy into `feat` follows the
  // slot's previous compute on that lane (enqueue waited for `consumed`).
  double cpu_gather_ms = 0;
  void stage_features_cpu(Slot& S) {
    be.host_wait_event(S.sampled);
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t n_src = S.hop_staging.data()[K], st = S.feat.stride, f = graph.features.dim;
    const NodeId* nodes = S.nodes_staging.data();
    float* dst = S.feat_staging.data();
    parallel_chunks(
        n_src,
        [&](int64_t b, int64_t e, int) {
          for (int64_t i = b; i < e; ++i)
            std::memcpy(dst + i * st, graph.features.row(nodes[i]), f * sizeof(float));
        },
        2048);
    cpu_gather_ms +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    LaneScope sample_lane(be, Backend::kLaneSample);
    be.mark("sample-lane idle");
    S.feat.buf.upload(S.feat_staging.data(), static_cast<size_t>(n_src * st));
    be.mark("transfer");
    be.record_event(S.staged);
    S.host_staged = true;
  }

  // The first layer's source rows as a matrix, where the aggregators and GEMMs read them.
  MatrixView<const float> first_rows(int64_t n_src) const {
    return features_remote ? cur->feat.cview(n_src) : layers[0].pool_in.cview(n_src);
  }

  // The current batch's compute is queued: its slot may be sampled into again after it.
  void release() {
    be.record_event(cur->consumed);
    cur->consumed_recorded = true;
  }

  const NodeId* nodes_p() const { return cur->nodes.data(); }
  const int32_t* cnt_p() const { return cur->cnt.data(); }
  const int32_t* nbr_p() const { return cur->nbr.data(); }

  void forward(int l, uint64_t step) {
    Layer& y = layers[l - 1];
    const LayerParams& P = lp[l - 1];
    const int64_t n_dst = hop_end_host[K - l], n_src = hop_end_host[K - l + 1];
    const BlockView block = make_block(L, hop_end_host.data(), cnt_p(), nbr_p(), l, K);
    const int32_t* row_map = l == 1 && !features_remote ? nodes_p() : nullptr;
    // The first layer's feature rows: with features in host memory they were brought into the
    // slot's rows on the sample lane (each row crosses the host link once, however many edges
    // read it); from GPU memory they are gathered once when the aggregator reads them as a
    // matrix (pool, lstm), else read in place through the row map.
    const bool gathered = l == 1 && (features_remote || arch.aggregator == SageAggregator::kLstm ||
                                     arch.aggregator == SageAggregator::kPool);
    if (l == 1) {
      if (gathered && !features_remote) be.gather_rows(features, nodes_p(), y.pool_in.view(n_src));
      if (gathered)
        be.copy_rows(first_rows(n_dst), y.left(n_dst));  // destinations lead the sources
      else
        be.gather_rows(features, nodes_p(), y.left(n_dst));
      be.mark("gather");
    }
    MatrixView<const float> src =
        l == 1 ? (gathered ? first_rows(n_src) : features) : as_const(y.left(n_src));

    if (arch.aggregator == SageAggregator::kLstm) {
      lstm_forward(y, P, block, src, n_dst, n_src);
    } else if (arch.aggregator == SageAggregator::kPool) {
      MatrixView<const float> pin = src;
      be.gemm(false, false, n_src, y.d_in, y.d_in, 1.0f, pin.data, pin.stride, param(P.w_pool),
              y.d_in, 0.0f, y.pool_out.buf.data(), y.pool_out.stride);
      be.bias_act(y.pool_out.view(n_src), param(P.b_pool), Activation::kRelu);
      be.aggregate_forward(AggregateKind::kMax, y.pool_out.cview(n_src), nullptr, block,
                           y.right(n_dst), y.argslot.data());
    } else {
      const AggregateKind kind =
          arch.aggregator == SageAggregator::kMax ? AggregateKind::kMax : AggregateKind::kMean;
      be.aggregate_forward(kind, src, row_map, block, y.right(n_dst), y.argslot.data());
    }
    // z = [self | agg] [W_self; W_neigh]
    MatrixView<float> z = l < K ? output(l, n_dst) : y.act.view(n_dst);
    be.gemm(false, false, n_dst, y.d_out, y.d_in + y.d_agg, 1.0f, y.in.buf.data(), y.in.stride,
            param(P.w_self), y.d_out, 0.0f, z.data, z.stride);
    if (l == K) {
      be.bias_act(z, param(P.bias), Activation::kNone);
    } else if (!arch.normalize) {
      be.bias_relu_dropout(z, param(P.bias), training_pass ? opt.dropout : 0.0f, opt.seed,
                           dropout_key(step, l));
    } else {
      be.bias_act(z, param(P.bias), Activation::kRelu);
      be.l2norm_forward(z, y.inv_norm.data());
      if (training_pass) {
        be.copy_rows(as_const(z), y.act.view(n_dst));  // the normalised rows, for backward
        if (opt.dropout > 0.0f) be.dropout(z, opt.dropout, opt.seed, dropout_key(step, l));
      }
    }
  }

  static uint32_t dropout_key(uint64_t step, int l) { return static_cast<uint32_t>(step * 8 + l); }

  // The LSTM's neighbour orders are keyed by the pass (the step in training, the inference key
  // otherwise) and the layer.
  uint64_t order_pass = 0;

  // P = X W_ih once per source, then one recurrent GEMM and one gate kernel per step; the
  // last hidden states land in the right half of the layer input (kernels/lstm.h).
  void lstm_forward(Layer& y, const LayerParams& P, const BlockView& block,
                    MatrixView<const float> x, int64_t n_dst, int64_t n_src) {
    const int64_t H = arch.lstm_hidden;
    be.gemm(false, false, n_src, 4 * H, y.d_in, 1.0f, x.data, x.stride, param(P.w_ih), 4 * H, 0.0f,
            y.proj.buf.data(), y.proj.stride);
    const int width = y.steps;
    be.lstm_orders(block, width, opt.seed, dropout_key(order_pass, y_index(y)), y.ord.data(),
                   y.tpos.data());
    for (int t = 0; t < width; ++t) {
      const LstmStep st{t, lstm_active_rows(block, t), width};
      if (st.rows == 0) break;
      MatrixView<float> g = y.slab(y.gates, t, st.rows);
      if (t > 0)
        be.gemm(false, false, st.rows, 4 * H, H, 1.0f, y.slab(y.hiddens, t - 1, st.rows).data,
                y.hiddens.stride, param(P.w_hh), 4 * H, 0.0f, g.data, g.stride);
      MatrixView<const float> c_prev =
          t > 0 ? as_const(y.slab(y.cells, t - 1, st.rows)) : MatrixView<const float>{};
      be.lstm_gates_forward(block, st, y.proj.cview(n_src), y.ord.data(), param(P.b_lstm), g,
                            c_prev, y.slab(y.cells, t, st.rows), y.slab(y.hiddens, t, st.rows),
                            y.right(n_dst));
    }
  }

  // Backpropagation through time from d agg (y.d_agg_m): gradients of W_hh, b and W_ih, and,
  // into `d_src` when it is given, of the source rows.
  void lstm_backward(Layer& y, const LayerParams& P, const BlockView& block,
                     MatrixView<const float> x, int64_t n_src, float* d_src, int64_t d_src_stride) {
    const int64_t H = arch.lstm_hidden;
    const int width = y.steps;
    int steps = 0;
    while (steps < width && lstm_active_rows(block, steps) > 0) ++steps;
    be.zero(grad(P.w_hh), static_cast<size_t>(H * 4 * H) * sizeof(float));
    be.zero(grad(P.b_lstm), static_cast<size_t>(4 * H) * sizeof(float));
    for (int t = steps - 1; t >= 0; --t) {
      const LstmStep st{t, lstm_active_rows(block, t), width};
      MatrixView<float> g = y.slab(y.gates, t, st.rows);
      MatrixView<const float> c_prev =
          t > 0 ? as_const(y.slab(y.cells, t - 1, st.rows)) : MatrixView<const float>{};
      be.lstm_gates_backward(block, st, g, c_prev, as_const(y.slab(y.cells, t, st.rows)),
                             y.d_agg_m.cview(st.rows), y.dh_run.view(st.rows),
                             y.dc_run.view(st.rows));
      be.column_sums(as_const(g), grad(P.b_lstm), true, partials.data());
      if (t == 0) continue;
      MatrixView<const float> h_prev = as_const(y.slab(y.hiddens, t - 1, st.rows));
      be.gemm(true, false, H, 4 * H, st.rows, 1.0f, h_prev.data, h_prev.stride, g.data, g.stride,
              1.0f, grad(P.w_hh), 4 * H);
      be.gemm(false, true, st.rows, H, 4 * H, 1.0f, g.data, g.stride, param(P.w_hh), 4 * H, 0.0f,
              y.dh_run.buf.data(), y.dh_run.stride);
    }
    MatrixView<const float> all{y.gates.buf.data(), static_cast<int64_t>(steps) * y.n_dst_max,
                                4 * H, y.gates.stride};
    be.lstm_scatter(block, all, y.n_dst_max, y.tpos.data(), width, y.d_proj.view(n_src),
                    agg_scratch.data(), agg_scratch_bytes);
    be.gemm(true, false, y.d_in, 4 * H, n_src, 1.0f, x.data, x.stride, y.d_proj.buf.data(),
            y.d_proj.stride, 0.0f, grad(P.w_ih), 4 * H);
    if (d_src)
      be.gemm(false, true, n_src, y.d_in, 4 * H, 1.0f, y.d_proj.buf.data(), y.d_proj.stride,
              param(P.w_ih), 4 * H, 0.0f, d_src, d_src_stride);
  }

  int y_index(const Layer& y) const { return static_cast<int>(&y - layers.data()) + 1; }

  void backward(int l, uint64_t step) {
    Layer& y = layers[l - 1];
    const LayerParams& P = lp[l - 1];
    const int64_t n_dst = hop_end_host[K - l], n_src = hop_end_host[K - l + 1];
    const BlockView block = make_block(L, hop_end_host.data(), cnt_p(), nbr_p(), l, K);
    MatrixView<float> dz = y.g_out.view(n_dst);
    if (l < K && !arch.normalize) {
      // The output is > 0 exactly where a unit was active and kept.
      be.relu_dropout_backward(dz, as_const(output(l, n_dst)), training_pass ? opt.dropout : 0.0f);
    } else if (l < K) {
      if (training_pass && opt.dropout > 0.0f)
        be.dropout(dz, opt.dropout, opt.seed, dropout_key(step, l));
      be.l2norm_backward(dz, y.act.cview(n_dst), y.inv_norm.data());
      be.relu_backward(dz, y.act.cview(n_dst));
    }
    MatrixView<const float> dzc = as_const(dz);
    be.column_sums(dzc, grad(P.bias), false, partials.data());
    // [dW_self; dW_neigh] = [self | agg]^T dz in one GEMM.
    be.gemm(true, false, y.d_in + y.d_agg, y.d_out, n_dst, 1.0f, y.in.buf.data(), y.in.stride,
            dz.data, dz.stride, 0.0f, grad(P.w_self), y.d_out);
    const bool pool = arch.aggregator == SageAggregator::kPool;
    const bool lstm = arch.aggregator == SageAggregator::kLstm;
    if (l == 1 && !pool && !lstm) return;  // input features take no gradient
    // d agg = dz W_neigh^T
    be.gemm(false, true, n_dst, y.d_agg, y.d_out, 1.0f, dz.data, dz.stride, param(P.w_neigh),
            y.d_out, 0.0f, y.d_agg_m.buf.data(), y.d_agg_m.stride);
    if (lstm) {
      MatrixView<const float> x = l == 1 ? first_rows(n_src) : as_const(y.left(n_src));
      float* d_src = l == 1 ? nullptr : layers[l - 2].g_out.buf.data();
      lstm_backward(y, P, block, x, n_src, d_src, l == 1 ? 0 : layers[l - 2].g_out.stride);
      if (l == 1) return;
    } else if (pool) {
      be.aggregate_backward(AggregateKind::kMax, block, y.d_agg_m.cview(n_dst), y.argslot.data(),
                            y.d_pool.view(n_src), agg_scratch.data(), agg_scratch_bytes);
      be.relu_backward(y.d_pool.view(n_src), y.pool_out.cview(n_src));
      be.column_sums(y.d_pool.cview(n_src), grad(P.b_pool), false, partials.data());
      MatrixView<const float> pin = l == 1 ? first_rows(n_src) : as_const(y.left(n_src));
      be.gemm(true, false, y.d_in, y.d_in, n_src, 1.0f, pin.data, pin.stride, y.d_pool.buf.data(),
              y.d_pool.stride, 0.0f, grad(P.w_pool), y.d_in);
      if (l == 1) return;
      Layer& prev = layers[l - 2];
      be.gemm(false, true, n_src, y.d_in, y.d_in, 1.0f, y.d_pool.buf.data(), y.d_pool.stride,
              param(P.w_pool), y.d_in, 0.0f, prev.g_out.buf.data(), prev.g_out.stride);
    } else {
      Layer& prev = layers[l - 2];
      const AggregateKind kind =
          arch.aggregator == SageAggregator::kMax ? AggregateKind::kMax : AggregateKind::kMean;
      be.aggregate_backward(kind, block, y.d_agg_m.cview(n_dst), y.argslot.data(),
                            prev.g_out.view(n_src), agg_scratch.data(), agg_scratch_bytes);
    }
    // The destinations are the first rows of the sources: add the self path's gradient.
    Layer& prev = layers[l - 2];
    be.gemm(false, true, n_dst, y.d_in, y.d_out, 1.0f, dz.data, dz.stride, param(P.w_self), y.d_out,
            1.0f, prev.g_out.buf.data(), prev.g_out.stride);
  }

  void stage_labels(Slot& S, std::span<const NodeId> s) {
    const int64_t B = static_cast<int64_t>(s.size());
    const Labels& lab = graph.labels;
    if (!arch.multi_label) {
      int32_t* out = S.labels_staging.data();
      for (int64_t i = 0; i < B; ++i) out[i] = lab.multi_label ? -1 : lab.single[s[i]];
    } else {
      const int64_t st = S.targets.stride;
      float* out = S.targets_staging.data();
      std::fill(out, out + B * st, 0.0f);
      for (int64_t i = 0; i < B; ++i)
        for (int64_t k = lab.multi_offsets[s[i]]; k < lab.multi_offsets[s[i] + 1]; ++k)
          out[i * st + lab.multi_classes[k]] = 1.0f;
    }
  }

  // Sampling, forward, loss and backward of one batch: the gradients are in `grads`.
  // Forward, loss and backward of the oldest enqueued batch (made current): the gradients
  // are in `grads`.
  void forward_backward(uint64_t step) {
    be.mark("host");
    activate();
    const int64_t B = cur->batch;
    training_pass = true;
    forward_layers(step);
    Layer& top = layers[K - 1];
    MatrixView<const float> logits = top.act.cview(B);
    if (arch.multi_label)
      be.sigmoid_bce(logits, cur->targets.cview(B), 1.0f / static_cast<float>(B), top.g_out.view(B),
                     row_loss.data());
    else
      be.softmax_xent(logits, cur->labels.data(), 1.0f / static_cast<float>(B), top.g_out.view(B),
                      row_loss.data(), pred.data());
    be.sum_into(Span<const float>{row_loss.data(), B}, loss_acc.data());
    be.mark("loss");
    backward_layers(step);
    release();
  }

  // Trains the oldest enqueued batch.
  void train_enqueued(uint64_t step) {
    if (queue.empty()) throw Error("no enqueued batch to train");
    if (slots[queue.front()].batch == 0) {  // an empty batch: nothing to learn
      cur = &slots[queue.front()];
      queue.pop_front();
      return;
    }
    forward_backward(step);
    optimizer_step();
  }

  void train_step(std::span<const NodeId> s, uint32_t epoch, uint64_t step) {
    if (s.empty()) return;
    enqueue(s, epoch, true);
    train_enqueued(step);
  }

  static constexpr const char* kForward[] = {"forward.l1", "forward.l2", "forward.l3",
                                             "forward.l4", "forward.l5", "forward.l6"};
  static constexpr const char* kBackward[] = {"backward.l1", "backward.l2", "backward.l3",
                                              "backward.l4", "backward.l5", "backward.l6"};

  void forward_layers(uint64_t step) {
    order_pass = step;
    for (int l = 1; l <= K; ++l) {
      forward(l, step);
      be.mark(kForward[l - 1]);
    }
  }

  void backward_layers(uint64_t step) {
    for (int l = K; l >= 1; --l) {
      backward(l, step);
      be.mark(kBackward[l - 1]);
    }
  }

  void optimizer_step() {
    ++opt_steps;
    Span<float> w = params.span();
    Span<const float> g{grads.data(), num_params};
    // The clip scale is applied inside the optimiser, which reads the norm on the device.
    const bool clip = opt.clip_grad_norm > 0.0f;
    if (clip) {
      be.sum_squares(g, grad_sumsq.data(), norm_partials.data(), grad_norm_acc.data());
      ++norm_steps;
    }
    const float* sumsq = clip ? grad_sumsq.data() : nullptr;
    if (opt.optimizer == "adam") {
      AdamParams a;
      a.lr = opt.lr;
      a.weight_decay = opt.weight_decay;
      a.grad_sumsq = sumsq;
      a.max_norm = opt.clip_grad_norm;
      a.bias_correction1 = 1.0f - static_cast<float>(std::pow(0.9, static_cast<double>(opt_steps)));
      a.bias_correction2 =
          1.0f - static_cast<float>(std::pow(0.999, static_cast<double>(opt_steps)));
      be.adam(w, g, m1.span(), m2.span(), a);
    } else {
      SgdParams p{opt.lr, opt.momentum, opt.weight_decay, sumsq, opt.clip_grad_norm};
      be.sgd(w, g, m1.span(), p);
    }
    be.mark("optimizer");
  }

  // Unsupervised step: the same forward and backward passes; the loss is unsup_loss on the
  // L2-normalised outputs, its gradient taken back through the normalisation.
  void train_step_unsupervised(std::span<const NodeId> s, std::span<const int32_t> pu,
                               std::span<const int32_t> pv, std::span<const int32_t> pn,
                               uint32_t epoch, uint64_t step) {
    const int64_t B = static_cast<int64_t>(s.size()), P = static_cast<int64_t>(pu.size()),
                  Q = static_cast<int64_t>(pn.size());
    if (pv.size() != pu.size()) throw Error("unsupervised batch: pair_u and pair_v differ in size");
    if (P > opt.max_pairs || Q > opt.max_negatives)
      throw Error("unsupervised batch larger than the engine's bound");
    if (B == 0 || P == 0) return;
    be.mark("host");
    // Indices first: build_unsup_refs rejects any outside the batch before the step starts.
    const int64_t n_pairs = 2 * P + Q;
    unsup_host.resize(static_cast<size_t>(2 * n_pairs + B + 1));
    int32_t* h = unsup_host.data();
    std::copy(pu.begin(), pu.end(), h);
    std::copy(pv.begin(), pv.end(), h + P);
    std::copy(pn.begin(), pn.end(), h + 2 * P);
    build_unsup_refs(B, h, h + P, P, h + 2 * P, Q, h + n_pairs, h + n_pairs + B + 1);
    unsup_index.upload(h, unsup_host.size());
    const int32_t* d = unsup_index.data();
    const UnsupPairsView view{d, d + P, P, d + 2 * P, Q, d + n_pairs, d + n_pairs + B + 1};
    if (!queue.empty()) throw Error("an unsupervised step while batches are enqueued");
    enqueue(s, epoch, false);
    activate();
    training_pass = true;
    forward_layers(step);
    Layer& top = layers[K - 1];
    MatrixView<float> z = top.act.view(B);
    be.l2norm_forward(z, out_inv_norm.data());
    be.unsup_loss(as_const(z), view, 1.0f / static_cast<float>(P), unsup_coef.data(),
                  unsup_pair_loss.data(), top.g_out.view(B));
    be.l2norm_backward(top.g_out.view(B), as_const(z), out_inv_norm.data());
    be.sum_into(Span<const float>{unsup_pair_loss.data(), P}, loss_acc.data());
    be.mark("loss");
    backward_layers(step);
    release();
    optimizer_step();
  }

  void download_rows(MatrixView<const float> m, std::vector<float>& out) {
    std::vector<float> tmp(static_cast<size_t>(m.rows * m.stride));
    if (!tmp.empty()) be.download(tmp.data(), m.data, tmp.size() * sizeof(float));
    out.resize(static_cast<size_t>(m.rows * m.cols));
    for (int64_t r = 0; r < m.rows; ++r)
      std::memcpy(out.data() + r * m.cols, tmp.data() + r * m.stride, m.cols * sizeof(float));
  }

  void infer(std::span<const NodeId> s, uint32_t key, std::vector<float>* logits,
             std::vector<float>* hidden) {
    const int64_t B = static_cast<int64_t>(s.size());
    if (B == 0) {
      if (logits) logits->clear();
      if (hidden) hidden->clear();
      return;
    }
    if (!queue.empty()) throw Error("inference while training batches are enqueued");
    enqueue(s, key, false);
    activate();
    training_pass = false;
    order_pass = 0xFFFFFFFull ^ key;
    for (int l = 1; l <= K; ++l) forward(l, 0);
    if (arch.unsupervised) be.l2norm_forward(layers[K - 1].act.view(B), out_inv_norm.data());
    if (logits) download_rows(layers[K - 1].act.cview(B), *logits);
    if (hidden)
      download_rows(K >= 2 ? as_const(output(K - 1, B)) : layers[0].act.cview(B), *hidden);
    release();
  }
};

SageEngine::SageEngine(Backend& backend, const Graph& graph, const SageArch& arch,
                       const EngineOptions& opt)
    : impl_(std::make_unique<Impl>(backend, graph, arch, opt)) {
  if (graph.features.empty())
    throw UsageError("the graph has no node features; GraphSAGE needs them");
  if (graph.features.dim != arch.in_dim)
    throw UsageError("the graph's features have " + std::to_string(graph.features.dim) +
                     " dimensions but the model expects " + std::to_string(arch.in_dim));
  impl_->bytes = &bytes_;
  impl_->setup();
  layout_ = impl_->L;
  placement_ = impl_->placement;
}

SageEngine::~SageEngine() = default;

void SageEngine::load_params(const std::vector<float>& p) {
  if (static_cast<int64_t>(p.size()) != impl_->num_params)
    throw Error("parameter vector has the wrong size");
  impl_->params.upload(p.data(), p.size());
  impl_->be.synchronize();
}

void SageEngine::set_learning_rate(float lr) { impl_->opt.lr = lr; }

void SageEngine::store_params(std::vector<float>& p) const {
  p.resize(static_cast<size_t>(impl_->num_params));
  impl_->params.download(p.data(), p.size());
}

void SageEngine::train_step(std::span<const NodeId> seeds, uint32_t epoch, uint64_t step) {
  if (!impl_->opt.training) throw Error("engine built for inference only");
  impl_->train_step(seeds, epoch, step);
}

void SageEngine::enqueue_batch(std::span<const NodeId> seeds, uint32_t epoch) {
  if (!impl_->opt.training) throw Error("engine built for inference only");
  impl_->enqueue(seeds, epoch, true);
}

void SageEngine::train_enqueued(uint64_t step) { impl_->train_enqueued(step); }

std::vector<std::pair<std::string, double>> SageEngine::take_host_stage_times() {
  const double ms = std::exchange(impl_->cpu_gather_ms, 0.0);
  if (!impl_->features_remote || impl_->opt.host_gather != HostGather::kCpu) return {};
  return {{"cpu gather", ms}};
}

std::pair<int64_t, int64_t> SageEngine::take_feature_cache_stats() {
  Impl& m = *impl_;
  if (m.cache_count == 0) return {0, 0};
  m.be.synchronize();  // the sample lane's gathers count the hits
  unsigned long long hits = 0;
  m.cache_hits.download(&hits, 1);
  m.cache_hits.zero();
  m.be.synchronize();  // before any later gather adds to it
  return {std::exchange(m.cache_lookups, 0), static_cast<int64_t>(hits)};
}

int64_t SageEngine::last_batch_nodes() const { return impl_->hop_end_host[impl_->K]; }

int SageEngine::prefetch_depth() const { return static_cast<int>(impl_->slots.size()) - 1; }

void SageEngine::infer(std::span<const NodeId> seeds, uint32_t key, std::vector<float>* logits,
                       std::vector<float>* hidden) {
  impl_->infer(seeds, key, logits, hidden);
}

double SageEngine::compute_gradients(std::span<const NodeId> seeds, uint32_t epoch, uint64_t step,
                                     std::vector<float>& g) {
  Impl& m = *impl_;
  if (!m.opt.training) throw Error("engine built for inference only");
  if (seeds.empty()) throw Error("compute_gradients needs at least one seed");
  if (!m.queue.empty()) throw Error("compute_gradients while batches are enqueued");
  m.enqueue(seeds, epoch, true);
  m.forward_backward(step);
  std::vector<float> loss(seeds.size());
  m.row_loss.download(loss.data(), loss.size());
  g.resize(static_cast<size_t>(m.num_params));
  m.grads.download(g.data(), g.size());
  double sum = 0;
  for (float v : loss) sum += v;
  return sum / static_cast<double>(seeds.size());
}

void SageEngine::train_step_unsupervised(std::span<const NodeId> seeds,
                                         std::span<const int32_t> pair_u,
                                         std::span<const int32_t> pair_v,
                                         std::span<const int32_t> negatives, uint32_t epoch,
                                         uint64_t step) {
  if (!impl_->opt.training) throw Error("engine built for inference only");
  if (!impl_->arch.unsupervised) throw Error("train_step_unsupervised on a supervised model");
  impl_->train_step_unsupervised(seeds, pair_u, pair_v, negatives, epoch, step);
}

CsrView SageEngine::graph_view() const { return impl_->csr; }

double SageEngine::take_loss_sum() {
  float v = 0.0f;
  impl_->loss_acc.download(&v, 1);
  impl_->loss_acc.zero();
  return v;
}

double SageEngine::take_mean_grad_norm() {
  Impl& I = *impl_;
  if (I.norm_steps == 0) return 0.0;
  float v = 0.0f;
  I.grad_norm_acc.download(&v, 1);
  I.grad_norm_acc.zero();
  return v / static_cast<double>(std::exchange(I.norm_steps, 0));
}

int64_t SageEngine::hidden_width() const {
  const SageArch& a = impl_->arch;
  return a.num_layers() >= 2 ? a.hidden : a.num_classes;
}

}  // namespace grl
