// Synthetic graph generators, deterministic from a seed and independent of the thread count.
//   rmat      Graph500 R-MAT (a=0.57, b=0.19, c=0.19, d=0.05): scale, edge_factor
//   sbm       stochastic block model with class-correlated features and labels
//   academic  heterogeneous author-paper-venue graph with planted research areas
// Parameters come as "KIND?key=value&key=value"; unknown keys are errors.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "host/graph/graph.h"

namespace grl {

struct RmatParams {
  int scale = 16;          // 2^scale nodes
  int64_t edge_factor = 16;  // edges = edge_factor * 2^scale (before merging duplicates)
  double a = 0.57, b = 0.19, c = 0.19;  // d = 1 - a - b - c
  bool directed = false;
  int64_t feature_dim = 0;  // optional random features
  uint64_t seed = 1;
};

struct SbmParams {
  NodeId nodes = 10000;
  int32_t classes = 8;
  int64_t feature_dim = 64;
  double degree = 10;      // expected average degree
  double homophily = 0.8;  // fraction of edges inside a class
  double feature_noise = 1.0;  // std-dev of feature noise around the class centre
  double label_noise = 0.0;    // fraction of nodes whose label is flipped at random
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

// Parses "KIND?key=value&..." and generates. Throws UsageError on unknown kinds or keys.
Graph make_synthetic(std::string_view kind_and_params);

// The demo's default graph (an sbm sized to train in seconds on 2 cores).
std::string default_demo_spec();

}  // namespace grl
