#!/usr/bin/env bash
# Downloads a public dataset into DIR and verifies every file against its recorded sha256.
# Usage: datasets/fetch.sh NAME DIR [--allow-unverified]
#   NAME: cora | blogcatalog | ogbn-arxiv | ogbn-products
# Then point grl at it, e.g. GRL_DATASETS=DIR, or --graph planetoid:DIR/cora/cora.
# Datasets without recorded sums (the OGB ones, so far) are refused unless --allow-unverified
# is given; the script then prints their sums so they can be recorded here.
set -euo pipefail
name="${1:?usage: datasets/fetch.sh NAME DIR [--allow-unverified]}"
dir="${2:?usage: datasets/fetch.sh NAME DIR [--allow-unverified]}"
allow="${3:-}"

fetch() {  # URL FILE
  if command -v curl >/dev/null; then curl -fL --retry 3 -o "$2" "$1"
  else wget -q -O "$2" "$1"; fi
}
verify() {  # FILE SHA256
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$got" != "$2" ]; then
    echo "fetch.sh: $1: sha256 $got, expected $2 (download damaged or changed upstream)" >&2
    exit 1
  fi
  echo "verified $1"
}

case "$name" in
  cora)
    # LINQS raw form; the sums are those of the uncompressed originals.
    mkdir -p "$dir/cora"
    tmp=$(mktemp -d)
    fetch https://linqs-data.soe.ucsc.edu/public/lbc/cora.tgz "$tmp/cora.tgz"
    tar xzf "$tmp/cora.tgz" -C "$tmp"
    verify "$tmp/cora/cora.content" b8ebed0fd45e53995abafd1b70cf6a9fcc8f86abc5826d69b97fe6ca46e9c8ee
    verify "$tmp/cora/cora.cites" ec1a372391b7f0f60a6aff0084e8abd8f19f0faa7e1f2441a41c492042d5945e
    gzip -9 -n -c "$tmp/cora/cora.content" > "$dir/cora/cora.content.gz"
    cp "$tmp/cora/cora.cites" "$dir/cora/"
    rm -rf "$tmp"
    echo "load with: --graph planetoid:$dir/cora/cora"
    ;;
  blogcatalog)
    # ASU BlogCatalog as mirrored by premolab/GraphEmbeddings (fixed commit).
    base=https://raw.githubusercontent.com/premolab/GraphEmbeddings/691afdc5538ac6998da47eee6dfb22e3bb7c13e9/BlogCatalog-dataset/data
    mkdir -p "$dir/blogcatalog"
    for f in edges.csv:a3ac1f134b88829e6520bba2822c6e8f44487caa296a37951a6c161894f2e3ef \
             group-edges.csv:9371e47394d64fa903892a3aae88b9947fa72428db25c0b770199621d70dcd1e \
             groups.csv:51cfd743344690c92aa5e7219210935ea6c82cdff92c102418f412b135fa63aa \
             nodes.csv:39047aef3f6045bd8a1df6ee3606fa6709a835b79c034ee84fe479599dfae602; do
      fetch "$base/${f%%:*}" "$dir/blogcatalog/${f%%:*}"
      verify "$dir/blogcatalog/${f%%:*}" "${f##*:}"
    done
    echo "load with: --graph blogcatalog:$dir/blogcatalog"
    ;;
  ogbn-arxiv|ogbn-products)
    short=${name#ogbn-}
    if [ "$allow" != "--allow-unverified" ]; then
      echo "fetch.sh: no sha256 is recorded for $name yet; rerun with --allow-unverified to download" >&2
      echo "          it anyway (its sum is printed so it can be recorded in this script)" >&2
      exit 2
    fi
    mkdir -p "$dir"
    fetch "http://snap.stanford.edu/ogb/data/nodeproppred/$short.zip" "$dir/$short.zip"
    echo "UNVERIFIED download, sha256: $(sha256sum "$dir/$short.zip" | cut -d' ' -f1)"
    (cd "$dir" && unzip -q -o "$short.zip")
    echo "load with: --graph ogb:$dir/$short"
    ;;
  *)
    echo "fetch.sh: unknown dataset '$name' (cora, blogcatalog, ogbn-arxiv, ogbn-products)" >&2
    exit 2
    ;;
esac
