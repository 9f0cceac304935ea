#!/usr/bin/env bash
# Builds a release snapshot with goreleaser (`make release-snapshot`): the
# per-platform zips, the SHA256SUMS file and its detached signature, made by
# .goreleaser.yml exactly as a tagged release makes them, but with the version
# VERSION stamped into the binaries (main.version) and the file names, and
# nothing tagged or published.
#
# Environment (the GNUmakefile passes the first four):
#   GORELEASER       path to the pinned goreleaser
#   VERSION          a plain version such as 0.1.0. Pre-releases are refused:
#                    OpenTofu does not install one from a provider mirror.
#   PLATFORMS        "all" (every target in .goreleaser.yml), "host" (the
#                    machine's own GOOS_GOARCH) or a space-separated list of
#                    GOOS_GOARCH targets that .goreleaser.yml lists
#   DIST             output directory; it is emptied first (goreleaser --clean)
#   GPG_FINGERPRINT  the key that signs SHA256SUMS, in the keyring of GNUPGHOME
#                    (or gpg's default). A throwaway key for a test:
#                      export GNUPGHOME=$(mktemp -d)
#                      gpg --batch --passphrase '' --quick-gen-key "Test <test@example.com>" ed25519 sign 1d
#                      export GPG_FINGERPRINT=$(gpg --list-keys --with-colons | awk -F: '/^fpr/{print $10; exit}')
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cli goreleaser "${GORELEASER:-}"

fail() {
  echo "error: $*" >&2
  exit 1
}

version=${VERSION:-}
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
  fail "VERSION must be a plain version such as 0.1.0 (got '$version'): OpenTofu does not install a pre-release from a provider mirror."

[[ -n "${GPG_FINGERPRINT:-}" ]] ||
  fail "GPG_FINGERPRINT is not set. Releases sign SHA256SUMS; name the key to sign with (see the top of $0 for a throwaway one)."
gpg --batch --list-secret-keys "$GPG_FINGERPRINT" >/dev/null 2>&1 ||
  fail "gpg has no secret key '$GPG_FINGERPRINT' (GNUPGHOME=${GNUPGHOME:-default})."

dist=${DIST:-dist}
[[ "$dist" = /* ]] || dist=$REPO_ROOT/$dist
# --clean deletes the directory: only ever one that is empty or goreleaser's.
if [[ -d "$dist" && -n "$(ls -A "$dist")" && ! -f "$dist/metadata.json" ]]; then
  fail "DIST=$dist is not empty and holds no goreleaser output (no metadata.json); refusing to delete it."
fi

config=$REPO_ROOT/.goreleaser.yml
# Every line of the build's `targets:` list, as GOOS_GOARCH.
mapfile -t all_targets < <(awk '
  /^    targets:$/ { in_list = 1; next }
  in_list && /^      - [a-z0-9]+_[a-z0-9]+$/ { print $2; next }
  { in_list = 0 }' "$config")
((${#all_targets[@]} > 0)) || fail "found no build targets in $config"

case "${PLATFORMS:-all}" in
  all) wanted=("${all_targets[@]}") ;;
  host) wanted=("$(go env GOOS)_$(go env GOARCH)") ;;
  *) read -r -a wanted <<<"$PLATFORMS" ;;
esac
for target in "${wanted[@]}"; do
  [[ " ${all_targets[*]} " == *" $target "* ]] ||
    fail "$target is not a release platform; .goreleaser.yml lists: ${all_targets[*]}"
done

# The configuration goreleaser gets: .goreleaser.yml with the targets not
# wanted left out and the output directory set. It is read from standard
# input, so nothing in the checkout changes.
derived=$(awk -v wanted=" ${wanted[*]} " '
  /^    targets:$/ { in_list = 1; print; next }
  in_list && /^      - / { if (index(wanted, " " $2 " ")) print; next }
  { in_list = 0; print }' "$config")
derived+=$'\n'"dist: \"$dist\""

cd "$REPO_ROOT"
echo "Building version $version for ${wanted[*]} into $dist"
# --skip=before: the `go mod tidy` hook is for tagged releases; a snapshot
# must not rewrite go.mod or go.sum of the checkout it is built from.
SNAPSHOT_VERSION=$version "$GORELEASER" release --snapshot --clean --skip=before --config - <<<"$derived"

echo
echo "Built:"
(cd "$dist" && ls -1 -- *.zip *_SHA256SUMS *_SHA256SUMS.sig)
