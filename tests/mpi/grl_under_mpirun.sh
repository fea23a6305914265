#!/usr/bin/env bash
# grl under mpirun, as a user runs it (ctest: mpi/CommandUnderMpirun).
#   grl_under_mpirun.sh GRL MPIRUN [mpirun flags...]
# 1. grl sage on 2 ranks trains data parallel: one JSON summary (rank 0's) saying 2 ranks and
#    the all-reduce per step, one saved model, and the same model file as a rerun writes.
#    embed and predict on 2 ranks write what one process writes; GRL_ALLREDUCE on one rank
#    changes nothing.
# 2. grl walk --device cpu on 3 ranks writes the embeddings one process writes.
# 3. A command that runs in one process (grl info) runs on rank 0 alone and says so.
# 4. A bad flag fails every rank at once, with the error and a non-zero exit, and no hang.
set -euo pipefail
grl="$1"; mpirun="$2"; shift 2
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
graph='synthetic:sbm?nodes=600&classes=4&dim=16&degree=6&seed=3'

"$mpirun" "$@" -np 2 "$grl" sage --graph "$graph" --device cpu --epochs 2 --batch-size 64 \
  --fanouts 5,5 --save "$tmp/a.grl" --json >"$tmp/a.json" 2>"$tmp/a.err" ||
  { cat "$tmp/a.err" >&2; fail "grl sage under mpirun -np 2 failed"; }
[ "$(wc -l <"$tmp/a.json")" -eq 1 ] || { cat "$tmp/a.json" >&2; fail "expected one JSON line"; }
python3 - "$tmp/a.json" <<'PY' || fail "summary"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ranks"] == 2, j.get("ranks")
assert j["allreduce_bytes_per_step"] > 0 and j["allreduce_ms_per_step"] >= 0
assert "2 ranks" in j["device"], j["device"]
assert j["test_accuracy"] > 0.5, j["test_accuracy"]
PY
[ -s "$tmp/a.grl" ] || fail "no model saved"
"$mpirun" "$@" -np 2 "$grl" sage --graph "$graph" --device cpu --epochs 2 --batch-size 64 \
  --fanouts 5,5 --save "$tmp/b.grl" -q >/dev/null 2>&1 || fail "rerun failed"
cmp -s "$tmp/a.grl" "$tmp/b.grl" || fail "the same run on 2 ranks saved a different model"

# 1b. embed and predict on 2 ranks, sharded by batch: rank 0 writes what one process writes,
#     for full-neighbourhood and sampled inference alike.
for mode in full sampled; do
  "$grl" embed --model "$tmp/a.grl" --graph "$graph" --device cpu --inference "$mode" \
    --batch-size 100 --out "$tmp/e1.npy" -q >/dev/null 2>&1 || fail "embed ($mode) failed"
  "$mpirun" "$@" -np 2 "$grl" embed --model "$tmp/a.grl" --graph "$graph" --device cpu \
    --inference "$mode" --batch-size 100 --out "$tmp/e2.npy" -q >/dev/null 2>"$tmp/e.err" ||
    { cat "$tmp/e.err" >&2; fail "embed ($mode) under mpirun failed"; }
  cmp -s "$tmp/e1.npy" "$tmp/e2.npy" || fail "embed ($mode) on 2 ranks differs from 1"
done
"$grl" predict --model "$tmp/a.grl" --graph "$graph" --device cpu --out "$tmp/p1.tsv" -q \
  >/dev/null 2>&1 || fail "predict failed"
"$mpirun" "$@" -np 2 "$grl" predict --model "$tmp/a.grl" --graph "$graph" --device cpu \
  --out "$tmp/p2.tsv" -q >/dev/null 2>&1 || fail "predict under mpirun failed"
cmp -s "$tmp/p1.tsv" "$tmp/p2.tsv" || fail "predict on 2 ranks differs from 1"

# 1c. GRL_ALLREDUCE forces the gradient all-reduce on one rank (the identity): the same model.
sage1=(sage --graph "$graph" --device cpu --epochs 2 --batch-size 64 --fanouts 5,5 -q)
"$grl" "${sage1[@]}" --save "$tmp/c.grl" >/dev/null 2>&1 || fail "sage failed"
GRL_ALLREDUCE=host "$grl" "${sage1[@]}" --save "$tmp/d.grl" --json >"$tmp/d.json" 2>/dev/null ||
  fail "sage with GRL_ALLREDUCE=host failed"
cmp -s "$tmp/c.grl" "$tmp/d.grl" || fail "GRL_ALLREDUCE=host changed the one-rank model"
grep -q '"allreduce":"MPI on host memory"' "$tmp/d.json" || { cat "$tmp/d.json" >&2; fail "no allreduce path"; }
set +e
GRL_ALLREDUCE=bogus "$grl" "${sage1[@]}" >/dev/null 2>"$tmp/bogus.err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "GRL_ALLREDUCE must be" "$tmp/bogus.err" || fail "GRL_ALLREDUCE=bogus: exit $rc"

# 2. grl walk --device cpu on 3 ranks shares the block rounds: the one-process embeddings.
walk=(walk --graph "$graph" --device cpu --walks-per-node 2 --walk-length 10 --epochs 1 --dim 8
      --partitions 4 -q)
"$grl" "${walk[@]}" --out "$tmp/w1.npy" >/dev/null 2>&1 || fail "grl walk failed"
"$mpirun" "$@" -np 3 "$grl" "${walk[@]}" --out "$tmp/w3.npy" --json >"$tmp/w.json" \
  2>"$tmp/w.err" || { cat "$tmp/w.err" >&2; fail "grl walk under mpirun -np 3 failed"; }
grep -q '"ranks":3' "$tmp/w.json" || { cat "$tmp/w.json" >&2; fail "walk: not 3 ranks"; }
cmp -s "$tmp/w1.npy" "$tmp/w3.npy" || fail "walk on 3 ranks wrote other embeddings than 1"

# 3. A command that runs in one process (grl info) runs on rank 0 alone and says so.
"$mpirun" "$@" -np 2 "$grl" info --graph "$graph" >"$tmp/i.out" 2>"$tmp/i.err" ||
  { cat "$tmp/i.err" >&2; fail "grl info under mpirun failed"; }
grep -q "rank 0 runs" "$tmp/i.err" || { cat "$tmp/i.err" >&2; fail "info did not say rank 0 runs alone"; }
[ "$(grep -c nodes "$tmp/i.out")" -ge 1 ] || fail "info printed nothing"

set +e
timeout 120 "$mpirun" "$@" -np 2 "$grl" sage --graph "$graph" --device cpu --epochs 0 \
  >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "bad flag: exit $rc (124: it hung)"
grep -q "epochs" "$tmp/bad.err" || { cat "$tmp/bad.err" >&2; fail "bad flag: no error message"; }
echo "grl under mpirun: ok"
