#!/usr/bin/env bash
# check-cli-version.sh NAME PATH VERSION: fails unless PATH is an executable
# whose `version` reports exactly VERSION of NAME ("OpenTofu" or "Terraform").
#
# The GNUmakefile runs it before any target uses the CLI, so that a binary a
# person points the Makefile at (TOFU=... or TERRAFORM=...) is the pinned
# version or nothing: a mismatch stops the run, it never falls back to
# building or to another binary.
set -euo pipefail
name=$1 path=$2 want=$3
case "$name" in
  OpenTofu) var=TOFU ;;
  Terraform) var=TERRAFORM ;;
  *) echo "check-cli-version.sh: unknown CLI '$name'" >&2; exit 2 ;;
esac

if [[ ! -f "$path" || ! -x "$path" ]]; then
  echo "error: $var=$path is not an executable file." >&2
  echo "Point $var at an executable of $name $want, or unset it to let make build $name $want into its cache." >&2
  exit 1
fi
# No checkpoint call and no CLI configuration of the caller's: the answer is
# the binary's own.
if ! out=$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$path" version 2>&1); then
  echo "error: '$path version' failed:" >&2
  printf '%s\n' "$out" | sed -n '1,5p' >&2
  exit 1
fi
got=$(printf '%s\n' "$out" | sed -n 1p)
if [[ "$got" != "$name v$want" ]]; then
  echo "error: $var=$path reports '$got', but this project is tested with $name $want exactly." >&2
  echo "Point $var at an executable of $name $want, or unset it to let make build $name $want into its cache." >&2
  exit 1
fi
