#include "host/pipeline/placement.h"

#include <cstdio>

#include "host/core/error.h"

namespace grl {

Placement parse_placement(const std::string& s) {
  if (s == "auto") return Placement::kAuto;
  if (s == "gpu") return Placement::kGpu;
  if (s == "host") return Placement::kHost;
  throw UsageError("a placement must be gpu, host or auto (got '" + s + "')");
}

const char* placement_name(Placement p) {
  switch (p) {
    case Placement::kAuto:
      return "auto";
    case Placement::kGpu:
      return "gpu";
    case Placement::kHost:
      return "host";
  }
  return "?";
}

HostGather parse_host_gather(const std::string& s) {
  if (s == "zero-copy") return HostGather::kZeroCopy;
  if (s == "cpu") return HostGather::kCpu;
  throw UsageError("a host gather must be zero-copy or cpu (got '" + s + "')");
}

const char* host_gather_name(HostGather g) { return g == HostGather::kCpu ? "cpu" : "zero-copy"; }

namespace {
std::string gib(int64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(b) / 1073741824.0);
  return buf;
}
}  // namespace

PlacementChoice choose_placement(Placement graph, Placement features, int64_t graph_bytes,
                                 int64_t feature_bytes, int64_t free_bytes, int64_t reserve_bytes,
                                 int64_t host_feature_bytes) {
  PlacementChoice c;
  if (free_bytes < 0) {
    c.graph = c.features = Placement::kHost;
    c.reason = "graph and features in host memory (cpu backend)";
    return c;
  }
  int64_t budget = free_bytes - reserve_bytes;
  // Explicit requests first; they take their share of the budget.
  if (graph == Placement::kGpu) budget -= graph_bytes;
  if (features == Placement::kGpu) budget -= feature_bytes;
  if (features == Placement::kHost) budget -= host_feature_bytes;
  c.graph = graph;
  c.features = features;
  if (c.graph == Placement::kAuto) {
    c.graph = graph_bytes <= budget ? Placement::kGpu : Placement::kHost;
    if (c.graph == Placement::kGpu) budget -= graph_bytes;
  }
  if (c.features == Placement::kAuto) {
    c.features = feature_bytes <= budget ? Placement::kGpu : Placement::kHost;
    // Host features need their per-slot rows on the GPU. If the graph took that room, it moves
    // to the host, and the features may then fit on the GPU after all.
    if (c.features == Placement::kHost && host_feature_bytes > budget &&
        graph == Placement::kAuto && c.graph == Placement::kGpu) {
      c.graph = Placement::kHost;
      budget += graph_bytes;
      if (feature_bytes <= budget) c.features = Placement::kGpu;
    }
  }
  c.reason = std::string("graph (") + gib(graph_bytes) + ") in " +
             (c.graph == Placement::kGpu ? "GPU" : "pinned host") + " memory" +
             (graph == Placement::kAuto ? "" : " (as asked)") + ", features (" +
             gib(feature_bytes) + ") in " +
             (c.features == Placement::kGpu ? "GPU" : "pinned host") + " memory" +
             (features == Placement::kAuto ? "" : " (as asked)") + "; " + gib(free_bytes) +
             " of GPU memory was free";
  return c;
}

}  // namespace grl
