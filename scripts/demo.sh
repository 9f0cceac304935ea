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
# Needs TOFU (path to the OpenTofu binary; `make demo` sets it), go and python3.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_cli tofu "${TOFU:-}"
if ! command -v python3 >/dev/null; then
  echo "error: the demo reads JSON with python3, which is not on PATH." >&2
  exit 1
fi

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
fetch_outbox() {
  python3 - "$server_root/_standin/outbox" "$1" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    mails = json.load(response)
with open(sys.argv[2], "w") as out:
    json.dump(mails, out)
PY
}

# count_mails FILE
count_mails() { python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$1"; }

say "tofu apply: one password-reset request per onboarding account"
tofu apply -auto-approve -input=false -compact-warnings -var "endpoint=$endpoint"

say "The stand-in's outbox (tokens shortened)"
fetch_outbox "$work/outbox1.json"
python3 - "$work/outbox1.json" <<'PY'
import json, re, sys
mails = json.load(open(sys.argv[1]))
if not mails:
    print("  (empty)")
for mail in mails:
    token = mail.get("token") or ""
    sent = re.sub(r"\.\d+", "", mail.get("sentAt") or "?")  # whole seconds suffice
    print(f"  {mail.get('to', '?'):<24} token {token[:6]}…  sent {sent}")
PY
mails_after_first_apply=$(count_mails "$work/outbox1.json")
if ((mails_after_first_apply == 0)); then
  echo "error: no mail reached the outbox, so there is no token to check." >&2
  exit 1
fi
read -r first_to first_token < <(python3 -c '
import json, sys
mail = json.load(open(sys.argv[1]))[0]
print(mail["to"], mail["token"])' "$work/outbox1.json")

say "tofu apply again, checking the token mailed to $first_to"
tofu apply -auto-approve -input=false -compact-warnings \
  -var "endpoint=$endpoint" -var "verify_token=$first_token"

say "tofu output token_check"
tofu output -json token_check >"$work/token_check.json"
python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])), indent=2))' "$work/token_check.json"
fetch_outbox "$work/outbox2.json"
mails_after_second_apply=$(count_mails "$work/outbox2.json")

say "tofu destroy"
tofu destroy -auto-approve -input=false -compact-warnings \
  -var "endpoint=$endpoint" -var "verify_token=$first_token"

say "What happened"
python3 - "$work/token_check.json" "$first_to" "$mails_after_first_apply" "$mails_after_second_apply" <<'PY'
import json, sys
check = json.load(open(sys.argv[1])) or {}
to, first, second = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
print(f"- The first apply asked the API for password resets; the stand-in sent {first} mail(s).")
if second == first:
    print("- The second apply sent no new mail: the requests were already in the state and")
    print("  their triggers had not changed. It only read the token through the data source.")
else:
    print(f"- The second apply changed the outbox from {first} to {second} mail(s).")
if check.get("valid"):
    print(f"- The token mailed to {to} is valid and belongs to "
          f"{check.get('full_name') or '(no name)'} <{check.get('email')}>.")
else:
    print(f"- The API says the token mailed to {to} is not valid.")
print("- Destroy removed the requests from the state; a mail already sent cannot be recalled.")
print("- The stand-in has been stopped and the temporary files removed.")
PY
