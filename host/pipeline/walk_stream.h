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
#pragma once
#include <cstdint>
#include <vector>

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
             int length);
  WalkStream(const WalkStream&) = delete;
  WalkStream& operator=(const WalkStream&) = delete;

  // A chunk generated into buffer 0 on the compute lane (no prefetching), for passes that read
  // the walks once, such as counting; ended_early counts walks that ended early.
  const int32_t* generate_now(const WalkChunk& chunk, unsigned long long* ended_early);

  void begin(std::vector<WalkChunk> chunks);
  const int32_t* acquire(size_t j);
  void release(size_t j);
  const WalkChunk& chunk(size_t j) const { return chunks_[j]; }
  size_t size() const { return chunks_.size(); }

 private:
  void generate(const WalkChunk& chunk, int buffer);

  Backend& be_;
  CsrView graph_;
  std::vector<WalkSource> sources_;
  int length_;
  Buffer<int32_t> buffers_[2];
  int generated_[2], consumed_[2];
  bool used_[2] = {false, false};
  std::vector<WalkChunk> chunks_;
};

}  // namespace grl
