// NCCL loaded at run time (host/dist/nccl.h). Only the few entry points grl uses are declared
// here, with NCCL's stable C ABI (nccl.h: ncclUniqueId is 128 bytes, ncclFloat32 = 7,
// ncclSum = 0, ncclSuccess = 0), so no NCCL header is needed to build.
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "host/core/error.h"
#include "host/device/cuda_resources.h"
#include "host/dist/nccl.h"

namespace grl {

namespace {

struct NcclId {
  char internal[128];
};
using NcclComm = void*;
using GetUniqueId = int (*)(NcclId*);
using CommInitRank = int (*)(NcclComm*, int, NcclId, int);
using AllReduce = int (*)(const void*, void*, size_t, int, int, NcclComm, cudaStream_t);
using CommDestroy = int (*)(NcclComm);
using GetErrorString = const char* (*)(int);
using GetVersion = int (*)(int*);
using Send = int (*)(const void*, size_t, int, int, NcclComm, cudaStream_t);
using Recv = int (*)(void*, size_t, int, int, NcclComm, cudaStream_t);
using Group = int (*)();
constexpr int kNcclInt8 = 0, kNcclFloat32 = 7, kNcclSum = 0;

class Nccl final : public DeviceComm {
 public:
  ~Nccl() override {
    if (stream_) cudaStreamSynchronize(*stream_);  // no sum may outlive its communicator
    if (comm_ && destroy_) destroy_(comm_);
    if (lib_) dlclose(lib_);
  }

  bool load(std::string* why) {
    const char* path = std::getenv("GRL_NCCL_LIBRARY");
    lib_ = dlopen(path && *path ? path : "libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!lib_) {
      *why = std::string("NCCL not found (") + dlerror() +
             "; set LD_LIBRARY_PATH or GRL_NCCL_LIBRARY to libnccl.so.2)";
      return false;
    }
    get_id_ = reinterpret_cast<GetUniqueId>(dlsym(lib_, "ncclGetUniqueId"));
    init_ = reinterpret_cast<CommInitRank>(dlsym(lib_, "ncclCommInitRank"));
    all_reduce_ = reinterpret_cast<AllReduce>(dlsym(lib_, "ncclAllReduce"));
    destroy_ = reinterpret_cast<CommDestroy>(dlsym(lib_, "ncclCommDestroy"));
    error_ = reinterpret_cast<GetErrorString>(dlsym(lib_, "ncclGetErrorString"));
    send_ = reinterpret_cast<Send>(dlsym(lib_, "ncclSend"));
    recv_ = reinterpret_cast<Recv>(dlsym(lib_, "ncclRecv"));
    group_start_ = reinterpret_cast<Group>(dlsym(lib_, "ncclGroupStart"));
    group_end_ = reinterpret_cast<Group>(dlsym(lib_, "ncclGroupEnd"));
    auto version = reinterpret_cast<GetVersion>(dlsym(lib_, "ncclGetVersion"));
    if (!get_id_ || !init_ || !all_reduce_ || !destroy_ || !error_ || !send_ || !recv_ ||
        !group_start_ || !group_end_) {
      *why =
          "the NCCL library lacks one of ncclCommInitRank, ncclAllReduce, ncclSend, ncclRecv, "
          "ncclGroupStart (NCCL 2.7 or later has them all)";
      return false;
    }
    int v = 0;
    if (version && version(&v) == 0)
      version_ = "NCCL " + std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
                 std::to_string(v % 100);
    return true;
  }

  bool init(Comm& comm, std::string* why) {
    // Rank 0 makes the id and sends it, with whether that worked, to every rank (the first
    // entry of the gathered ones).
    struct Start {
      int rc;
      NcclId id;
    } start{};
    if (comm.root()) start.rc = get_id_(&start.id);
    std::vector<char> mine(sizeof start);
    std::memcpy(mine.data(), &start, sizeof start);
    const std::vector<char> all = comm.allgather(mine);
    std::memcpy(&start, all.data(), sizeof start);
    int rc = start.rc;
    if (rc == 0) rc = init_(&comm_, comm.size(), start.id, comm.rank());
    rank_ = comm.rank();
    if (rc != 0) {
      *why = std::string("NCCL could not start: ") + error_(rc);
      comm_ = nullptr;
      return false;
    }
    stream_.emplace();
    ready_.emplace(false);
    done_.emplace(false);
    return true;
  }

  void sum_after(float* data, int64_t n, void* stream) override {
    // An event reused is fine: a wait takes the event's latest record at the time of the call.
    ready_->record(static_cast<cudaStream_t>(stream));
    stream_->wait(*ready_);
    const int rc =
        all_reduce_(data, data, static_cast<size_t>(n), kNcclFloat32, kNcclSum, comm_, *stream_);
    if (rc != 0) throw Error(std::string("NCCL all-reduce failed: ") + error_(rc));
  }

  void join(void* stream) override {
    done_->record(*stream_);
    GRL_CUDA_CHECK(cudaStreamWaitEvent(static_cast<cudaStream_t>(stream), *done_, 0));
  }

  void exchange(const std::vector<Comm::Transfer>& moves, void* stream) override {
    // One group: NCCL pairs every rank's sends with their receives, in any order.
    const auto s = static_cast<cudaStream_t>(stream);
    int rc = group_start_();
    for (const Comm::Transfer& t : moves) {
      if (rc != 0) break;
      if (t.from == t.to) continue;
      if (t.from == rank_) rc = send_(t.data, t.bytes, kNcclInt8, t.to, comm_, s);
      if (rc == 0 && t.to == rank_) rc = recv_(t.data, t.bytes, kNcclInt8, t.from, comm_, s);
    }
    const int end = group_end_();
    if (rc == 0) rc = end;
    if (rc != 0) throw Error(std::string("NCCL send/receive failed: ") + error_(rc));
  }

  std::string describe() const override { return version_; }

 private:
  void* lib_ = nullptr;
  NcclComm comm_ = nullptr;
  // NCCL's stream, and the events that order it after the caller's stream and back.
  std::optional<Stream> stream_;
  std::optional<Event> ready_, done_;
  GetUniqueId get_id_ = nullptr;
  CommInitRank init_ = nullptr;
  AllReduce all_reduce_ = nullptr;
  CommDestroy destroy_ = nullptr;
  Send send_ = nullptr;
  Recv recv_ = nullptr;
  Group group_start_ = nullptr, group_end_ = nullptr;
  int rank_ = 0;
  GetErrorString error_ = nullptr;
  std::string version_ = "NCCL";
};

}  // namespace

std::unique_ptr<DeviceComm> DeviceComm::open(Comm& comm, std::string* why) {
  std::string reason;
  auto n = std::make_unique<Nccl>();
  const bool loaded = n->load(&reason);
  // Collective from here: every rank takes part in the id exchange, loaded or not.
  int64_t ok = loaded ? 1 : 0;
  comm.allreduce_sum(&ok, 1);
  if (ok != comm.size()) {
    if (why) *why = loaded ? "NCCL is missing on another rank" : reason;
    return nullptr;
  }
  // And every rank started, or none uses NCCL (the others would wait in its collectives).
  int64_t started = n->init(comm, &reason) ? 1 : 0;
  comm.allreduce_sum(&started, 1);
  if (started != comm.size()) {
    if (why) *why = reason.empty() ? "NCCL could not start on another rank" : reason;
    return nullptr;
  }
  return n;
}

}  // namespace grl
