// Skip-gram embeddings over random walks: DeepWalk (uniform walks), node2vec (second-order
// walks, p and q), metapath2vec and metapath2vec++ (meta-path guided walks on heterogeneous
// graphs; ++ draws negatives from the context's node type).
//
// Walks are generated in chunks on the backend and trained as they come, so the corpus is
// never held whole. A first pass counts node occurrences in the walks for the unigram^0.75
// negative-sampling table (an alias table, built on the host in double precision).
//
// Tables larger than device memory are trained in row partitions, as GraphVite does: node ids
// are cut into P contiguous blocks of near-equal size; syn0 and syn1 live whole in pinned host
// memory and each walk chunk is trained in P x P passes, pass (a, b) training the pairs whose
// centre is in block a and whose context is in block b (negatives then come from block b), with
// only syn0 block a and syn1 block b on the device (kernels/sgns.h, row partitions). Blocks are
// swapped between host and device around the passes: each chunk moves about 2 (P + 1) times the
// bytes of one table (syn0 up and back once, syn1 up and back once per centre block), and every
// pass re-reads the chunk's walks, so partition mode uses much larger walk chunks to amortise the
// swaps. On the CPU the same blocks are GraphVite's multi-worker schedule instead: the host
// threads train orthogonal (centre block, context block) pairs at once (block_schedule.h).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "host/dist/comm.h"
#include "host/dist/nccl.h"
#include "host/graph/graph.h"
#include "host/train/walk_plan.h"

namespace grl {

struct SkipgramConfig {
  WalkMethod method = WalkMethod::kDeepWalk;
  std::vector<std::string> metapaths;  // "author-paper-venue-paper-author"; several cycle
  float p = 1.0f, q = 1.0f;            // node2vec
  int walk_length = 80;
  int walks_per_node = 10;
  int window = 5;
  int negatives = 5;
  int dim = 128;
  int epochs = 1;
  float lr = 0.025f;
  // Subsampling of frequent nodes, word2vec's `sample` (its default): a node making up a
  // fraction f of all walk positions is kept with probability (sqrt(f / s) + 1) * s / f.
  // 0 keeps every position.
  double sample = 1e-3;
  std::string device = "auto";
  bool tuned = true;  // CUDA: parallel Hogwild SGNS (false: the serial, deterministic variant)
  bool atomic_updates = false;  // CUDA tuned SGNS: context-table updates as atomic adds
  // One set of negatives per centre, shared by its window (kernels/sgns.h; not metapath2vec++,
  // at most kMaxSharedNegatives).
  bool share_negatives = false;
  int shared_span = 0;    // with share_negatives: context slots per draw (0 = the whole window)
  bool l1_reads = false;  // CUDA: table reads through L1 (stale across SMs), to measure only
  // Walk starts in node order in every pass instead of a random order per pass (kernels/walk.h).
  bool ordered_starts = false;
  // CPU only, for studying quality without a GPU: train with a model of the tuned GPU kernel's
  // lock-free concurrency, this many warps in lock-step (ref::sgns_lockstep; with atomic_updates
  // its writes are adds). 0 = the serial reference.
  int model_warps = 0;
  int model_l1_rows = 0;  // ... with each SM's L1 holding this many rows, not coherent (0: none)
  uint64_t seed = 0;
  int64_t chunk_walks = 0;  // walks per chunk; 0 = automatic
  // Row partitions of the embedding tables (see above): 0 = automatic (on the GPU 1 when both
  // tables fit in device memory, else the fewest whose three resident blocks fit; on the CPU
  // kCpuBlocks, fewer on small graphs), 1 = off. On the CPU the blocks train in threaded rounds
  // (block_schedule.h): the result depends on the partitions, never on the thread count.
  int partitions = 0;
  // CPU backend with partitions > 1: run the GPU's block swapping path instead of the threaded
  // rounds (so that path is tested without a GPU; one thread).
  bool swap_blocks = false;
  // Several CPU ranks: move the blocks through host copies, as GPU ranks without NCCL do (tests
  // that path).
  bool stage_blocks = false;
  bool progress = true;
  std::function<void(const std::string&)> log;  // default: stderr
  // The ranks that share the block rounds (block_schedule.h; a CPU or one GPU each): each rank
  // walks its share of every chunk (CPU ranks; a GPU walks whole chunks faster than it could
  // gather them), the shares are gathered, and every rank trains its pairs of each round; on CPU
  // ranks the embeddings are the one-process ones, on every rank. Null: this process alone (the
  // command line passes Comm::world()). Only rank 0 logs.
  Comm* comm = nullptr;
  // Ranks: how NCCL is opened to move the blocks (null: DeviceComm::open, GPU ranks only; tests
  // give CPU ranks a stand-in).
  DeviceCommOpener open_device_comm;
};

struct SkipgramResult {
  std::vector<float> embeddings;  // num_nodes x dim, row-major (the input vectors, syn0)
  int64_t dim = 0;
  uint64_t walks = 0, walk_steps = 0, ended_early = 0, pairs = 0;
  double loss = 0;  // mean per target over the last epoch
  double train_seconds = 0, walk_seconds = 0;
  double pairs_per_second = 0, walk_steps_per_second = 0;
  int partitions = 1;       // row partitions the tables were trained in
  uint64_t swap_bytes = 0;  // table bytes copied between host and backend memory while training
  std::string device;
  int threads_used = 1;  // host threads that worked in the training passes
  int ranks = 1;
  int64_t exchange_bytes = 0;    // this rank's block, counter and walk traffic while training
  std::string block_transport;   // ranks: how the blocks moved (BlockSchedule::transport)
  uint64_t walks_generated = 0;  // walks this rank generated, over both passes (its shares)
};

// Throws ConfigError (host/core/error.h) for fields out of range or in conflict; the checks
// that need the graph (partitions beyond the nodes, meta-paths it cannot walk) come with
// train_skipgram.
void validate(const SkipgramConfig& config);

SkipgramResult train_skipgram(const Graph& graph, const SkipgramConfig& config);

}  // namespace grl
