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

// Edge weights for `c` (one per CSR entry, not symmetric): log-normal spread over four orders
// of magnitude, one edge in ten weighing 0, the rows of ids = 3 mod 97 all zero, and the first
// hub's first edge carrying nearly all its row's weight (the sampler's exact-scan fallback).
inline void add_random_weights(Csr& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 2.0);
  std::vector<float> w(c.indices.size());
  for (float& x : w) x = rng() % 10 == 0 ? 0.0f : static_cast<float>(std::exp(z(rng)));
  for (NodeId v = 3; v < c.num_rows(); v += 97)
    for (EdgeIndex e = c.offsets[v]; e < c.offsets[v + 1]; ++e) w[e] = 0.0f;
  NodeId hub = 0;
  for (NodeId v = 0; v < c.num_rows(); ++v)
    if (c.degree(v) > c.degree(hub)) hub = v;
  if (c.degree(hub) > 0) w[c.offsets[hub]] = 1e7f;
  c.weights = Array<float>(std::move(w));
}

}  // namespace grl::test
