#include "host/train/stage_report.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace grl {

void StageReport::add(const std::vector<std::pair<std::string, double>>& ms, int64_t n) {
  // Back to totals, add, and divide by the new step count.
  auto total = [&](double per_step) { return per_step * static_cast<double>(steps); };
  double sample = total(sample_ms), transfer = total(transfer_ms),
         cpu_gather = total(cpu_gather_ms), gather = total(gather_ms), compute = total(compute_ms),
         host = total(host_ms), wait = total(wait_ms), allreduce = total(allreduce_ms);
  for (auto& [name, v] : stages) v = total(v);
  for (const auto& [name, v] : ms) {
    if (name == "sample")
      sample += v;
    else if (name == "transfer")
      transfer += v;
    else if (name == "cpu gather")
      cpu_gather += v;
    else if (name == "gather")
      gather += v;
    else if (name == "host")
      host += v;
    else if (name == "wait")
      wait += v;
    else if (name == "all-reduce")
      allreduce += v;
    else if (name.rfind("forward", 0) == 0 || name.rfind("backward", 0) == 0 || name == "loss" ||
             name == "optimizer")
      compute += v;
    else
      continue;  // the sample lane's idle time, and anything unknown
    auto it = std::find_if(stages.begin(), stages.end(), [&](auto& s) { return s.first == name; });
    if (it == stages.end())
      stages.emplace_back(name, v);
    else
      it->second += v;
  }
  steps += n;
  const double d = steps > 0 ? static_cast<double>(steps) : 1.0;
  sample_ms = sample / d;
  transfer_ms = transfer / d;
  cpu_gather_ms = cpu_gather / d;
  gather_ms = gather / d;
  compute_ms = compute / d;
  host_ms = host / d;
  wait_ms = wait / d;
  allreduce_ms = allreduce / d;
  for (auto& [name, v] : stages) v /= d;
}

double StageReport::overlap() const {
  const double lane = sample_ms + transfer_ms;
  if (!concurrent || lane <= 0) return 0.0;
  return std::clamp(1.0 - wait_ms / lane, 0.0, 1.0);
}

std::string StageReport::line() const {
  char buf[400], extra[160] = "";
  if (transfer_ms > 0 || cpu_gather_ms > 0)
    std::snprintf(extra, sizeof extra, ", host features: transfer %.3f ms", transfer_ms);
  if (cpu_gather_ms > 0)
    std::snprintf(extra + std::strlen(extra), sizeof extra - std::strlen(extra),
                  " after a cpu gather of %.3f ms", cpu_gather_ms);
  if (concurrent)
    std::snprintf(buf, sizeof buf,
                  "per step: sample %.3f ms%s (own stream, %.0f%% hidden behind compute), gather "
                  "%.3f ms, compute %.3f ms, GPU idle %.3f ms (%.3f waiting for the host, %.3f "
                  "for samples)",
                  sample_ms, extra, 100.0 * overlap(), gather_ms, compute_ms, idle_ms(), host_ms,
                  wait_ms);
  else
    std::snprintf(buf, sizeof buf,
                  "per step: sample %.3f ms%s, gather %.3f ms, compute %.3f ms, host %.3f ms (cpu "
                  "backend: one after another)",
                  sample_ms, extra, gather_ms, compute_ms, host_ms + wait_ms);
  std::string out = buf;
  if (allreduce_ms > 0) {
    std::snprintf(buf, sizeof buf, "; all-reduce of the gradient %.3f ms", allreduce_ms);
    out += buf;
  }
  return out;
}

nlohmann::json StageReport::json() const {
  nlohmann::json stages_j = nlohmann::json::object();
  for (const auto& [name, v] : stages) stages_j[name] = v;
  return {{"steps", steps},
          {"sample_ms", sample_ms},
          {"transfer_ms", transfer_ms},
          {"cpu_gather_ms", cpu_gather_ms},
          {"gather_ms", gather_ms},
          {"compute_ms", compute_ms},
          {"idle_ms", idle_ms()},
          {"idle_host_ms", host_ms},
          {"idle_wait_ms", wait_ms},
          {"allreduce_ms", allreduce_ms},
          {"overlap", overlap()},
          {"concurrent", concurrent},
          {"stages_ms", stages_j}};
}

}  // namespace grl
