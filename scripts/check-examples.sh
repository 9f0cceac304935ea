#!/usr/bin/env bash
# Checks every directory under examples/ that holds .tf files: it must be
# formatted (`tofu fmt -check`) and valid (`tofu validate`) against the
# provider built from this working tree, and valid on Terraform 1.5.7 too
# unless newer_terraform_feature below names what it needs from a later
# Terraform; examples/actions/ only gets the format check (see below). No
# `init` runs: a dev_overrides CLI config points the CLIs at the fresh
# binary, so nothing is downloaded. Examples may use only the clevermaps
# provider and the CLI's built-ins.
# No example may set an endpoint, or a variable's default, to a literal URL:
# the provider has no default endpoint so that a copied configuration cannot
# mail real people by accident, and examples take it from a variable or
# CLEVERMAPS_ENDPOINT.
#
# Needs TOFU and TERRAFORM (paths to the pinned OpenTofu and Terraform);
# `make examples-check` sets them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cli tofu "${TOFU:-}"
require_cli terraform "${TERRAFORM:-}"

# newer_terraform_feature DIR: what the example in DIR needs that Terraform
# 1.5.7 lacks, or nothing. Such an example must fail to validate on 1.5.7;
# if it validates, this list (and what the docs say of the example) is out
# of date, and the check fails.
newer_terraform_feature() {
  case "$1" in
    examples/ephemeral-resources/*) echo "ephemeral resources (Terraform 1.10)" ;;
    examples/resources/clevermaps_password_reset | examples/rotate-technical-account)
      echo "ephemeral variables and write-only arguments (Terraform 1.11)" ;;
    examples/onboarding-pipeline/adopt) echo "for_each in import blocks (Terraform 1.7)" ;;
    examples/functions/* | examples/hr-export/with-functions) echo "provider-defined functions (Terraform 1.8)" ;;
  esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_dev_provider "$work/plugins"
# tfplugindocs examples (examples/resources/*/resource.tf and the like) carry
# no required_providers block, so the CLI infers "hashicorp/clevermaps" for
# them; serve that address from the same binary too.
write_dev_cli_config "$work/dev.tfrc" "$work/plugins" \
  registry.opentofu.org/hashicorp/clevermaps registry.terraform.io/hashicorp/clevermaps
export TF_CLI_CONFIG_FILE="$work/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

cd "$REPO_ROOT"
mapfile -t dirs < <(find examples -name '*.tf' -printf '%h\n' | LC_ALL=C sort -u)
if ((${#dirs[@]} == 0)); then
  echo "no examples to check"
  exit 0
fi

failed=0
if grep -rnE --include='*.tf' '^[[:space:]]*(endpoint|default)[[:space:]]*=[[:space:]]*"https?://' examples; then
  echo "FAIL: the lines above hard-code an endpoint; take it from a variable without a default." >&2
  failed=1
fi
if ! "$TOFU" fmt -check -recursive -diff -no-color examples; then
  echo "FAIL: the files above are not formatted; run 'make fmt'." >&2
  failed=1
fi

n=0
for dir in "${dirs[@]}"; do
  n=$((n + 1))
  case "$dir" in
    examples/actions/*)
      # OpenTofu 1.12 has no `action` blocks and Terraform 1.5.7 neither;
      # the Terraform releases that do are not open source. Formatting is
      # still checked above.
      echo "skip $dir (no open-source CLI validates action blocks; fmt checked)"
      continue
      ;;
  esac
  # A private data directory keeps .terraform/ out of the checkout.
  if out=$(cd "$dir" && TF_DATA_DIR="$work/data/$n" "$TOFU" validate -no-color 2>&1); then
    echo "ok   $dir"
  else
    echo "FAIL $dir" >&2
    while IFS= read -r line; do printf '     %s\n' "$line"; done <<<"$out" >&2
    failed=1
  fi

  need=$(newer_terraform_feature "$dir")
  if out=$(cd "$dir" && TF_DATA_DIR="$work/data/tf$n" "$TERRAFORM" validate -no-color 2>&1); then
    if [[ -n "$need" ]]; then
      echo "FAIL $dir validates on Terraform 1.5.7, but check-examples.sh says it needs $need: update the list and the docs" >&2
      failed=1
    else
      echo "ok   $dir (Terraform 1.5.7)"
    fi
  elif [[ -n "$need" ]]; then
    echo "skip $dir on Terraform 1.5.7: needs $need"
  else
    echo "FAIL $dir (Terraform 1.5.7)" >&2
    while IFS= read -r line; do printf '     %s\n' "$line"; done <<<"$out" >&2
    failed=1
  fi
done

exit "$failed"
