#!/usr/bin/env bash
# `make demo`: the onboarding example end to end against the stand-in API.
#
# It builds the provider and cmd/clevermaps-standin from this working tree,
# starts the stand-in on a free port on 127.0.0.1, and runs examples/onboarding
# (in a temporary copy) with OpenTofu: apply sends the reset mails, the
# stand-in's outbox shows who got one, a second apply checks the first mail's
# token with the clevermaps_reset_token data source, and destroy cleans up.
# Everything it starts or writes is removed on exit.
#
# Needs TOFU (path to the OpenTofu binary; `make demo` sets it) and go: the
# JSON it shows is read by scripts/demotool.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cli tofu "${TOFU:-}"

work=$(mktemp -d)
standin_pid=""
cleanup() {
  if [[ -n "$standin_pid" ]]; then
    kill "$standin_pid" 2>/dev/null || true
    wait "$standin_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
if [[ ! -t 1 ]]; then say() { printf '\n==> %s\n' "$*"; }; fi

say "Building the provider and the stand-in API"
build_dev_provider "$work/plugins"
(cd "$REPO_ROOT" && go build -o "$work/clevermaps-standin" ./cmd/clevermaps-standin)
(cd "$REPO_ROOT" && go build -o "$work/demotool" ./scripts/demotool)
demotool() { "$work/demotool" "$@"; }

say "Starting the stand-in API"
"$work/clevermaps-standin" -listen 127.0.0.1:0 -url-file "$work/url" >"$work/standin.log" 2>&1 &
standin_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/url" ]] && break
  if ! kill -0 "$standin_pid" 2>/dev/null; then
    echo "error: the stand-in exited before it was listening:" >&2
    cat "$work/standin.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ ! -s "$work/url" ]]; then
  echo "error: the stand-in did not report its URL within 10 seconds." >&2
  exit 1
fi
endpoint=$(tr -d '[:space:]' <"$work/url")
# The stand-in's own endpoints live at the server root, beside /rest.
server_root=$(sed -E 's#^([a-z]+://[^/]+).*#\1#' <<<"$endpoint")
echo "API endpoint: $endpoint"

write_dev_cli_config "$work/dev.tfrc" "$work/plugins"
export TF_CLI_CONFIG_FILE="$work/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cp -R "$REPO_ROOT/examples/onboarding" "$work/onboarding"
cd "$work/onboarding"

# Colors only on a terminal.
color=()
if [[ ! -t 1 ]]; then color=(-no-color); fi
tofu() {
  local command=$1
  shift
  "$TOFU" "$command" "${color[@]}" "$@"
}

# fetch_outbox FILE: saves the stand-in's outbox (a JSON array of
# {"to","token","sentAt"}) to FILE.
fetch_outbox() { demotool outbox "$server_root/_standin/outbox" "$1"; }

say "tofu apply: one password-reset request per onboarding account"
tofu apply -auto-approve -input=false -compact-warnings -var "endpoint=$endpoint"

say "The stand-in's outbox (tokens shortened)"
fetch_outbox "$work/outbox1.json"
demotool table "$work/outbox1.json"
mails_after_first_apply=$(demotool count "$work/outbox1.json")
if ((mails_after_first_apply == 0)); then
  echo "error: no mail reached the outbox, so there is no token to check." >&2
  exit 1
fi
read -r first_to first_token < <(demotool first "$work/outbox1.json")

say "tofu apply again, checking the token mailed to $first_to"
tofu apply -auto-approve -input=false -compact-warnings \
  -var "endpoint=$endpoint" -var "verify_token=$first_token"

say "tofu output token_check"
tofu output -json token_check >"$work/token_check.json"
demotool pretty "$work/token_check.json"
fetch_outbox "$work/outbox2.json"
mails_after_second_apply=$(demotool count "$work/outbox2.json")

say "tofu destroy"
tofu destroy -auto-approve -input=false -compact-warnings \
  -var "endpoint=$endpoint" -var "verify_token=$first_token"

say "What happened"
demotool summary "$work/token_check.json" "$first_to" "$mails_after_first_apply" "$mails_after_second_apply"
