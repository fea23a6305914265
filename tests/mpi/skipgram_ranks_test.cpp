// Skip-gram's block rounds across MPI ranks (host/train/block_schedule.h), run by ctest under
// `mpirun -np N` with data_parallel_test.cpp's main: every rank trains its pairs of each round,
// the context blocks move between ranks, each rank walks only its share of every chunk, and the
// embeddings must be bit-identical to the one-process run with the same blocks, on every rank,
// for each walk family.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host/dist/comm.h"
#include "host/dist/nccl.h"
#include "host/io/synthetic.h"
#include "host/train/skipgram.h"

namespace grl {
namespace {

Graph sbm(NodeId nodes, uint64_t seed) {
  SbmParams p;
  p.nodes = nodes;
  p.feature_dim = 4;
  p.seed = seed;
  return make_sbm(p);
}

SkipgramConfig quick(WalkMethod m, int partitions) {
  SkipgramConfig c;
  c.method = m;
  c.device = "cpu";
  c.progress = false;
  c.walks_per_node = 2;
  c.walk_length = 12;
  c.window = 4;
  c.dim = 16;
  c.epochs = 2;
  c.partitions = partitions;
  c.chunk_walks = 700;  // several chunks: blocks move across chunk boundaries too
  c.seed = 9;
  return c;
}

void expect_ranks_equal_one_process(const Graph& g, SkipgramConfig c) {
  c.comm = &Comm::self();
  const SkipgramResult one = train_skipgram(g, c);
  c.comm = &Comm::world();
  const SkipgramResult many = train_skipgram(g, c);
  EXPECT_EQ(many.ranks, Comm::world().size());
  EXPECT_EQ(one.pairs, many.pairs);
  EXPECT_EQ(one.loss, many.loss);
  EXPECT_EQ(one.embeddings, many.embeddings) << "not the one-process embeddings";
  // And the same on every rank.
  const std::vector<float> all = Comm::world().allgather(many.embeddings);
  for (int r = 1; r < Comm::world().size(); ++r)
    EXPECT_TRUE(std::equal(many.embeddings.begin(), many.embeddings.end(),
                           all.begin() + r * many.embeddings.size()))
        << "rank " << r;
  if (Comm::world().size() > 1) {
    EXPECT_GT(many.exchange_bytes, 0) << "context blocks should have moved";
  }
  // Each walk walked once, by one rank: the shares add up to the one-process walks.
  EXPECT_EQ(one.walks_generated, one.walks * (1 + c.epochs));  // the counting pass and training
  uint64_t walked = 0;
  for (uint64_t w : Comm::world().allgather(std::vector<uint64_t>{many.walks_generated}))
    walked += w;
  EXPECT_EQ(walked, one.walks_generated) << "ranks walked more than their shares";
}

TEST(SkipgramRanks, DeepWalkEqualsOneProcess) {
  const Graph g = sbm(3000, 4);
  expect_ranks_equal_one_process(g, quick(WalkMethod::kDeepWalk, 5));
  expect_ranks_equal_one_process(g, quick(WalkMethod::kDeepWalk, 2));  // fewer pairs than ranks
}

// GPU ranks move blocks through host copies; on CPU ranks stage_blocks takes that path.
TEST(SkipgramRanks, BlocksThroughHostCopiesEqualOneProcess) {
  const Graph g = sbm(2500, 6);
  SkipgramConfig c = quick(WalkMethod::kDeepWalk, 4);
  c.stage_blocks = true;
  expect_ranks_equal_one_process(g, c);
}

// GPU ranks with NCCL move blocks by DeviceComm::exchange in the compute lane's order; a
// stand-in that moves them by MPI (host memory here) takes that path on CPU ranks: the same
// transfers must give the one-process embeddings.
class MpiStandIn final : public DeviceComm {
 public:
  MpiStandIn(Comm& comm, int* calls) : comm_(comm), calls_(calls) {}
  void sum_after(float*, int64_t, void*) override { ADD_FAILURE() << "skip-gram sums nothing"; }
  void join(void*) override {}
  void exchange(const std::vector<Comm::Transfer>& moves, void*) override {
    ++*calls_;
    comm_.exchange(moves);
  }
  std::string describe() const override { return "stand-in"; }

 private:
  Comm& comm_;
  int* calls_;
};

TEST(SkipgramRanks, BlocksThroughTheDeviceExchangeEqualOneProcess) {
  const Graph g = sbm(2500, 6);
  SkipgramConfig c = quick(WalkMethod::kDeepWalk, 4);
  int calls = 0;
  c.open_device_comm = [&](Comm& comm, std::string*) {
    return std::make_unique<MpiStandIn>(comm, &calls);
  };
  expect_ranks_equal_one_process(g, c);
  if (Comm::world().size() > 1) {
    // Both epochs' rounds of every chunk, and the embeddings gathered at the end.
    EXPECT_GT(calls, 2 * 4) << "the blocks did not move through the device exchange";
    c.comm = &Comm::world();
    c.epochs = 1;
    EXPECT_EQ(train_skipgram(g, c).block_transport, "stand-in send/receive, device to device");
  }
}

TEST(SkipgramRanks, Node2vecEqualsOneProcess) {
  const Graph g = sbm(2000, 5);
  SkipgramConfig c = quick(WalkMethod::kNode2vec, 4);
  c.p = 0.5;
  c.q = 2.0;
  expect_ranks_equal_one_process(g, c);
}

TEST(SkipgramRanks, Metapath2vecPPEqualsOneProcess) {
  AcademicParams p;
  p.authors = 600;
  p.papers = 1200;
  p.venues = 12;
  const Graph g = make_academic(p);
  SkipgramConfig c = quick(WalkMethod::kMetapath2vecPP, 3);
  c.metapaths = {"author-paper-venue-paper-author"};
  expect_ranks_equal_one_process(g, c);
}

}  // namespace
}  // namespace grl
