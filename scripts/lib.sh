# shellcheck shell=bash
# Helpers shared by the scripts in this directory. Source it, do not run it.
#
# They build the provider from the working tree and write a CLI configuration
# whose dev_overrides make OpenTofu (or Terraform) use that binary directly, so
# nothing is installed with `init` and nothing is downloaded.

# REPO_ROOT is the checkout the sourcing script belongs to.
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT

# The addresses the provider is known by: OpenTofu and Terraform default to
# different registry hosts for the same "clevermaps/clevermaps" source.
readonly PROVIDER_ADDRESSES=(
  registry.opentofu.org/clevermaps/clevermaps
  registry.terraform.io/clevermaps/clevermaps
)

# require_cli NAME PATH: fails with a hint when a CLI the script needs is
# missing. The GNUmakefile passes the cached, version-pinned binaries.
require_cli() {
  local name=$1 path=${2:-}
  if [[ -z "$path" || ! -x "$path" ]]; then
    echo "error: $name is not set to an executable (got '${path}')." >&2
    echo "Run this through make (for example 'make demo'), which builds the pinned $name first." >&2
    exit 1
  fi
}

# build_dev_provider DIR: builds the provider into DIR under the file name the
# CLI looks for in a dev_overrides directory.
build_dev_provider() {
  local dir=$1
  mkdir -p "$dir"
  (cd "$REPO_ROOT" && go build -o "$dir/terraform-provider-clevermaps" .)
}

# write_dev_cli_config FILE DIR [ADDRESS...]: writes a CLI configuration that
# serves the provider in DIR for every address in PROVIDER_ADDRESSES plus the
# extra ADDRESSes given, and installs nothing else from anywhere.
write_dev_cli_config() {
  local file=$1 dir=$2
  shift 2
  {
    echo 'provider_installation {'
    echo '  dev_overrides {'
    local address
    for address in "${PROVIDER_ADDRESSES[@]}" "$@"; do
      printf '    "%s" = "%s"\n' "$address" "$dir"
    done
    echo '  }'
    echo '  direct {'
    echo '    exclude = ["*/*/*"]'
    echo '  }'
    echo '}'
  } >"$file"
}
