// The CPU backend: every operation is the reference implementation in host/reference/.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/ops/backend.h"
#include "host/reference/aggregate_ref.h"
#include "host/reference/dense_ref.h"
#include "host/reference/gather_ref.h"
#include "host/reference/lstm_ref.h"
#include "host/reference/sampling_ref.h"
#include "host/reference/segment_reduce_ref.h"
#include "host/reference/sgns_ref.h"
#include "host/reference/walk_ref.h"

namespace grl {

namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const BackendOptions& o)
      : sgns_model_warps_(o.sgns_model_warps), sgns_model_l1_rows_(o.sgns_model_l1_rows) {}
  bool is_cuda() const override { return false; }
  std::string describe() const override { return "cpu"; }
  bool shares_host_memory() const override { return true; }

  void* allocate(size_t bytes, const char* what) override {
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p)
      throw Error(std::string("out of host memory allocating ") + what + " (" +
                  std::to_string(bytes >> 20) + " MiB)");
    return p;
  }
  void deallocate(void* p) noexcept override { std::free(p); }
  void* allocate_host_mapped(size_t bytes, const char* what) override {
    return allocate(bytes, what);
  }
  void deallocate_host_mapped(void* p) noexcept override { std::free(p); }
  int64_t free_memory() override { return -1; }
  void upload(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void download(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void zero(void* dst, size_t bytes) override { std::memset(dst, 0, bytes); }
  void copy(void* dst, const void* src, size_t bytes) override { std::memmove(dst, src, bytes); }
  void copy_rows(MatrixView<const float> src, MatrixView<float> dst) override {
    for (int64_t r = 0; r < src.rows; ++r)
      std::memcpy(dst.row(r), src.row(r), src.cols * sizeof(float));
  }
  void synchronize() override {}
  int new_event() override { return events_++; }
  void record_event(int) override {}
  void wait_event(int) override {}
  void host_wait_event(int) override {}
  void* lane_stream() override { return nullptr; }
  void download_async(void* dst, const void* src, size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }

  int events_ = 0;
  void set_profiling(bool on) override {
    profiling_ = on;
    last_ = Clock::now();
  }
  void mark(const char* stage) override {
    if (!profiling_) return;
    const auto now = Clock::now();
    add_stage_time(stages_, stage, std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }
  std::vector<std::pair<std::string, double>> take_stage_times() override {
    return std::exchange(stages_, {});
  }

  // The kernel operations: the references (host/ops/backend_ops.inc). Their scratch and
  // partials arguments are GPU workspace the references do not need.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define GRL_BACKEND_OP(ret, name, params, cpu_call, cuda_call) \
  ret name params override { return cpu_call; }
#include "host/ops/backend_ops.inc"
#pragma GCC diagnostic pop

 protected:
  void set_lane(int) override {}
  int lane() const override { return kLaneCompute; }

 private:
  void sgns_cpu(Span<const int32_t> walks, int64_t n, const SgnsSpec& s, AliasView all,
                AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats) {
    if (sgns_model_warps_ > 0)
      ref::sgns_lockstep(walks, n, s, all, typed, syn0, syn1, stats, sgns_model_warps_,
                         sgns_model_l1_rows_);
    else
      ref::sgns(walks, n, s, all, typed, syn0, syn1, stats);
  }

  using Clock = std::chrono::steady_clock;
  int sgns_model_warps_ = 0, sgns_model_l1_rows_ = 0;
  bool profiling_ = false;
  Clock::time_point last_ = Clock::now();
  std::vector<std::pair<std::string, double>> stages_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const BackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace grl
