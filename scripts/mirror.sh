#!/usr/bin/env bash
# Lays the zips of a release snapshot (or release) out as a provider mirror
# (`make mirror DIR=...`):
#
#   DIR/registry.opentofu.org/clevermaps/clevermaps/terraform-provider-clevermaps_<version>_<os>_<arch>.zip
#   DIR/registry.opentofu.org/clevermaps/clevermaps/index.json       {"versions":{"<version>":{}}}
#   DIR/registry.opentofu.org/clevermaps/clevermaps/<version>.json   {"archives":{"<os>_<arch>":{"url":...,"hashes":["zh:..."]}}}
#   DIR/registry.terraform.io/clevermaps/clevermaps/...              the same for Terraform
#
# The zips make DIR a packed filesystem mirror (filesystem_mirror in the CLI
# configuration). The JSON files make the same tree, served by any static
# HTTPS server, a network mirror (network_mirror): they follow the provider
# network mirror protocol, and the zh: hashes are the zips' SHA-256 from
# SHA256SUMS. The filesystem mirror ignores them. Versions already in DIR stay,
# and the index lists them all.
#
# Usage: scripts/mirror.sh DIR, with DIST (default dist) the goreleaser output.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fail() {
  echo "error: $*" >&2
  exit 1
}

(($# == 1)) && [[ -n "$1" ]] || fail "usage: $0 DIR (make mirror DIR=...)"
dir=$1
dist=${DIST:-dist}
[[ "$dist" = /* ]] || dist=$REPO_ROOT/$dist

readonly name=terraform-provider-clevermaps
shopt -s nullglob
sums=("$dist"/${name}_*_SHA256SUMS)
((${#sums[@]} == 1)) ||
  fail "expected one ${name}_<version>_SHA256SUMS in $dist, found ${#sums[@]}; run 'make release-snapshot' first."
sums=${sums[0]}

# Copy only what SHA256SUMS lists, after checking each zip against it: what
# the mirror serves is what was signed.
mapfile -t zips < <(awk '$2 ~ /\.zip$/ { print $2 }' "$sums")
((${#zips[@]} > 0)) || fail "$sums lists no zips"
(cd "$dist" && awk '$2 ~ /\.zip$/' "$sums" | sha256sum --check --strict --quiet) ||
  fail "the zips in $dist do not match $sums"

mkdir -p "$dir"
for address in "${PROVIDER_ADDRESSES[@]}"; do
  target=$dir/$address
  mkdir -p "$target"
  for zip in "${zips[@]}"; do
    cp -f "$dist/$zip" "$target/$zip"
  done

  # The network mirror's indexes, rebuilt from every zip now in the
  # directory so that earlier versions stay listed.
  declare -A archives=()
  for path in "$target"/${name}_*_*_*.zip; do
    file=${path##*/}
    rest=${file#"${name}_"}
    rest=${rest%.zip}
    version=${rest%%_*}
    platform=${rest#*_}
    sum=$(sha256sum "$path" | cut -d' ' -f1)
    entry=$(printf '"%s":{"url":"%s","hashes":["zh:%s"]}' "$platform" "$file" "$sum")
    archives[$version]+=${archives[$version]:+,}$entry
  done
  versions=()
  mapfile -t sorted < <(printf '%s\n' "${!archives[@]}" | sort -V)
  for version in "${sorted[@]}"; do
    printf '{"archives":{%s}}\n' "${archives[$version]}" >"$target/$version.json"
    versions+=("$(printf '"%s":{}' "$version")")
  done
  (IFS=,; printf '{"versions":{%s}}\n' "${versions[*]}") >"$target/index.json"
  unset archives
done

echo "Provider mirror in $dir:"
(cd "$dir" && find . -type f | LC_ALL=C sort)
