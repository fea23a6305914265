// The per-stage time summary every GraphSAGE run prints (and --json carries): stage times
// from the backend's marks (CUDA events on the GPU, a clock on the CPU), summed over the
// training steps and reported per step, grouped as
//   sample      the sample lane: sampling the next minibatches (its own CUDA stream)
//   transfer    the sample lane: host-resident feature rows brought to the GPU (zero-copy
//               gather kernel, or the copy after a CPU gather)
//   cpu gather  host threads gathering those rows into pinned staging (--host-gather cpu; host
//               clock)
//   gather      the compute lane: the first layer's feature rows into the layer input
//   compute     forward, loss, backward and the optimiser
//   idle        the compute lane with nothing to do: waiting for the host to queue work
//               ("host") or for a minibatch's sample and rows ("wait")
//   overlap     the share of the sample lane's work hidden behind compute:
//               1 - wait / (sample + transfer) (GPU only; the CPU backend runs the stages one
//               after another)
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace grl {

struct StageReport {
  int64_t steps = 0;
  bool concurrent = false;  // lanes run concurrently (the GPU)
  double sample_ms = 0, transfer_ms = 0, cpu_gather_ms = 0, gather_ms = 0, compute_ms = 0,
         host_ms = 0, wait_ms = 0;
  double allreduce_ms = 0;  // data parallel: the gradient all-reduce (host/dist/comm.h)
  std::vector<std::pair<std::string, double>> stages;  // every stage, ms per step

  // Adds a backend's take_stage_times() output covering `steps` training steps.
  void add(const std::vector<std::pair<std::string, double>>& ms, int64_t steps);
  double idle_ms() const { return host_ms + wait_ms; }
  double overlap() const;    // in [0, 1]; 0 without concurrency
  std::string line() const;  // one human-readable line
  nlohmann::json json() const;
};

}  // namespace grl
