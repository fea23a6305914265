# Sourced by run.sh and test.sh: installs what the build needs (Debian packages, when run as
# root; Open MPI among them, for multi-rank training and its tests), then configures and
# builds grl. The CUDA toolkit is used when found (nvcc on PATH or
# in /usr/local/cuda); without it grl builds CPU-only.

grl_require_packages() {
  local pkgs=(cmake g++ make pkg-config zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
              libcli11-dev nlohmann-json3-dev libopenmpi-dev openmpi-bin)
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "grl: installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "grl: missing packages: ${missing[*]}" >&2
    echo "grl: install them with: sudo apt-get install ${missing[*]}" >&2
    return 1
  fi
}

grl_find_cuda() {
  if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
    export PATH="/usr/local/cuda/bin:$PATH"
  fi
}

# grl_build BUILD_DIR [extra cmake args...]
grl_build() {
  local dir="$1"; shift
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  mkdir -p "$dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log" >&2; echo "grl: cmake configure failed" >&2; return 1; }
  grep -E '^-- grl:' "$dir/configure.log" || true
  cmake --build "$dir" -j "$jobs"
}

grl_setup_and_build() {
  grl_require_packages
  grl_find_cuda
  mkdir -p "$1"
  grl_build "$@"
}
