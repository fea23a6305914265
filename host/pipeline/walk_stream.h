// The walk-chunk stream of skip-gram training: walks are generated in chunks and trained as
// they come, so the corpus is never held whole. Two chunk buffers: chunk j + 1 is generated on
// the sample lane (its own CUDA stream) while chunk j trains on the compute lane; events order
// each buffer's reuse after the training that read it, and the training after its generation.
//
//   stream.begin(chunks);                     // queues chunk 0
//   for (size_t j = 0; j < chunks.size(); ++j) {
//     const int32_t* walks = stream.acquire(j);  // queues chunk j + 1; compute waits for j
//     ... train walks ...
//     stream.release(j);                     // chunk j's buffer may be overwritten after this
//   }
//
// With several CPU ranks each rank walks only its share of every chunk (Comm::share of the
// chunk's walks, so its own start nodes) and the shares are gathered, so every rank trains on
// the whole chunk. Walks are keyed by their global index, never by rank, so the gathered chunk
// is the one a single process generates, byte for byte. GPU ranks pass no Comm and walk whole
// chunks: an H200 walks 1.3e10 steps/s, so a chunk of 16M positions takes 1.3 ms there, while
// its 64 MB would take several ms through host memory and MPI (bench/README, "Data-parallel
// scaling").
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "host/dist/comm.h"
#include "host/ops/backend.h"

namespace grl {

// A family of walks: what a chunk's walks follow and where they start (backend memory).
struct WalkSource {
  WalkSpec spec;
  Span<const NodeId> starts;
};

// Walks [first_walk, first_walk + walks) of a source, starting at start position start_offset
// (WalkSpec::start_offset: positions run on over passes and epochs).
struct WalkChunk {
  size_t source = 0;
  uint64_t start_offset = 0, first_walk = 0;
  int64_t walks = 0;
};

class WalkStream {
 public:
  // Buffers for chunks of up to `max_walks` walks of `length` nodes; `graph` is the homogeneous
  // graph (meta-path sources carry their relations in their specs).
  WalkStream(Backend& backend, CsrView graph, std::vector<WalkSource> sources, int64_t max_walks,
             int length, Comm* ranks = nullptr);
  WalkStream(const WalkStream&) = delete;
  WalkStream& operator=(const WalkStream&) = delete;

  // This rank's share of a chunk (all of it on one rank), generated into buffer 0 on the
  // compute lane and not gathered, for passes that read the walks once and reduce what they
  // find, such as counting; ended_early counts the share's walks that ended early.
  Span<const int32_t> generate_share_now(const WalkChunk& chunk, unsigned long long* ended_early);

  void begin(std::vector<WalkChunk> chunks);
  const int32_t* acquire(size_t j);
  void release(size_t j);
  const WalkChunk& chunk(size_t j) const { return chunks_[j]; }
  size_t size() const { return chunks_.size(); }
  // Walks this rank generated so far (its shares; every walk on one rank).
  uint64_t walks_generated() const { return generated_walks_; }

 private:
  void generate(const WalkChunk& chunk, int buffer);
  // This rank's share of `chunk` into its place in `out`; returns the share [first, last).
  std::pair<int64_t, int64_t> walk_share(const WalkChunk& chunk, int32_t* out,
                                         unsigned long long* ended_early);

  Backend& be_;
  CsrView graph_;
  std::vector<WalkSource> sources_;
  int length_;
  Comm* ranks_;  // null on one rank
  uint64_t generated_walks_ = 0;
  Buffer<int32_t> buffers_[2];
  int generated_[2], consumed_[2];
  bool used_[2] = {false, false};
  std::vector<WalkChunk> chunks_;
};

}  // namespace grl
