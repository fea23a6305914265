// GPU buffers between ranks, by NCCL: the data-parallel gradient's all-reduce (SageEngine) and
// skip-gram's context blocks, point to point (BlockSchedule). The gradient sums run on NCCL's
// own stream, ordered after the caller's work by events, so a trainer queues each layer's sum
// as the backward pass finishes that layer and goes on with the layers below while it travels;
// the blocks move in the caller's stream order. NCCL is loaded at run time (dlopen of
// libnccl.so.2, or GRL_NCCL_LIBRARY), so grl builds and starts where NCCL is absent and says
// what is missing only when a run needs it; the caller then stages the buffers through host
// memory and MPI instead. The communicator is bootstrapped over MPI: rank 0's unique id reaches
// every rank through Comm.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/dist/comm.h"

namespace grl {

class DeviceComm {
 public:
  // One NCCL communicator over `comm`'s ranks on the current CUDA device, or null with `why`
  // (no CUDA in this build, no NCCL library, a symbol or the initialisation failed). Every
  // rank of `comm` must call it (it is collective); every rank gets null, or none does (the
  // library's presence and the start are agreed by reductions).
  static std::unique_ptr<DeviceComm> open(Comm& comm, std::string* why);
  virtual ~DeviceComm() = default;
  // Queues the in-place sum over the ranks of n floats in device memory, to start once the
  // work queued so far on `stream` (the caller's cudaStream_t) is done; returns at once. Every
  // rank must queue the same sums, of the same sizes, in the same order.
  virtual void sum_after(float* device_data, int64_t n, void* stream) = 0;
  // The work queued on `stream` from now on waits, on the device, for every sum queued so far.
  virtual void join(void* stream) = 0;
  // Point to point in device memory, as Comm::exchange takes it (every rank passes the same
  // list; transfers with from == to are skipped), queued on `stream` after its work so far:
  // what is queued there next sees the received bytes. Returns at once.
  virtual void exchange(const std::vector<Comm::Transfer>& transfers, void* stream) = 0;
  // "NCCL 2.x.y" as the library reports it.
  virtual std::string describe() const = 0;
};

// How a trainer opens its DeviceComm: DeviceComm::open unless a test gives a stand-in.
using DeviceCommOpener = std::function<std::unique_ptr<DeviceComm>(Comm&, std::string*)>;

}  // namespace grl
