#!/usr/bin/env bash
# grl under mpirun, as a user runs it (ctest: mpi/CommandUnderMpirun).
#   grl_under_mpirun.sh GRL MPIRUN [mpirun flags...]
# 1. grl sage on 2 ranks trains data parallel: one JSON summary (rank 0's) saying 2 ranks and
#    the all-reduce per step, one saved model, and the same model file as a rerun writes.
# 2. A command that runs in one process (grl walk) runs on rank 0 alone and says so.
# 3. A bad flag fails every rank at once, with the error and a non-zero exit, and no hang.
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

"$mpirun" "$@" -np 2 "$grl" walk --graph "$graph" --device cpu --walks-per-node 1 \
  --walk-length 5 --epochs 1 --dim 8 --out "$tmp/w.emb" >"$tmp/w.out" 2>"$tmp/w.err" ||
  { cat "$tmp/w.err" >&2; fail "grl walk under mpirun failed"; }
grep -q "rank 0 runs" "$tmp/w.err" || { cat "$tmp/w.err" >&2; fail "walk did not say rank 0 runs alone"; }
[ -s "$tmp/w.emb" ] || fail "walk wrote no embeddings"

set +e
timeout 120 "$mpirun" "$@" -np 2 "$grl" sage --graph "$graph" --device cpu --epochs 0 \
  >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "bad flag: exit $rc (124: it hung)"
grep -q "epochs" "$tmp/bad.err" || { cat "$tmp/bad.err" >&2; fail "bad flag: no error message"; }
echo "grl under mpirun: ok"
