// Random test graphs for the GPU tests: skewed degrees (hubs far above any fanout), zero-degree
// nodes, and the top node id in use.
#pragma once
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include "host/graph/graph.h"

namespace grl::test {

// True under compute-sanitizer (tools/gpu-check sets GRL_TEST_SMALL=1) and under the emulator
// (grl_emu_tests): smaller problems.
inline bool small_sizes() {
#if defined(GRL_TEST_EMULATED)
  return true;
#else
  return std::getenv("GRL_TEST_SMALL") != nullptr;
#endif
}

inline Csr random_csr(NodeId n, int64_t edges, uint64_t seed, bool with_isolated = true) {
  std::mt19937_64 rng(seed);
  EdgeList e;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int64_t i = 0; i < edges; ++i) {
    // Power-law-ish sources: low ids are hubs.
    NodeId s = static_cast<NodeId>(std::pow(u(rng), 3.0) * n);
    NodeId d = static_cast<NodeId>(u(rng) * n);
    if (with_isolated && (s % 17 == 5 || d % 17 == 5)) continue;  // a band of isolated nodes
    e.src.push_back(std::min(s, n - 1));
    e.dst.push_back(std::min(d, n - 1));
  }
  e.src.push_back(n - 1);  // the top id has neighbours
  e.dst.push_back(0);
  CsrBuildOptions o;
  o.symmetrize = true;
  return build_csr(std::move(e), n, n, o);
}

inline std::vector<NodeId> random_seeds(NodeId n, int64_t count, uint64_t seed, bool repeats) {
  std::mt19937_64 rng(seed);
  std::vector<NodeId> s;
  for (int64_t i = 0; i < count; ++i) s.push_back(static_cast<NodeId>(rng() % n));
  if (!repeats) {
    std::vector<NodeId> u;
    std::vector<char> seen(n, 0);
    for (NodeId v : s)
      if (!seen[v]) {
        seen[v] = 1;
        u.push_back(v);
      }
    s = u;
  } else if (count >= 4) {
    s[1] = s[0];
    s[count - 1] = s[2];
  }
  return s;
}

}  // namespace grl::test
