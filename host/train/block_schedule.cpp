#include "host/train/block_schedule.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/pipeline/lane_scope.h"
#include "kernels/sgns_draw.h"

namespace grl {

std::vector<int64_t> block_bounds(int64_t n, int blocks) {
  std::vector<int64_t> begin(blocks + 1);
  for (int k = 0; k <= blocks; ++k) begin[k] = n * k / blocks;
  return begin;
}

BlockChoice choose_blocks(int requested, int64_t n, int64_t dim, int64_t free_b,
                          int64_t default_chunk, int64_t requested_chunk, int L,
                          uint64_t walks_per_epoch) {
  BlockChoice c;
  const int64_t row_bytes = dim * static_cast<int64_t>(sizeof(float));
  int P = requested;
  c.chunk_walks = requested_chunk > 0 ? requested_chunk : default_chunk;
  if (P == 0) {
    // Working memory besides the tables: two walk buffers, counts, negative and keep tables.
    const int64_t margin = 2 * default_chunk * L * 4 + n * 32 + (int64_t{256} << 20);
    if (free_b < 0) {
      P = static_cast<int>(std::clamp<int64_t>(n / 1024, 1, kCpuBlocks));
      c.why = P > 1 ? "the CPU's threads train " + std::to_string(P) +
                          " orthogonal block pairs per round; the result does not depend on "
                          "the thread count"
                    : "a graph this small trains as one block on the CPU";
    } else if (2 * n * row_bytes + margin <= static_cast<int64_t>(0.6 * free_b)) {
      P = 1;
      c.why = "both tables fit in device memory";
    } else {
      // The fewest blocks of which three (syn0 block, two syn1 slots) fit in 40% of free memory.
      const int64_t budget = static_cast<int64_t>(0.4 * free_b);
      const int64_t max_rows = budget / (3 * row_bytes);
      if (max_rows < 1) throw Error("not enough device memory for even one embedding row");
      P = static_cast<int>(std::min<int64_t>(n, (n + max_rows - 1) / max_rows));
      while (P < n && 3 * ((n + P - 1) / P) * row_bytes > budget) ++P;
      c.why = "the two tables (" + std::to_string((2 * n * row_bytes) >> 20) +
              " MiB) exceed 60% of " + std::to_string(free_b >> 20) + " MiB free device memory";
    }
  }
  if (P > 1 && requested_chunk <= 0 && free_b > 0) {
    // Every chunk swaps ~2(P + 1) tables' bytes, so take big chunks: the two walk buffers may
    // use a quarter of what is free besides the three table blocks.
    const int64_t blocks = 3 * ((n + P - 1) / P) * row_bytes;
    const int64_t room = (free_b - blocks - n * 32) / 4;
    c.chunk_walks = std::max(c.chunk_walks, std::min<int64_t>(static_cast<int64_t>(walks_per_epoch),
                                                              room / (2 * int64_t{L} * 4)));
  }
  c.blocks = P;
  return c;
}

BlockSchedule::BlockSchedule(Backend& be, int64_t n, int64_t dim, int blocks,
                             const std::vector<float>& init, bool rounds, Comm* comm, bool stage,
                             const DeviceCommOpener& open_device)
    : be_(be),
      n_(n),
      dim_(dim),
      row_bytes_(dim * static_cast<int64_t>(sizeof(float))),
      blocks_(blocks),
      rounds_(blocks > 1 && rounds),
      begin_(block_bounds(n, blocks)),
      comm_(comm && comm->size() > 1 ? comm : nullptr),
      staged_(comm_ && (stage || !be.shares_host_memory())) {
  if (rounds_ && !be.shares_host_memory() && !comm_)
    throw Error("block rounds in one process train in host memory: the CPU backend only");
  if (comm_ && !rounds_ && blocks > 1) throw Error("block rounds across ranks: rounds must be on");
  if (comm_ && rounds_) {
    // Collective: every rank opens NCCL, or none (the caller checked that all ranks are GPU
    // ranks or none are).
    std::string why = "asked for";
    if (open_device || !be.shares_host_memory())
      device_ = open_device ? open_device(*comm_, &why) : DeviceComm::open(*comm_, &why);
    staged_ = staged_ && !device_;
    transport_ = device_ ? device_->describe() + " send/receive, device to device"
                 : be.shares_host_memory() && !stage ? "MPI on host memory"
                                                     : "MPI through host copies (" + why + ")";
  }
  holder_.assign(static_cast<size_t>(blocks), -1);
  if (blocks == 1 || rounds_) {
    syn0_ = Buffer<float>(be, init.size(), "embeddings");
    syn1_ = Buffer<float>(be, init.size(), "context embeddings");
    syn0_.upload(init.data(), init.size());
    syn1_.zero();
  } else {
    host0_ = Buffer<float>(be, init.size(), "embeddings (host)", Residence::kHostMapped);
    host1_ = Buffer<float>(be, init.size(), "context embeddings (host)", Residence::kHostMapped);
    std::memcpy(host0_.data(), init.data(), init.size() * sizeof(float));
    std::memset(host1_.data(), 0, init.size() * sizeof(float));
    int64_t max_rows = 0;
    for (int k = 0; k < blocks; ++k) max_rows = std::max(max_rows, rows_of(k));
    syn0_ = Buffer<float>(be, static_cast<size_t>(max_rows * dim), "embedding block");
    for (Buffer<float>& b : slot1_)
      b = Buffer<float>(be, static_cast<size_t>(max_rows * dim), "context embedding block");
    written_.resize(blocks);
    for (int& e : written_) e = be.new_event();
    ever_written_.assign(blocks, false);
    ready_[0] = be.new_event();
    ready_[1] = be.new_event();
  }
}

int BlockSchedule::slot_of(int blk) const {
  return slot_block_[0] == blk ? 0 : slot_block_[1] == blk ? 1 : -1;
}

void BlockSchedule::fetch(int blk, int slot) {
  const size_t bytes = static_cast<size_t>(rows_of(blk) * row_bytes_);
  {
    LaneScope sample_lane(be_, Backend::kLaneSample);
    if (slot_block_[slot] >= 0) be_.wait_event(written_[slot_block_[slot]]);
    if (ever_written_[blk]) be_.wait_event(written_[blk]);
    be_.upload(slot1_[slot].data(), host1_.data() + begin_[blk] * dim_, bytes);
    be_.record_event(ready_[slot]);
  }
  slot_block_[slot] = blk;
  swap_bytes_ += bytes;
}

SgnsSpec BlockSchedule::pair_spec(const SgnsSpec& spec, int a, int b) const {
  SgnsSpec ps = spec;
  ps.centre_begin = static_cast<NodeId>(begin_[a]);
  ps.centre_end = static_cast<NodeId>(begin_[a + 1]);
  ps.context_begin = static_cast<NodeId>(begin_[b]);
  ps.context_end = static_cast<NodeId>(begin_[b + 1]);
  return ps;
}

void BlockSchedule::move_context_blocks(int r) {
  const int P = blocks_;
  std::vector<Comm::Transfer> moves;
  for (int b = 0; b < P; ++b) {
    const int to = owner((b - r % P + P) % P);  // the rank whose pair trains b in round r
    if (holder_[b] >= 0 && holder_[b] != to)
      moves.push_back({syn1_.data() + begin_[b] * dim_,
                       static_cast<size_t>(rows_of(b) * row_bytes_), holder_[b], to});
    holder_[b] = to;
  }
  exchange_blocks(std::move(moves));
}

void BlockSchedule::exchange_blocks(std::vector<Comm::Transfer> moves) {
  if (device_) {
    // On the compute lane, after the round that trained the blocks, before the next.
    device_->exchange(moves, be_.lane_stream());
    for (const Comm::Transfer& t : moves)
      if (t.from == comm_->rank() && t.to != t.from) device_bytes_ += static_cast<int64_t>(t.bytes);
    return;
  }
  if (!staged_) {
    comm_->exchange(moves);
    return;
  }
  // Through host copies: a sender downloads its block, a receiver uploads what arrived.
  const int me = comm_->rank();
  std::vector<std::vector<char>> stage(moves.size());
  std::vector<void*> where(moves.size());
  for (size_t i = 0; i < moves.size(); ++i) {
    Comm::Transfer& t = moves[i];
    where[i] = t.data;
    if (t.from == t.to || (t.from != me && t.to != me)) continue;
    stage[i].resize(t.bytes);
    if (t.from == me) be_.download(stage[i].data(), t.data, t.bytes);
    t.data = stage[i].data();
  }
  comm_->exchange(moves);
  for (size_t i = 0; i < moves.size(); ++i)
    if (moves[i].to == me && moves[i].from != me)
      be_.upload(where[i], stage[i].data(), moves[i].bytes);
}

void BlockSchedule::train_rounds(Span<const int32_t> w, int64_t m, const SgnsSpec& spec,
                                 AliasView all, AliasView typed, SgnsStats* stats) {
  const int P = blocks_, N = ranks(), me = comm_ ? comm_->rank() : 0;
  std::vector<int> mine;  // this rank's pairs
  for (int a = 0; a < P; ++a)
    if (owner(a) == me) mine.push_back(a);
  std::vector<SgnsStats> pair_stats(P);
  std::vector<int64_t> pairs(P);
  std::vector<double> loss(P);
  for (int r = 0; r < P; ++r) {
    if (comm_) move_context_blocks(r);
    // Pairs (a, (a + r) mod P) of this round, taken by the workers as they come free (one
    // after another on a GPU rank: one device).
    std::atomic<int> next{0};
    const bool host = be_.shares_host_memory();
    const int workers = host ? num_threads() : 1;
    // The kernels count into backend memory: on a GPU rank one device counter per pair.
    if (!host) {
      if (pair_stats_dev_.size() == 0) pair_stats_dev_ = Buffer<SgnsStats>(be_, P, "pair counters");
      pair_stats_dev_.zero();
    }
    parallel_chunks(
        std::min<int>(static_cast<int>(mine.size()), workers),
        [&](int64_t, int64_t, int) {
          for (int i; (i = next.fetch_add(1)) < static_cast<int>(mine.size());) {
            const int a = mine[i], b = (a + r) % P;
            pair_stats[a] = SgnsStats{};
            be_.sgns(w, m, pair_spec(spec, a, b), all, typed,
                     MatrixView<float>{syn0_.data() + begin_[a] * dim_, rows_of(a), dim_, dim_},
                     MatrixView<float>{syn1_.data() + begin_[b] * dim_, rows_of(b), dim_, dim_},
                     host ? &pair_stats[a] : pair_stats_dev_.data() + a);
          }
        },
        1);
    if (!host) pair_stats_dev_.download(pair_stats.data(), P);
    if (N > 1) {
      // Every pair's counters on every rank (the others' entries are zero: the sums are exact).
      for (int a = 0; a < P; ++a) {
        const bool own = owner(a) == me;
        pairs[a] = own ? static_cast<int64_t>(pair_stats[a].pairs) : 0;
        loss[a] = own ? pair_stats[a].loss : 0.0;
      }
      comm_->allreduce_sum(pairs.data(), P);
      comm_->allreduce_sum(loss.data(), P);
      for (int a = 0; a < P; ++a)
        pair_stats[a] = {static_cast<unsigned long long>(pairs[a]), loss[a]};
    }
    // Summed in pair order onto the running total (`stats` is in backend memory).
    SgnsStats total;
    if (host)
      total = *stats;
    else
      be_.download(&total, stats, sizeof total);
    for (const SgnsStats& s : pair_stats) {
      total.pairs += s.pairs;
      total.loss += s.loss;
    }
    if (host)
      *stats = total;
    else
      be_.upload(stats, &total, sizeof total);
  }
}

void BlockSchedule::train(const int32_t* walks, int64_t m, int L, const SgnsSpec& spec,
                          AliasView all, AliasView typed, SgnsStats* stats) {
  const Span<const int32_t> w{walks, m * L};
  if (rounds_) {
    SgnsSpec s = spec;
    if (be_.shares_host_memory()) {
      // The CPU passes every walk B^2 times: each position's draws are taken once, up front.
      draws_.resize(static_cast<size_t>(m * L));
      parallel_chunks(
          m,
          [&](int64_t b, int64_t e, int) {
            for (int64_t k = b; k < e; ++k) {
              const uint32_t id = static_cast<uint32_t>(spec.first_walk + k);
              for (int j = 0; j < L; ++j)
                draws_[k * L + j] = sgns_detail::position_draw(spec, walks + k * L, id, j);
            }
          },
          256);
      s.position_draws = draws_.data();
    }
    train_rounds(w, m, s, all, typed, stats);
    return;
  }
  if (blocks_ == 1) {
    be_.sgns(w, m, spec, all, typed, MatrixView<float>{syn0_.data(), n_, dim_, dim_},
             MatrixView<float>{syn1_.data(), n_, dim_, dim_}, stats);
    return;
  }
  const int P = blocks_;
  for (int a = 0; a < P; ++a) {
    const size_t bytes0 = static_cast<size_t>(rows_of(a) * row_bytes_);
    be_.upload(syn0_.data(), host0_.data() + begin_[a] * dim_, bytes0);
    const bool reverse = rows_done_++ % 2 == 1;
    auto block_at = [&](int i) { return reverse ? P - 1 - i : i; };
    int last_slot = 1;
    for (int i = 0; i < P; ++i) {
      const int blk = block_at(i);
      int slot = slot_of(blk);
      if (slot < 0) fetch(blk, slot = 1 - last_slot);
      if (i + 1 < P && slot_of(block_at(i + 1)) < 0) fetch(block_at(i + 1), 1 - slot);
      be_.wait_event(ready_[slot]);
      be_.sgns(w, m, pair_spec(spec, a, blk), all, typed,
               MatrixView<float>{syn0_.data(), rows_of(a), dim_, dim_},
               MatrixView<float>{slot1_[slot].data(), rows_of(blk), dim_, dim_}, stats);
      const size_t bytes1 = static_cast<size_t>(rows_of(blk) * row_bytes_);
      be_.download_async(host1_.data() + begin_[blk] * dim_, slot1_[slot].data(), bytes1);
      be_.record_event(written_[blk]);
      ever_written_[blk] = true;
      swap_bytes_ += bytes1;
      last_slot = slot;
    }
    be_.download_async(host0_.data() + begin_[a] * dim_, syn0_.data(), bytes0);
    swap_bytes_ += 2 * bytes0;
  }
}

void BlockSchedule::embeddings(std::vector<float>& out) {
  if (comm_ && rounds_) {
    // Every syn0 block from the rank that trained it to every other rank.
    std::vector<Comm::Transfer> blocks;
    for (int a = 0; a < blocks_; ++a)
      for (int to = 0; to < ranks(); ++to)
        blocks.push_back({syn0_.data() + begin_[a] * dim_,
                          static_cast<size_t>(rows_of(a) * row_bytes_), owner(a), to});
    exchange_blocks(std::move(blocks));
  }
  out.resize(static_cast<size_t>(n_ * dim_));
  be_.synchronize();
  if (blocks_ == 1 || rounds_)
    syn0_.download(out.data(), out.size());
  else
    std::memcpy(out.data(), host0_.data(), out.size() * sizeof(float));
}

}  // namespace grl
