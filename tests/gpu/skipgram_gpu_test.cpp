// Skip-gram training on the GPU: the parallel (Hogwild) kernel trains embeddings as good as
// the CPU's, and row partitions (blocks swapped through pinned host memory) as well as none.
#include <gtest/gtest.h>

#include <cmath>

#include "host/io/synthetic.h"
#include "host/ops/backend.h"
#include "host/train/embedding_eval.h"
#include "host/train/skipgram.h"
#include "tests/gpu/gpu_graphs.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {
// Partitioned training on the GPU (blocks swapped through pinned host memory) trains as well
// as unpartitioned.
TEST(GpuSkipgram, PartitionedTrainingMatchesUnpartitioned) {
  GRL_REQUIRE_GPU();
  GRL_SKIP_EMULATED("trains through --device cuda, which is not the emulated backend");
  Graph g = make_academic(AcademicParams{});
  const NodeType& au = g.node_types[g.find_node_type("author")];
  double macro[2];
  for (int k = 0; k < 2; ++k) {
    SkipgramConfig c;
    c.method = WalkMethod::kMetapath2vec;
    c.metapaths = {"author-paper-venue-paper-author"};
    c.walk_length = 40;
    c.dim = 64;
    c.device = "cuda";
    c.progress = false;
    c.partitions = k ? 2 : 1;
    c.chunk_walks = 4000;  // several chunks
    SkipgramResult r = train_skipgram(g, c);
    EXPECT_EQ(r.partitions, c.partitions);
    std::vector<float> x;
    std::vector<std::vector<int32_t>> y;
    for (NodeId v = au.begin; v < au.begin + au.count; ++v) {
      if (!g.labels.has_label(v)) continue;
      x.insert(x.end(), r.embeddings.begin() + int64_t{v} * 64,
               r.embeddings.begin() + int64_t{v + 1} * 64);
      y.push_back({g.labels.single[v]});
    }
    EvalConfig cfg;
    cfg.train_ratios = {0.5};
    cfg.repeats = 3;
    macro[k] = evaluate_embeddings(x, static_cast<int64_t>(y.size()), 64, y, g.labels.num_classes,
                                   false, cfg)[0]
                   .macro_mean;
    std::printf(
        "metapath2vec on cuda, %d partition(s): macro-F1 %.4f, %.3g pairs/s, %llu bytes "
        "swapped\n",
        c.partitions, macro[k], r.pairs_per_second, static_cast<unsigned long long>(r.swap_bytes));
  }
  EXPECT_GE(macro[1], 0.90);
  EXPECT_NEAR(macro[1], macro[0], 0.03);
}

// The parallel kernel races by design (Hogwild); it must train as well as the serial CPU.
TEST(GpuSkipgram, ParallelKernelTrainsAsWellAsCpu) {
  GRL_REQUIRE_GPU();
  GRL_SKIP_EMULATED("trains through --device cuda, which is not the emulated backend");
  Graph g = make_academic(AcademicParams{});
  const NodeType& au = g.node_types[g.find_node_type("author")];
  double macro[3];
  const char* dev[3] = {"cpu", "cuda", "cuda"};
  for (int k = 0; k < 3; ++k) {
    SkipgramConfig c;
    c.share_negatives = k == 2;  // the tuned kernel's shared-negative path
    c.method = WalkMethod::kMetapath2vec;
    c.metapaths = {"author-paper-venue-paper-author"};
    c.walk_length = 40;
    c.dim = 64;
    c.device = dev[k];
    c.progress = false;
    c.chunk_walks = 1000;  // several chunks: the next one is generated while one trains
    SkipgramResult r = train_skipgram(g, c);
    std::vector<float> x;
    std::vector<std::vector<int32_t>> y;
    for (NodeId v = au.begin; v < au.begin + au.count; ++v) {
      if (!g.labels.has_label(v)) continue;
      x.insert(x.end(), r.embeddings.begin() + int64_t{v} * 64,
               r.embeddings.begin() + int64_t{v + 1} * 64);
      y.push_back({g.labels.single[v]});
    }
    EvalConfig cfg;
    cfg.train_ratios = {0.5};
    cfg.repeats = 3;
    macro[k] = evaluate_embeddings(x, static_cast<int64_t>(y.size()), 64, y, g.labels.num_classes,
                                   false, cfg)[0]
                   .macro_mean;
    std::printf("metapath2vec on %s%s: macro-F1 %.4f, %.3g pairs/s, %.3g walk steps/s\n", dev[k],
                c.share_negatives ? " (shared negatives)" : "", macro[k], r.pairs_per_second,
                r.walk_steps_per_second);
  }
  EXPECT_GE(macro[1], 0.90);
  EXPECT_NEAR(macro[1], macro[0], 0.03);
  EXPECT_NEAR(macro[2], macro[0], 0.03);
}

}  // namespace
}  // namespace grl
