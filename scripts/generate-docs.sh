#!/usr/bin/env bash
# Renders docs/ with tfplugindocs from the schema of the provider built from
# this working tree and from examples/ (and templates/, if any).
#
# tfplugindocs would otherwise build the provider and download a Terraform CLI
# to read its schema. Instead the schema comes from the pinned OpenTofu through
# a dev_overrides CLI config (no init, no network), completed with the action
# schemas by scripts/docschema, and passed to tfplugindocs with
# --providers-schema.
#
# With --validate (`make generate-check`), it then runs `tfplugindocs validate`
# on docs/ against the same schema file. Without --providers-schema, validate
# too would build the provider and run whatever `terraform` is on PATH (or
# download one); and without --provider-name it would take the name from the
# checkout's directory, which differs in CI.
#
# Needs TOFU and TFPLUGINDOCS (paths to the binaries); `make generate` sets them.
set -euo pipefail
validate=false
case "${1:-}" in
  "") ;;
  --validate) validate=true ;;
  *) echo "usage: $0 [--validate]" >&2; exit 2 ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cli tofu "${TOFU:-}"
require_cli tfplugindocs "${TFPLUGINDOCS:-}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_dev_provider "$work/plugins"
write_dev_cli_config "$work/dev.tfrc" "$work/plugins"

mkdir "$work/config"
cat >"$work/config/main.tf" <<'HCL'
terraform {
  required_providers {
    clevermaps = {
      source = "clevermaps/clevermaps"
    }
  }
}
HCL
(
  cd "$work/config"
  TF_CLI_CONFIG_FILE="$work/dev.tfrc" TF_DATA_DIR="$work/data" CHECKPOINT_DISABLE=1 \
    "$TOFU" providers schema -json
) >"$work/raw-schema.json"

# tfplugindocs looks the provider up under the key "clevermaps", and OpenTofu
# reports no action schemas (it has no actions); docschema fixes both.
(cd "$REPO_ROOT" && go run ./scripts/docschema -in "$work/raw-schema.json" -out "$work/schema.json")

cd "$REPO_ROOT"
"$TFPLUGINDOCS" generate \
  --provider-dir . \
  --provider-name clevermaps \
  --providers-schema "$work/schema.json"
if $validate; then
  "$TFPLUGINDOCS" validate \
    --provider-dir . \
    --provider-name clevermaps \
    --providers-schema "$work/schema.json"
fi
