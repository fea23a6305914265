// Where the engine keeps the graph's topology and its node features: in GPU memory, or in
// pinned host memory that the kernels read through unified addressing (zero-copy), for graphs
// and feature tables larger than the GPU. `auto` decides from the free memory after the
// engine's own buffers are allocated. Topology is preferred on the GPU: the sampler reads it
// with small random accesses, which cost most over the host link, while feature rows are read
// whole (dim x 4 contiguous bytes).
#pragma once
#include <cstdint>
#include <string>

namespace grl {

enum class Placement : int { kAuto = 0, kGpu = 1, kHost = 2 };
Placement parse_placement(const std::string& s);  // throws UsageError
const char* placement_name(Placement p);

// How host-resident features reach the GPU, per minibatch, on the sample lane ahead of its
// compute: kZeroCopy, a gather kernel reading the pinned table through unified addressing
// (every row crosses the host link once, in the kernel's own small reads); kCpu, host threads
// gather the rows into pinned staging and one cudaMemcpyAsync moves them (full-size DMA
// transfers, at the cost of host memory bandwidth and a wait for the sampled node ids).
enum class HostGather : int { kZeroCopy = 0, kCpu = 1 };
HostGather parse_host_gather(const std::string& s);  // throws UsageError
const char* host_gather_name(HostGather g);

struct PlacementChoice {
  Placement graph = Placement::kGpu, features = Placement::kGpu;
  std::string reason;  // one line for the run's log
};

// Resolves `auto` requests; explicit requests are kept (an explicit gpu that does not fit then
// fails at allocation with the out-of-memory message). `free_bytes` < 0: not limited (the CPU
// backend). `reserve_bytes` stays free for the libraries (cuBLAS workspaces, CUDA graphs).
// `host_feature_bytes` is GPU memory that host-resident features need (each ring slot's
// first-layer rows): taken from the budget only when the features end up in host memory.
PlacementChoice choose_placement(Placement graph, Placement features, int64_t graph_bytes,
                                 int64_t feature_bytes, int64_t free_bytes, int64_t reserve_bytes,
                                 int64_t host_feature_bytes = 0);

}  // namespace grl
