// The gradient all-reduce alone (host/dist/comm.h's Comm::allreduce_sum on host floats), for
// the payloads GraphSAGE steps send, under `mpirun -np N build/grl_mpi_bench`. Prints, per
// payload, the median time of `reps` back-to-back all-reduces after a barrier, and the bus
// bandwidth 2 (N - 1) / N x bytes / time (NCCL's convention: what a ring moves per rank), the
// figure bench/README.md's projections compare with NVLink and InfiniBand.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "host/dist/comm.h"

int main(int argc, char** argv) {
  grl::init_ranks(&argc, &argv);
  grl::Comm& w = grl::Comm::world();
  const int reps = argc > 1 ? std::atoi(argv[1]) : 100;
  // 206,912 and 285,376 floats: the products and papers100M benchmark models (3 layers,
  // hidden 256); the rest bracket them.
  const std::vector<int64_t> sizes = {16384, 65536, 206912, 285376, 1048576, 4194304};
  if (w.root())
    std::printf("%d ranks, %d reps\n%12s %12s %12s %14s\n", w.size(), reps, "floats", "bytes",
                "median us", "bus GB/s");
  for (int64_t n : sizes) {
    std::vector<float> buf(static_cast<size_t>(n), 1.0f);
    std::vector<double> us;
    for (int r = 0; r < reps + 5; ++r) {
      w.barrier();
      const auto t0 = std::chrono::steady_clock::now();
      w.allreduce_sum(buf.data(), n);
      const double t =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      if (r >= 5) us.push_back(t);  // the first few warm the transport up
    }
    std::sort(us.begin(), us.end());
    double med = us[us.size() / 2];
    w.allreduce_max(&med, 1);  // the slowest rank's median: what a step waits for
    const double bytes = 4.0 * static_cast<double>(n);
    const double bus = w.size() > 1 ? 2.0 * (w.size() - 1) / w.size() * bytes / (med * 1e3) : 0;
    if (w.root())
      std::printf("%12lld %12.0f %12.1f %14.2f\n", static_cast<long long>(n), bytes, med, bus);
  }
  grl::finish_ranks();
  return 0;
}
