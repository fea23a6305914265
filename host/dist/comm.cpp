#include "host/dist/comm.h"

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "host/core/error.h"

#ifdef GRL_WITH_MPI
#include <mpi.h>
#endif

namespace grl {

namespace {

using Clock = std::chrono::steady_clock;

#ifdef GRL_WITH_MPI
MPI_Comm handle_of(void* h) { return *static_cast<MPI_Comm*>(h); }
MPI_Comm g_world_handle = MPI_COMM_NULL;

// MPI counts are int: a long buffer goes in pieces.
template <class Fn>
void in_pieces(int64_t n, Fn&& fn) {
  constexpr int64_t kPiece = INT_MAX / 8;
  for (int64_t b = 0; b < n; b += kPiece) fn(b, static_cast<int>(std::min(kPiece, n - b)));
}

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw Error(std::string("MPI ") + what + " failed: " + std::string(msg, len));
}
#endif

}  // namespace

struct CommRegistry {
  static Comm& world() {
    static Comm c(0, 1, nullptr);
    return c;
  }
  static Comm& self() {
    static Comm c(0, 1, nullptr);
    return c;
  }
  static void set_world(int rank, int size, int local_rank, int local_size, void* handle) {
    Comm& w = world();
    w.rank_ = rank;
    w.size_ = size;
    w.local_rank_ = local_rank;
    w.local_size_ = local_size;
    w.handle_ = handle;
  }
};

Comm& Comm::world() { return CommRegistry::world(); }
Comm& Comm::self() { return CommRegistry::self(); }

void Comm::account(int64_t bytes, double seconds) {
  traffic_.bytes += bytes;
  traffic_.seconds += seconds;
}

Comm::Traffic Comm::take_traffic() {
  Traffic t = traffic_;
  traffic_ = Traffic{};
  return t;
}

#ifdef GRL_WITH_MPI
namespace {
template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}
template <>
MPI_Datatype mpi_type<int64_t>() {
  return MPI_INT64_T;
}

template <class T>
void allreduce(void* handle, T* data, int64_t n, MPI_Op op) {
  in_pieces(n, [&](int64_t b, int count) {
    check(MPI_Allreduce(MPI_IN_PLACE, data + b, count, mpi_type<T>(), op, handle_of(handle)),
          "all-reduce");
  });
}
}  // namespace
#endif

#ifdef GRL_WITH_MPI
#define GRL_COLLECTIVE(bytes, body)                                           \
  do {                                                                        \
    if (size_ <= 1) return;                                                   \
    const auto t0 = Clock::now();                                             \
    body;                                                                     \
    account(bytes, std::chrono::duration<double>(Clock::now() - t0).count()); \
  } while (0)
#else
#define GRL_COLLECTIVE(bytes, body) \
  do {                              \
    (void)(bytes);                  \
  } while (0)
#endif

void Comm::allreduce_sum(float* data, int64_t n) {
  GRL_COLLECTIVE(n * 4, allreduce(handle_, data, n, MPI_SUM));
}
void Comm::allreduce_sum(double* data, int64_t n) {
  GRL_COLLECTIVE(n * 8, allreduce(handle_, data, n, MPI_SUM));
}
void Comm::allreduce_sum(int64_t* data, int64_t n) {
  GRL_COLLECTIVE(n * 8, allreduce(handle_, data, n, MPI_SUM));
}
void Comm::allreduce_max(double* data, int64_t n) {
  GRL_COLLECTIVE(n * 8, allreduce(handle_, data, n, MPI_MAX));
}
void Comm::exchange(const std::vector<Transfer>& transfers) {
  if (size_ <= 1) return;
#ifdef GRL_WITH_MPI
  const auto t0 = Clock::now();
  std::vector<MPI_Request> requests;
  int64_t sent = 0;
  for (size_t i = 0; i < transfers.size(); ++i) {
    const Transfer& t = transfers[i];
    if (t.from == t.to || (t.from != rank_ && t.to != rank_)) continue;
    char* p = static_cast<char*>(t.data);
    // Each piece its own tag: pieces of one transfer, and transfers between the same two
    // ranks, match in order.
    int piece = 0;
    in_pieces(static_cast<int64_t>(t.bytes), [&](int64_t b, int count) {
      const int tag = static_cast<int>((i * 64 + piece++) % 32767);
      requests.emplace_back();
      if (t.from == rank_) {
        check(MPI_Isend(p + b, count, MPI_BYTE, t.to, tag, handle_of(handle_), &requests.back()),
              "send");
        sent += count;
      } else {
        check(MPI_Irecv(p + b, count, MPI_BYTE, t.from, tag, handle_of(handle_), &requests.back()),
              "receive");
      }
    });
  }
  if (!requests.empty())
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
          "wait");
  account(sent, std::chrono::duration<double>(Clock::now() - t0).count());
#else
  (void)transfers;
#endif
}

void Comm::barrier() { GRL_COLLECTIVE(0, check(MPI_Barrier(handle_of(handle_)), "barrier")); }

std::vector<char> Comm::allgather_bytes(const void* data, size_t bytes) {
  std::vector<int64_t> counts(static_cast<size_t>(size_), 0);
  counts[static_cast<size_t>(rank_)] = static_cast<int64_t>(bytes);
  if (size_ <= 1) {
    const char* p = static_cast<const char*>(data);
    return std::vector<char>(p, p + bytes);
  }
#ifdef GRL_WITH_MPI
  allreduce_sum(counts.data(), size_);
  std::vector<int64_t> offsets(static_cast<size_t>(size_) + 1, 0);
  for (int r = 0; r < size_; ++r) offsets[r + 1] = offsets[r] + counts[r];
  std::vector<char> out(static_cast<size_t>(offsets[size_]));
  const auto t0 = Clock::now();
  // Rank by rank as broadcasts: counts of any size, no int overflow in displacements.
  for (int r = 0; r < size_; ++r) {
    if (r == rank_ && bytes > 0) std::memcpy(out.data() + offsets[r], data, bytes);
    in_pieces(counts[r], [&](int64_t b, int count) {
      check(MPI_Bcast(out.data() + offsets[r] + b, count, MPI_BYTE, r, handle_of(handle_)),
            "broadcast");
    });
  }
  account(static_cast<int64_t>(bytes), std::chrono::duration<double>(Clock::now() - t0).count());
  return out;
#else
  return {};
#endif
}

void Comm::allgather_shares(void* data, int64_t items, size_t item_bytes) {
  if (size_ <= 1) return;
#ifdef GRL_WITH_MPI
  if (items > INT_MAX || item_bytes > INT_MAX)
    throw Error("allgather_shares: " + std::to_string(items) + " items of " +
                std::to_string(item_bytes) + " bytes exceed MPI's int counts");
  const auto t0 = Clock::now();
  // One MPI type per item, so counts and displacements are item counts.
  MPI_Datatype item;
  check(MPI_Type_contiguous(static_cast<int>(item_bytes), MPI_BYTE, &item), "type");
  check(MPI_Type_commit(&item), "type");
  std::vector<int> counts(static_cast<size_t>(size_)), displs(static_cast<size_t>(size_));
  for (int r = 0; r < size_; ++r) {
    displs[r] = static_cast<int>(items * r / size_);
    counts[r] = static_cast<int>(items * (r + 1) / size_) - displs[r];
  }
  const int rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, counts.data(),
                                displs.data(), item, handle_of(handle_));
  MPI_Type_free(&item);
  check(rc, "all-gather");
  account(static_cast<int64_t>(counts[rank_]) * static_cast<int64_t>(item_bytes),
          std::chrono::duration<double>(Clock::now() - t0).count());
#else
  (void)data;
  (void)items;
  (void)item_bytes;
#endif
}

void Comm::abort(int code) {
#ifdef GRL_WITH_MPI
  if (size_ > 1) MPI_Abort(handle_of(handle_), code);
#endif
  std::fflush(nullptr);
  std::_Exit(code);
}

void require_one_device_kind(Comm& comm, bool on_gpu) {
  int64_t gpus = on_gpu ? 1 : 0;
  comm.allreduce_sum(&gpus, 1);
  if (gpus != 0 && gpus != comm.size())
    throw ConfigError(
        "some ranks train on a GPU and some on the CPU; give every rank the same {device}");
}

LauncherRanks launcher_ranks() {
  struct Vars {
    const char *size, *rank, *name;
    bool connectable;
  };
  // srun's PMIx plugin sets PMIX_RANK but no PMIX_SIZE: its size is Slurm's.
  static const Vars kVars[] = {{"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "Open MPI", true},
                               {"PMI_SIZE", "PMI_RANK", "an MPI launcher (PMI)", true},
                               {"PMIX_SIZE", "PMIX_RANK", "an MPI launcher (PMIx)", true},
                               {"MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK", "MVAPICH2", true},
                               {"SLURM_STEP_NUM_TASKS", "PMIX_RANK", "Slurm (srun, PMIx)", true},
                               {"SLURM_STEP_NUM_TASKS", "SLURM_PROCID", "Slurm (srun)", false}};
  for (const Vars& v : kVars) {
    const char* size = std::getenv(v.size);
    const char* rank = std::getenv(v.rank);
    if (!size || !rank) continue;
    LauncherRanks r{std::atoi(rank), std::atoi(size), v.name, v.connectable};
    if (r.size >= 1 && r.rank >= 0 && r.rank < r.size) return r;
  }
  return {};
}

bool built_with_mpi() {
#ifdef GRL_WITH_MPI
  return true;
#else
  return false;
#endif
}

std::string mpi_library() {
#ifdef GRL_WITH_MPI
  char v[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(v, &len);
  std::string s(v, len);
  if (size_t cut = s.find_first_of(",\n"); cut != std::string::npos) s.resize(cut);
  return s;
#else
  return "";
#endif
}

void init_ranks(int* argc, char*** argv) {
#ifdef GRL_WITH_MPI
  const LauncherRanks lr = launcher_ranks();
  if (lr.size <= 1) return;
  // Open MPI started by srun without PMIx aborts in MPI_Init with a note on how to rebuild it;
  // left alone, every rank sees itself alone and the command line says what to do instead.
  if (!lr.connectable && mpi_library().rfind("Open MPI", 0) == 0) return;
  int provided = 0;
  // Collectives are called by the main thread only; worker threads never call MPI.
  check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "init");
  int rank = 0, size = 1;
  MPI_Comm_dup(MPI_COMM_WORLD, &g_world_handle);
  MPI_Comm_set_errhandler(g_world_handle, MPI_ERRORS_RETURN);
  MPI_Comm_rank(g_world_handle, &rank);
  MPI_Comm_size(g_world_handle, &size);
  MPI_Comm node;
  int local_rank = 0, local_size = 1;
  MPI_Comm_split_type(g_world_handle, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank);
  MPI_Comm_size(node, &local_size);
  MPI_Comm_free(&node);
  CommRegistry::set_world(rank, size, local_rank, local_size, &g_world_handle);
#else
  (void)argc;
  (void)argv;
#endif
}

void finish_ranks() {
#ifdef GRL_WITH_MPI
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return;
  // Ranks that finish early (all but rank 0, for a command rank 0 runs alone) wait here for
  // the others, sleeping: MPI_Finalize's own wait would spin on a core the work needs.
  MPI_Request done;
  if (MPI_Ibarrier(g_world_handle, &done) == MPI_SUCCESS) {
    for (int flag = 0; MPI_Test(&done, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && !flag;)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  MPI_Comm_free(&g_world_handle);
  CommRegistry::set_world(0, 1, 0, 1, nullptr);
  MPI_Finalize();
#endif
}

}  // namespace grl
