// GPU buffers between ranks: NCCL's all-reduce, for the data-parallel gradient of GPU ranks.
// The sums run on NCCL's own stream, ordered after the caller's work by events, so a trainer
// queues each layer's gradient sum as the backward pass finishes that layer and goes on with
// the layers below while it travels (SageEngine). NCCL is loaded at run time (dlopen of
// libnccl.so.2, or GRL_NCCL_LIBRARY), so grl builds and starts where NCCL is absent and says what
// is missing only when a run needs it; the caller then stages the buffer through host memory and
// MPI instead (SageEngine). The communicator is bootstrapped over MPI: rank 0's unique id reaches
// every rank through Comm.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "host/dist/comm.h"

namespace grl {

class NcclAllReduce {
 public:
  // One NCCL communicator over `comm`'s ranks on the current CUDA device, or null with `why`
  // (no CUDA in this build, no NCCL library, a symbol or the initialisation failed). Every
  // rank of `comm` must call it (it is collective); every rank gets null, or none does (the
  // library's presence and the start are agreed by reductions).
  static std::unique_ptr<NcclAllReduce> open(Comm& comm, std::string* why);
  virtual ~NcclAllReduce() = default;
  // Queues the in-place sum over the ranks of n floats in device memory, to start once the
  // work queued so far on `stream` (the caller's cudaStream_t) is done; returns at once. Every
  // rank must queue the same sums, of the same sizes, in the same order.
  virtual void sum_after(float* device_data, int64_t n, void* stream) = 0;
  // The work queued on `stream` from now on waits, on the device, for every sum queued so far.
  virtual void join(void* stream) = 0;
  // "NCCL 2.x.y" as the library reports it.
  virtual std::string describe() const = 0;
};

}  // namespace grl
