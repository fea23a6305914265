// A backend that runs nothing and allocates nothing: it records the sizes of the allocations
// made through it, so that a trainer can size its buffers (the same code that will allocate
// them) before taking any memory, and refuse a run that cannot fit. The scratch-size queries and
// the free-memory figure come from the real backend it stands for.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "host/ops/backend.h"

namespace grl {

// Every kernel operation, doing nothing.
class NoOpKernels : public Backend {
 public:
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define GRL_BACKEND_OP(ret, name, params, cpu_call, cuda_call) \
  ret name params override { return ret(); }
#include "host/ops/backend_ops.inc"
#pragma GCC diagnostic pop
};

class MeasuringBackend final : public NoOpKernels {
 public:
  explicit MeasuringBackend(Backend& real) : real_(real) {}
  // Bytes asked for in backend memory, and in pinned (host-mapped) memory.
  int64_t backend_bytes() const { return backend_; }
  int64_t host_mapped_bytes() const { return mapped_; }

  bool is_cuda() const override { return real_.is_cuda(); }
  std::string describe() const override { return "measuring " + real_.describe(); }
  bool shares_host_memory() const override { return real_.shares_host_memory(); }
  void* allocate(size_t bytes, const char*) override {
    backend_ += static_cast<int64_t>(bytes);
    return nullptr;
  }
  void deallocate(void*) noexcept override {}
  void* allocate_host_mapped(size_t bytes, const char*) override {
    mapped_ += static_cast<int64_t>(bytes);
    return nullptr;
  }
  void deallocate_host_mapped(void*) noexcept override {}
  int64_t free_memory() override { return real_.free_memory(); }
  void upload(void*, const void*, size_t) override {}
  void download(void*, const void*, size_t) override {}
  void zero(void*, size_t) override {}
  void copy(void*, const void*, size_t) override {}
  void copy_rows(MatrixView<const float>, MatrixView<float>) override {}
  void synchronize() override {}
  int new_event() override { return events_++; }
  void record_event(int) override {}
  void wait_event(int) override {}
  void host_wait_event(int) override {}
  void* lane_stream() override { return nullptr; }
  void download_async(void*, const void*, size_t) override {}
  void set_profiling(bool) override {}
  void mark(const char*) override {}
  std::vector<std::pair<std::string, double>> take_stage_times() override { return {}; }

  // The scratch the real backend's kernels need.
  size_t sample_scratch_bytes(const SampleLayout& layout) override {
    return real_.sample_scratch_bytes(layout);
  }
  size_t aggregate_backward_scratch_bytes(int64_t max_slots, int64_t max_src) override {
    return real_.aggregate_backward_scratch_bytes(max_slots, max_src);
  }

 protected:
  void set_lane(int) override {}
  int lane() const override { return kLaneCompute; }

 private:
  Backend& real_;
  int64_t backend_ = 0, mapped_ = 0;
  int events_ = 0;
};

}  // namespace grl
