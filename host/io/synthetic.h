// Synthetic graph generators, deterministic from a seed and independent of the thread count.
//   rmat      Graph500 R-MAT (a=0.57, b=0.19, c=0.19, d=0.05): scale, edge_factor
//   sbm       stochastic block model with class-correlated features and labels
//   academic  heterogeneous author-paper-venue graph with planted research areas
// Parameters come as "KIND?key=value&key=value"; unknown keys are errors.
//
// Every random draw is Philox(seed, kSynthetic, a, b, c) keyed by what it is for: a = the low
// 32 bits of the item (edge, node, paper), b = a stream tag in the high 16 bits and the item's
// high bits in the low 16, c = level / dimension block / slot. Generation runs in parallel into
// preallocated arrays, so the graph is a pure function of the parameters.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "host/graph/graph.h"

namespace grl {

// Limits that keep a typo from allocating without bound (UsageError beyond them).
constexpr int64_t kSyntheticMaxNodes = (int64_t{1} << 31) - 1;
constexpr int64_t kSyntheticMaxEdges = int64_t{1} << 36;          // generated, before merging
constexpr int64_t kSyntheticMaxFeatureValues = int64_t{1} << 34;  // nodes * dim (64 GiB)

struct RmatParams {
  int scale = 16;                       // 2^scale nodes, 1..30
  int64_t edge_factor = 16;             // edges = edge_factor * 2^scale (before merging duplicates)
  double a = 0.57, b = 0.19, c = 0.19;  // d = 1 - a - b - c
  bool directed = false;
  int64_t feature_dim = 0;  // optional random N(0, 1) features
  // Optional uniform random labels in [0, classes): no signal, for timing runs that need
  // labels (GraphSAGE at scale).
  int32_t classes = 0;
  uint64_t seed = 1;
};

// Defaults give a GraphSAGE benchmark: nearest class centroid on raw features classifies ~72%
// of nodes (chance 12.5%), on the mean of a node and its neighbours ~98% (SbmTest checks both).
struct SbmParams {
  NodeId nodes = 10000;
  int32_t classes = 8;
  int64_t feature_dim = 64;
  double degree = 10;          // expected average degree
  double homophily = 0.8;      // fraction of edges inside a class
  double feature_noise = 1.0;  // std-dev of feature noise around the class centre
  double label_noise = 0.0;    // fraction of nodes whose label is flipped to another class
  // Class centres are N(0, separation^2 / dim) per coordinate, so a centre lies about
  // `separation` from the origin whatever the dimension; difficulty is set by
  // separation / feature_noise.
  double separation = 2.0;
  uint64_t seed = 1;
};

struct AcademicParams {
  NodeId authors = 2000;
  NodeId papers = 4000;
  NodeId venues = 40;
  int32_t areas = 4;
  int32_t authors_per_paper = 3;
  double area_purity = 0.9;  // probability a paper's co-authors and venue share its area
  uint64_t seed = 1;
};

Graph make_rmat(const RmatParams& p);
Graph make_sbm(const SbmParams& p);
Graph make_academic(const AcademicParams& p);

// The edges make_rmat builds its CSR from (vertex ids already permuted, self-loops and
// duplicates still present); exposed for tests and timing.
EdgeList rmat_edges(const RmatParams& p);

// Parses "KIND?key=value&..." and generates. Throws UsageError on unknown kinds or keys and on
// malformed or out-of-range values.
Graph make_synthetic(std::string_view kind_and_params);

// The demo's default graph (an sbm sized to train in seconds on 2 cores), a full
// "synthetic:sbm?..." spec.
std::string default_demo_spec();

}  // namespace grl
