// The ranks of one run and the few collectives grl needs between them. MPI (Open MPI, or any
// MPI the build found) launches the ranks and moves host buffers; GPU buffers go through NCCL
// (host/dist/nccl.h) or are staged through host memory by the caller. A build without
// MPI, or a process not started by a launcher, is one rank: every collective is then a no-op,
// so the trainers are written once for any rank count.
//
// Every collective blocks and must be called by every rank of the communicator in the same
// order with the same count. The bytes each rank sends and the time it spends inside
// collectives are tallied (take_traffic) for the trainers' reports and bench/README's scaling
// projections.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace grl {

class Comm {
 public:
  // Every rank the launcher started (MPI_COMM_WORLD after init_ranks), else this process.
  static Comm& world();
  // This process alone, whatever the launcher did (tests' single-rank references).
  static Comm& self();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }
  // Ranks on this machine and this one's place among them (one GPU and a share of the cores
  // each).
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  // This rank's contiguous share [first, second) of n items: [n r / N, n (r + 1) / N).
  std::pair<int64_t, int64_t> share(int64_t n) const {
    return {n * rank_ / size_, n * (rank_ + 1) / size_};
  }

  // In place, element-wise sum over the ranks; every rank gets the result. Floats are summed
  // in one fixed order (MPI's reduction, the same on every rank), so the result is identical
  // on every rank.
  void allreduce_sum(float* data, int64_t n);
  void allreduce_sum(double* data, int64_t n);
  void allreduce_sum(int64_t* data, int64_t n);
  // In place, the largest value of each element over the ranks.
  void allreduce_max(double* data, int64_t n);
  // Every rank's `mine` concatenated in rank order, on every rank.
  template <class T>
  std::vector<T> allgather(const std::vector<T>& mine) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::vector<char> bytes = allgather_bytes(mine.data(), mine.size() * sizeof(T));
    std::vector<T> out(bytes.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
  }
  // In place: `data` holds `items` items of `item_bytes` each, of which this rank filled its
  // share (share(items)); on return every rank holds every share.
  void allgather_shares(void* data, int64_t items, size_t item_bytes);
  void barrier();
  // Point to point: every rank passes the same list; rank `from` sends `bytes` at `data` to rank
  // `to`, which receives them at its own `data`. Transfers with from == to are skipped. Returns
  // when this rank's sends and receives are done.
  struct Transfer {
    void* data;
    size_t bytes;
    int from, to;
  };
  void exchange(const std::vector<Transfer>& transfers);

  // Bytes this rank sent and seconds it spent in collectives since the last call.
  struct Traffic {
    int64_t bytes = 0;
    double seconds = 0;
  };
  Traffic take_traffic();

  // Ends every rank at once with `code` (a rank that fails while the others wait in a
  // collective must not leave them waiting).
  [[noreturn]] void abort(int code);

 private:
  Comm(int rank, int size, void* handle) : rank_(rank), size_(size), handle_(handle) {}
  std::vector<char> allgather_bytes(const void* data, size_t bytes);
  void account(int64_t bytes, double seconds);
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  void* handle_ = nullptr;  // the MPI communicator (MPI builds), else null
  Traffic traffic_;
  friend struct CommRegistry;
};

// How this process was started: the rank and rank count a launcher (mpirun, srun) gave it, read
// from the launcher's environment, and the launcher's name ("" when none).
struct LauncherRanks {
  int rank = 0, size = 1;
  std::string launcher;
  // False when the launcher gave the ranks nothing to connect through (srun with no MPI plugin:
  // Slurm's variables only). Open MPI cannot start so: init_ranks then leaves MPI alone, and
  // the ranks see themselves alone (the command line says how to start them).
  bool connectable = true;
};
LauncherRanks launcher_ranks();

// Collective: throws ConfigError unless every rank of `comm` trains on a GPU or none does (CPU
// and GPU ranks would call different collectives and wait on each other for ever).
void require_one_device_kind(Comm& comm, bool on_gpu);

// Whether this build can run several ranks (it found MPI).
bool built_with_mpi();
// The MPI library this build uses, in words ("Open MPI v4.1.4"), or "" without MPI.
std::string mpi_library();

// Called once by main before anything else: with MPI and a launcher that started more than one
// rank, initialises MPI (Comm::world() is then every rank); otherwise nothing. finish_ranks
// (at the end of main, every rank) shuts MPI down again.
void init_ranks(int* argc, char*** argv);
void finish_ranks();

}  // namespace grl
