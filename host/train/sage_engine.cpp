#include "host/train/sage_engine.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <utility>

#include "host/core/error.h"
#include "host/core/memory.h"
#include "host/dist/nccl.h"
#include "host/ops/measuring_backend.h"
#include "host/pipeline/graph_store.h"
#include "host/pipeline/matrix_buffer.h"
#include "host/pipeline/prefetch_ring.h"
#include "host/pipeline/sample_plan.h"
#include "host/train/optimizer.h"
#include "host/train/sage_layers.h"

namespace grl {

namespace {

RingLabels ring_labels(const SageArch& arch, const EngineOptions& o) {
  if (!o.training || arch.unsupervised) return RingLabels::kNone;
  return arch.multi_label ? RingLabels::kMulti : RingLabels::kSingle;
}

}  // namespace

struct SageEngine::Impl {
  Backend& be;
  const Graph& graph;
  SageArch arch;
  EngineOptions opt;
  SampleLayout L;
  int K = 0;
  size_t& bytes;

  // Allocation order matters on the GPU: the graph store goes last, so that `auto` placement
  // sees what everything else left free.
  PrefetchRing ring;
  Buffer<float> params;
  int64_t num_params = 0;
  std::optional<Optimizer> optimizer;
  SageLayers layers;
  // Loss: per-seed losses and predictions, their running sum.
  Buffer<int32_t> pred;
  Buffer<float> row_loss, loss_acc;
  // Unsupervised loss (arch.unsupervised): the batch's indices u | v | neg | ref_offsets | refs
  // in one upload, the loss's per-pair outputs, the output rows' inverse norms.
  Buffer<int32_t> unsup_index;
  Buffer<float> unsup_coef, unsup_pair_loss, out_inv_norm;
  std::vector<int32_t> unsup_host;
  std::optional<GraphStore> store;
  std::unique_ptr<FullInference> full;  // made by the first infer_full
  // Data parallel: the global batch size of each enqueued batch (its loss's denominator), and
  // the host copy of the gradients a GPU rank reduces through.
  std::deque<int64_t> loss_rows;
  std::vector<float> grad_host;
  // GPU ranks: NCCL on the device buffer when it loads (host/dist/nccl.h), else MPI through
  // grad_host; decided at the first reduction. allreduce_how says which, and why. With NCCL,
  // layer l's gradient, [grad_begin[l - 1], grad_begin[l]), is summed as soon as the backward
  // pass has finished it, while the layers below are differentiated.
  std::unique_ptr<DeviceComm> nccl;
  std::vector<int64_t> grad_begin;
  std::string allreduce_how;

  template <class T>
  Buffer<T> alloc(size_t n, const char* what) {
    bytes += n * sizeof(T);
    return Buffer<T>(be, n, what);
  }

  // measure_only: the engine's own buffers only, on a MeasuringBackend (working_bytes).
  Impl(Backend& b, const Graph& g, const SageArch& a, const EngineOptions& o, size_t& bytes_ref,
       bool measure_only = false)
      : be(b),
        graph(g),
        arch(a),
        opt(o),
        L(make_sample_layout(o.max_batch, a.fanouts, g.num_nodes())),
        K(a.num_layers()),
        bytes(bytes_ref),
        ring(b, g, L, ring_slots(o), ring_labels(a, o), a.num_classes, o.seed, o.replace,
             bytes_ref),
        params(alloc<float>(param_layout(a).num_params, "parameters")),
        num_params(param_layout(a).num_params),
        optimizer(make_optimizer()),
        layers(b, a, L, o.training, o.dropout, o.input_dropout, o.seed, bytes_ref) {
    const int64_t B = L.max_seeds;
    pred = alloc<int32_t>(B, "predictions");
    row_loss = alloc<float>(B, "losses");
    loss_acc = alloc<float>(1, "loss total");
    loss_acc.zero();
    for (const LayerParams& p : param_layout(arch).layers) grad_begin.push_back(p.w_self);
    grad_begin.push_back(num_params);
    if (arch.unsupervised) setup_unsupervised();
    if (measure_only) return;
    // Last: `auto` placement sees what the buffers above left free; host-resident features need
    // each ring slot's first-layer rows on the GPU.
    const int64_t slot_feature_bytes = (ring.depth() + 1) * layers.first_src_max() *
                                       pad4(layers.first_in()) * static_cast<int64_t>(4);
    store.emplace(be, graph,
                  GraphStoreOptions{opt.graph_placement, opt.feature_placement,
                                    opt.feature_cache_gb, opt.host_gather},
                  slot_feature_bytes, bytes);
    if (store->features_remote()) {
      layers.drop_gathered_sources(bytes);  // the first layer reads the slot's rows instead
      ring.attach(*store, layers.first_src_max(), layers.first_in(), bytes);
      store->finish_host_features(bytes);
    } else {
      ring.attach(*store, 0, 0, bytes);
    }
    be.synchronize();  // the uploads above ran on the compute lane; sampling runs on the other
  }

  static int ring_slots(const EngineOptions& o) {
    // The prefetch ring: `prefetch` batches sampled ahead of the one being computed.
    if (o.prefetch < 0) throw ConfigError("{prefetch} must be >= 0");
    return o.training ? o.prefetch + 1 : 1;
  }

  std::optional<Optimizer> make_optimizer() {
    if (!opt.training) return std::nullopt;
    return std::optional<Optimizer>(
        std::in_place, be, num_params,
        OptimizerConfig{opt.optimizer, opt.lr, opt.weight_decay, opt.momentum, opt.clip_grad_norm},
        bytes);
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

  // The current batch as the layers read it.
  LayerBatch batch() const {
    const RingSlot& S = ring.current();
    LayerBatch b;
    b.hop_end = ring.hop_end();
    b.nodes = S.nodes.data();
    b.cnt = S.cnt.data();
    b.nbr = S.nbr.data();
    b.features = store->features();
    if (store->features_remote()) b.source_rows = ring.feature_rows(S.feat.cap);
    return b;
  }

  // Forward, loss and backward of the oldest enqueued batch (made current): the gradients are
  // in the optimiser's buffer; `layer_done` as SageLayers::backward takes it.
  void forward_backward(uint64_t step, int64_t rows,
                        const std::function<void(int)>& layer_done = {}) {
    be.mark("host");
    const RingSlot& S = ring.activate();
    const int64_t B = S.batch;
    const float scale = 1.0f / static_cast<float>(rows);
    const LayerBatch b = batch();
    const LayerPassKeys keys{step, step, true, true};
    layers.forward(b, params.data(), keys);
    MatrixView<const float> logits = as_const(layers.output(B));
    if (arch.multi_label)
      be.sigmoid_bce(logits, S.targets.cview(B), scale, layers.output_grad(B), row_loss.data());
    else
      be.softmax_xent(logits, S.labels.data(), scale, layers.output_grad(B), row_loss.data(),
                      pred.data());
    be.sum_into(Span<const float>{row_loss.data(), B}, loss_acc.data());
    be.mark("loss");
    layers.backward(b, params.data(), optimizer->grads(), keys, layer_done);
    ring.release();
  }

  // GRL_ALLREDUCE=nccl|host picks the GPU ranks' path (nccl: or fail) and reduces even on one
  // rank, so a single GPU runs the path (tools/gpu-check).
  static std::string forced_allreduce() {
    const char* v = std::getenv("GRL_ALLREDUCE");
    return v ? v : "";
  }
  bool data_parallel() const {
    return opt.comm && (opt.comm->size() > 1 || !forced_allreduce().empty());
  }

  void choose_allreduce() {
    const std::string forced = forced_allreduce();
    if (!forced.empty() && forced != "nccl" && forced != "host")
      throw ConfigError("GRL_ALLREDUCE must be nccl or host, not '" + forced + "'");
    // Every rank must take the same path (their collectives differ).
    require_one_device_kind(*opt.comm, !be.shares_host_memory());
    if (be.shares_host_memory()) {
      allreduce_how = "MPI on host memory";
      return;
    }
    std::string why = "asked for by GRL_ALLREDUCE=host";
    if (forced != "host")
      nccl = opt.open_device_comm ? opt.open_device_comm(*opt.comm, &why)
                                  : DeviceComm::open(*opt.comm, &why);
    if (!nccl && forced == "nccl") throw ConfigError("GRL_ALLREDUCE=nccl: " + why);
    allreduce_how =
        nccl ? nccl->describe() + " on device memory" : "MPI through host memory (" + why + ")";
  }

  // What the backward pass calls as each layer's gradient is done: with NCCL, that layer's sum
  // over the ranks, queued at once; else nothing (reduce_gradients sums the whole buffer).
  std::function<void(int)> gradient_sums() {
    if (!data_parallel()) return {};
    if (allreduce_how.empty()) choose_allreduce();
    if (!nccl) return {};
    return [this](int l) {
      const int64_t begin = grad_begin[l - 1];
      nccl->sum_after(optimizer->grads() + begin, grad_begin[l] - begin, be.lane_stream());
    };
  }

  // Sums the gradients over the ranks (data parallel; else nothing): in place in host memory
  // on the CPU backend; on the GPU by NCCL (the layers' sums queued by gradient_sums; the
  // optimiser step waits for them on the device), or through a host copy and MPI.
  void reduce_gradients() {
    if (!data_parallel()) return;
    if (allreduce_how.empty()) choose_allreduce();
    be.mark("host");
    if (be.shares_host_memory()) {
      be.synchronize();
      opt.comm->allreduce_sum(optimizer->grads(), num_params);
    } else if (nccl) {
      nccl->join(be.lane_stream());
    } else {
      grad_host.resize(static_cast<size_t>(num_params));
      be.download(grad_host.data(), optimizer->grads(), grad_host.size() * sizeof(float));
      opt.comm->allreduce_sum(grad_host.data(), num_params);
      be.upload(optimizer->grads(), grad_host.data(), grad_host.size() * sizeof(float));
    }
    be.mark("all-reduce");
  }

  // A rank with no seeds in this global batch: zero gradients of its own, the others' summed.
  void step_without_batch() {
    be.zero(optimizer->grads(), static_cast<size_t>(num_params) * sizeof(float));
    // The same sums, in the same order, as the ranks that ran a backward pass.
    if (const auto sums = gradient_sums())
      for (int l = K; l >= 1; --l) sums(l);
    reduce_gradients();
    optimizer->step(params.span());
  }

  void train_enqueued(uint64_t step) {
    if (ring.idle()) throw Error("no enqueued batch to train");
    const int64_t rows = loss_rows.front();
    loss_rows.pop_front();
    if (ring.front_is_empty()) {  // an empty batch: nothing to learn here
      ring.drop_front();
      if (data_parallel() && rows > 0) step_without_batch();
      return;
    }
    forward_backward(step, rows, gradient_sums());
    reduce_gradients();
    optimizer->step(params.span());
  }

  // Unsupervised step: the same forward and backward passes; the loss is unsup_loss on the
  // L2-normalised outputs, its gradient taken back through the normalisation.
  void train_step_unsupervised(std::span<const NodeId> s, std::span<const int32_t> pu,
                               std::span<const int32_t> pv, std::span<const int32_t> pn,
                               uint32_t epoch, uint64_t step, int64_t loss_pairs) {
    const int64_t B = static_cast<int64_t>(s.size()), P = static_cast<int64_t>(pu.size()),
                  Q = static_cast<int64_t>(pn.size());
    if (pv.size() != pu.size()) throw Error("unsupervised batch: pair_u and pair_v differ in size");
    if (P > opt.max_pairs || Q > opt.max_negatives)
      throw Error("unsupervised batch larger than the engine's bound");
    const int64_t pairs = loss_pairs < 0 ? P : loss_pairs;
    if (B == 0 || P == 0) {
      if (data_parallel() && pairs > 0) step_without_batch();
      return;
    }
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
    if (!ring.idle()) throw Error("an unsupervised step while batches are enqueued");
    ring.enqueue(s, epoch, false);
    ring.activate();
    const LayerBatch b = batch();
    const LayerPassKeys keys{step, step, true, true};
    layers.forward(b, params.data(), keys);
    MatrixView<float> z = layers.output(B);
    be.l2norm_forward(z, out_inv_norm.data());
    be.unsup_loss(as_const(z), view, 1.0f / static_cast<float>(pairs), unsup_coef.data(),
                  unsup_pair_loss.data(), layers.output_grad(B));
    be.l2norm_backward(layers.output_grad(B), as_const(z), out_inv_norm.data());
    be.sum_into(Span<const float>{unsup_pair_loss.data(), P}, loss_acc.data());
    be.mark("loss");
    layers.backward(b, params.data(), optimizer->grads(), keys, gradient_sums());
    ring.release();
    reduce_gradients();
    optimizer->step(params.span());
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
    if (!ring.idle()) throw Error("inference while training batches are enqueued");
    ring.enqueue(s, key, false);
    ring.activate();
    const LayerPassKeys keys{0, 0xFFFFFFFull ^ key, false, false};
    layers.forward(batch(), params.data(), keys);
    if (arch.unsupervised) be.l2norm_forward(layers.output(B), out_inv_norm.data());
    if (logits) download_rows(as_const(layers.output(B)), *logits);
    if (hidden) download_rows(layers.hidden(B), *hidden);
    ring.release();
  }
};

SageEngine::SageEngine(Backend& backend, const Graph& graph, const SageArch& arch,
                       const EngineOptions& opt) {
  if (graph.features.empty())
    throw UsageError("the graph has no node features; GraphSAGE needs them");
  if (graph.features.dim != arch.in_dim)
    throw UsageError("the graph's features have " + std::to_string(graph.features.dim) +
                     " dimensions but the model expects " + std::to_string(arch.in_dim));
  impl_ = std::make_unique<Impl>(backend, graph, arch, opt, bytes_);
  layout_ = impl_->L;
  placement_ = impl_->store->placement();
}

SageEngine::~SageEngine() = default;

SageEngine::Footprint SageEngine::footprint(Backend& backend, const Graph& graph,
                                            const SageArch& arch, const EngineOptions& opt) {
  MeasuringBackend m(backend);
  size_t bytes = 0;
  Impl sizing(m, graph, arch, opt, bytes, /*measure_only=*/true);
  return Footprint{m.backend_bytes(), m.host_mapped_bytes()};
}

void SageEngine::check_fits(Backend& backend, const Graph& graph, const SageArch& arch,
                            const EngineOptions& opt) {
  const Footprint f = footprint(backend, graph, arch, opt);
  const bool host = backend.shares_host_memory();
  // On the CPU backend every buffer is host memory; on the GPU the engine's buffers are device
  // memory (the graph and features are placed afterwards, in what is left, or in host memory).
  const int64_t need = host ? f.backend_bytes + f.host_mapped_bytes : f.backend_bytes;
  const int64_t avail = host ? host_available_bytes() : backend.free_memory();
  if (avail < 0 || need <= avail) return;
  std::string fanouts;
  for (int x : arch.fanouts) fanouts += (fanouts.empty() ? "" : ",") + std::to_string(x);
  throw ConfigError("the training buffers need about " + gib_string(static_cast<double>(need)) +
                    " of " + (host ? "host" : "GPU") + " memory (batch " +
                    std::to_string(opt.max_batch) + ", fanouts " + fanouts + ", hidden " +
                    std::to_string(arch.hidden) + "), but only " +
                    gib_string(static_cast<double>(avail)) +
                    " are free: use a smaller {batch_size}, smaller {fanouts} or a smaller "
                    "{hidden}");
}

void SageEngine::load_params(const std::vector<float>& p) {
  if (static_cast<int64_t>(p.size()) != impl_->num_params)
    throw Error("parameter vector has the wrong size");
  impl_->params.upload(p.data(), p.size());
  impl_->be.synchronize();
}

void SageEngine::set_learning_rate(float lr) {
  if (impl_->optimizer) impl_->optimizer->set_learning_rate(lr);
}

void SageEngine::store_params(std::vector<float>& p) const {
  p.resize(static_cast<size_t>(impl_->num_params));
  impl_->params.download(p.data(), p.size());
}

void SageEngine::train_step(std::span<const NodeId> seeds, uint32_t epoch, uint64_t step) {
  if (!impl_->opt.training) throw Error("engine built for inference only");
  if (seeds.empty()) return;
  enqueue_batch(seeds, epoch);
  impl_->train_enqueued(step);
}

void SageEngine::enqueue_batch(std::span<const NodeId> seeds, uint32_t epoch, int64_t loss_rows) {
  if (!impl_->opt.training) throw Error("engine built for inference only");
  impl_->ring.enqueue(seeds, epoch, true);
  impl_->loss_rows.push_back(loss_rows < 0 ? static_cast<int64_t>(seeds.size()) : loss_rows);
}

void SageEngine::train_enqueued(uint64_t step) { impl_->train_enqueued(step); }

std::vector<std::pair<std::string, double>> SageEngine::take_host_stage_times() {
  const double ms = impl_->store->take_cpu_gather_ms();
  if (!impl_->store->cpu_gather()) return {};
  return {{"cpu gather", ms}};
}

std::pair<int64_t, int64_t> SageEngine::take_feature_cache_stats() {
  return impl_->store->take_cache_stats();
}

int64_t SageEngine::last_batch_nodes() const { return impl_->ring.hop_end()[impl_->K]; }

int SageEngine::prefetch_depth() const { return impl_->ring.depth(); }

const std::string& SageEngine::allreduce_path() const { return impl_->allreduce_how; }

bool SageEngine::features_host_resident() const { return impl_->store->features_remote(); }

void SageEngine::infer(std::span<const NodeId> seeds, uint32_t key, std::vector<float>* logits,
                       std::vector<float>* hidden) {
  impl_->infer(seeds, key, logits, hidden);
}

double SageEngine::compute_gradients(std::span<const NodeId> seeds, uint32_t epoch, uint64_t step,
                                     std::vector<float>& g) {
  Impl& m = *impl_;
  if (!m.opt.training) throw Error("engine built for inference only");
  if (seeds.empty()) throw Error("compute_gradients needs at least one seed");
  if (!m.ring.idle()) throw Error("compute_gradients while batches are enqueued");
  m.ring.enqueue(seeds, epoch, true);
  m.forward_backward(step, static_cast<int64_t>(seeds.size()));
  std::vector<float> loss(seeds.size());
  m.row_loss.download(loss.data(), loss.size());
  g.resize(static_cast<size_t>(m.num_params));
  m.be.download(g.data(), m.optimizer->grads(), g.size() * sizeof(float));
  double sum = 0;
  for (float v : loss) sum += v;
  return sum / static_cast<double>(seeds.size());
}

void SageEngine::train_step_unsupervised(std::span<const NodeId> seeds,
                                         std::span<const int32_t> pair_u,
                                         std::span<const int32_t> pair_v,
                                         std::span<const int32_t> negatives, uint32_t epoch,
                                         uint64_t step, int64_t loss_pairs) {
  if (!impl_->opt.training) throw Error("engine built for inference only");
  if (!impl_->arch.unsupervised) throw Error("train_step_unsupervised on a supervised model");
  impl_->train_step_unsupervised(seeds, pair_u, pair_v, negatives, epoch, step, loss_pairs);
}

CsrView SageEngine::graph_view() const { return impl_->store->csr(); }

SageEngine::InferenceChoice SageEngine::choose_inference(InferenceMode mode) {
  if (mode == InferenceMode::kSampled) return {false, "sampled neighbourhoods, as asked"};
  const Impl& m = *impl_;
  const bool asked = mode == InferenceMode::kFull;
  auto refuse = [&](const std::string& why) -> InferenceChoice {
    if (asked) throw ConfigError("{inference} full: " + why + "; use {inference} sampled");
    return {false, "sampled neighbourhoods: " + why};
  };
  std::string why = full_inference_unsupported(m.arch);
  if (!why.empty()) return refuse(why);
  if (m.store->cpu_gather())
    return refuse(
        "the features stay in host memory behind the CPU gather, which the GPU "
        "cannot read in place");
  if (!m.full) {
    const int64_t need = FullInference::footprint(m.be, m.graph, m.arch);
    const bool host = m.be.shares_host_memory();
    const int64_t free = host ? host_available_bytes() : m.be.free_memory();
    if (free >= 0 && need > free)
      return refuse("its buffers need about " + gib_string(static_cast<double>(need)) + " of " +
                    (host ? "host" : "GPU") + " memory, and " +
                    gib_string(static_cast<double>(free)) + " are free");
  }
  if (!asked && m.graph.csr.weighted())
    return {false,
            "sampled neighbourhoods: edge weights drew the training neighbourhoods, and the full "
            "pass would average every neighbour alike"};
  if (!asked && m.store->features_remote())
    return {false,
            "sampled neighbourhoods: the features are in host memory, and the full pass would "
            "read each row once per edge across the host link"};
  return {true, "full neighbourhoods (every neighbour, one pass per layer)"};
}

void SageEngine::infer_full(std::span<const NodeId> nodes, bool hidden, std::vector<float>& out,
                            Comm* comm) {
  Impl& m = *impl_;
  if (!m.ring.idle()) throw Error("inference while training batches are enqueued");
  if (!m.full)
    m.full =
        std::make_unique<FullInference>(m.be, m.graph, m.arch, m.store->csr(), m.store->features());
  m.full->run(m.params.data(), nodes, hidden, out, comm);
}

double SageEngine::take_loss_sum() {
  float v = 0.0f;
  impl_->loss_acc.download(&v, 1);
  impl_->loss_acc.zero();
  return v;
}

double SageEngine::take_mean_grad_norm() {
  return impl_->optimizer ? impl_->optimizer->take_mean_grad_norm() : 0.0;
}

int64_t SageEngine::hidden_width() const {
  const SageArch& a = impl_->arch;
  return a.num_layers() >= 2 ? a.hidden : a.num_classes;
}

}  // namespace grl
