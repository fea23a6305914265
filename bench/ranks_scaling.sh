#!/usr/bin/env bash
# GraphSAGE seeds/s against rank count on the CPU backend, and what each step all-reduces.
#   bench/ranks_scaling.sh [GRL] [EPOCHS] [NODES]
# The model has the products benchmark's shape (100 features, 47 classes, 3 layers, hidden 256,
# fanouts 15,10,5, batch 1024: the same gradient bytes per step) on a synthetic SBM graph small
# enough for a CPU. Each row is one `mpirun -np N grl sage --json` with T threads per rank;
# seeds/s is rank 0's, the all-reduce time is rank 0's time inside MPI_Allreduce per step
# (waiting for slower ranks included). Results feed bench/README.md's scaling projections.
set -euo pipefail
grl="${1:-build/grl}"; epochs="${2:-2}"; nodes="${3:-20000}"
graph="synthetic:sbm?nodes=${nodes}&classes=47&dim=100&degree=10&seed=1"
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpirun_flags=(--oversubscribe --allow-run-as-root --bind-to none)
printf '%-6s %-8s %-8s %12s %16s %14s %12s\n' ranks threads cores "seeds/s" "allreduce B/step" "allreduce ms" "step ms"
for cfg in "1 1" "1 2" "2 1" "3 1"; do
  set -- $cfg; n=$1; t=$2
  out=$(mpirun "${mpirun_flags[@]}" -np "$n" "$grl" sage --graph "$graph" --device cpu \
          --layers 3 --fanouts 15,10,5 --hidden 256 --batch-size 1024 --epochs "$epochs" \
          --threads "$t" --json -q 2>/dev/null)
  python3 - "$n" "$t" "$out" <<'PY'
import json, sys, os
n, t, j = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
steps = j["stages"]["steps"]
step_ms = 1e3 * j["train_seconds"] / max(1, steps)
print(f'{n:<6} {t:<8} {min(n * t, os.cpu_count()):<8} {j["seeds_per_second"]:12.0f} '
      f'{j.get("allreduce_bytes_per_step", 0):16d} {j.get("allreduce_ms_per_step", 0):14.3f} '
      f'{step_ms:12.2f}')
PY
done
