// The row-block schedule of skip-gram training (GraphVite's partitions). Node ids are cut into
// B contiguous blocks of near-equal size; a walk chunk is trained in B x B passes, pass (a, b)
// training the pairs whose centre is in block a and whose context is in block b (negatives
// then come from block b; kernels/sgns.h, row ranges). B = 1 is plain training.
//
// On one backend with B > 1 both tables live whole in pinned host memory and only syn0 block a
// and syn1 block b are in backend memory: syn0 block a is uploaded, trained against every b and
// written back on the compute lane; syn1 blocks rotate through two slots, the next uploaded on
// the sample lane while the current one trains, after that slot's last write-back and after
// the write-back of the block's own newest rows. The b order snakes (reversed on every other
// centre block, also across chunks), so the block a row ends on stays resident for the next.
// Each chunk moves about 2 (B + 1) tables' bytes over the host link.
//
// On the CPU backend with B > 1 (unless told to run the swapping path, to test it) the blocks
// train in rounds instead, GraphVite's multi-worker schedule: both tables stay whole in host
// memory, and round r trains the B orthogonal pairs (a, (a + r) mod B), a = 0..B-1, on the host
// threads at once. No two pairs of a round touch the same rows of either table, and each pair
// is one sequential pass, so the result depends on B alone, not on how many threads share the
// pairs or which thread takes which: the same seed gives the same embeddings on any thread
// count. (With B > 1 every chunk trains pair by pair, so the result depends on the walk chunks
// too; on the CPU their size is fixed by the walk length, not by the machine.) The chunk's stats
// are summed over the pairs in pair order.
//
// Across ranks (a Comm of N > 1; CPU backends, or one GPU per rank with both tables in its
// memory) the rounds are the same: pair a belongs to rank
// a mod N for the whole run, so syn0 block a never moves while training; syn1 block b moves,
// point to point, to the rank that trains it in the next round, and nowhere else. Each rank
// keeps whole tables, only its own pairs' blocks current; embeddings() brings every syn0 block
// to every rank. GPU ranks train their pairs one after another and move blocks by NCCL's
// send/receive, device to device in stream order (host/dist/nccl.h); where NCCL is missing,
// through host copies and MPI. On CPU ranks the same pairs train in the same order on the same data
// as in one process, so the embeddings are bit-identical on any rank count too.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/dist/comm.h"
#include "host/dist/nccl.h"
#include "host/ops/backend.h"

namespace grl {

// The first id of every block, and n last: block k is [begin[k], begin[k + 1]).
std::vector<int64_t> block_bounds(int64_t n, int blocks);

struct BlockChoice {
  int blocks = 1;
  int64_t chunk_walks = 0;
  std::string why;  // for `auto`: one line for the log
};

// Blocks `auto` takes on the CPU (free_bytes < 0): enough orthogonal pairs per round for 8
// threads, one block per 1,024 nodes at most. Fixed, not the thread count: the embeddings
// depend on the blocks.
constexpr int kCpuBlocks = 8;

// requested: 0 = auto (on the CPU kCpuBlocks; on the GPU 1 when both tables fit in 60% of free
// device memory, else the fewest blocks of which three fit in 40%), else that many. Partitioned
// runs take larger walk chunks (unless chunk_walks was given) to amortise the swaps.
BlockChoice choose_blocks(int requested, int64_t nodes, int64_t dim, int64_t free_bytes,
                          int64_t default_chunk, int64_t requested_chunk, int walk_length,
                          uint64_t walks_per_epoch);

class BlockSchedule {
 public:
  // syn0 starts as `init` (nodes x dim), syn1 at zero. rounds: the threaded rounds (the CPU
  // backend only), else the swapping path.
  // comm: the ranks that share the rounds (null or one rank: this process alone); rounds are
  // then taken on any backend. stage: move blocks between CPU ranks through host copies, as
  // GPU ranks without NCCL do (to test that path). open_device: how GPU ranks open NCCL
  // (null: DeviceComm::open); given, CPU ranks take that path too (a test's stand-in).
  BlockSchedule(Backend& backend, int64_t nodes, int64_t dim, int blocks,
                const std::vector<float>& init, bool rounds = false, Comm* comm = nullptr,
                bool stage = false, const DeviceCommOpener& open_device = {});
  BlockSchedule(const BlockSchedule&) = delete;
  BlockSchedule& operator=(const BlockSchedule&) = delete;

  int blocks() const { return blocks_; }
  // One chunk of m walks of `length` nodes (backend memory), every block pair.
  void train(const int32_t* walks, int64_t m, int length, const SgnsSpec& spec, AliasView all,
             AliasView typed, SgnsStats* stats);
  // syn0, the embeddings, after everything queued so far (waits for the backend).
  void embeddings(std::vector<float>& out);
  uint64_t swap_bytes() const { return swap_bytes_; }
  // Across ranks: how the blocks move ("" in one process), and the bytes this rank sent by
  // NCCL (MPI's are in Comm::take_traffic).
  const std::string& transport() const { return transport_; }
  int64_t device_bytes_sent() const { return device_bytes_; }

 private:
  int64_t rows_of(int k) const { return begin_[k + 1] - begin_[k]; }
  int slot_of(int block) const;
  void fetch(int block, int slot);
  SgnsSpec pair_spec(const SgnsSpec& spec, int a, int b) const;
  int ranks() const { return comm_ ? comm_->size() : 1; }
  int owner(int pair) const { return pair % ranks(); }
  void move_context_blocks(int round);
  void exchange_blocks(std::vector<Comm::Transfer> moves);
  void train_rounds(Span<const int32_t> walks, int64_t m, const SgnsSpec& spec, AliasView all,
                    AliasView typed, SgnsStats* stats);

  Backend& be_;
  int64_t n_, dim_, row_bytes_;
  int blocks_;
  bool rounds_;
  std::vector<int64_t> begin_;
  // B = 1 and rounds: both tables in backend memory. B > 1: both whole in pinned host memory, plus
  // backend slots for one syn0 block and two syn1 blocks (separate buffers on the CPU backend too,
  // so that it runs, and tests, the same copies).
  Buffer<float> syn0_, syn1_, host0_, host1_, slot1_[2];
  std::vector<int> written_;  // per block: its syn1 rows written back
  std::vector<bool> ever_written_;
  int ready_[2] = {-1, -1};
  int slot_block_[2] = {-1, -1};
  uint64_t rows_done_ = 0;  // centre-block rows trained so far: the snake's parity
  uint64_t swap_bytes_ = 0;
  // Rounds across ranks: which rank holds the newest syn1 block b (-1: every rank, untrained).
  Comm* comm_ = nullptr;
  bool staged_ = false;  // blocks move through host copies (backend memory is not host memory)
  std::unique_ptr<DeviceComm> device_;  // ... or device to device (GPU ranks with NCCL)
  std::string transport_;
  int64_t device_bytes_ = 0;
  Buffer<SgnsStats> pair_stats_dev_;  // GPU ranks: each pair's counters, in device memory
  std::vector<int> holder_;
  std::vector<uint8_t> draws_;  // CPU rounds: the chunk's position draws (SgnsSpec::position_draws)
};

}  // namespace grl
