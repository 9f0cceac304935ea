#!/usr/bin/env bash
# One run of an onboarding pipeline: plan into a file, show who it mails,
# apply that very plan when it mails few enough people, and otherwise stop
# for a person to approve it. Exit codes: 0 done (or nothing to do), 1 an
# error (including the mass-mail guard and the postcondition), 3 waiting for
# approval (plan.tfplan and to-mail.tsv are what to review).
#
# TF is the CLI (terraform or tofu), REVIEW_ABOVE the most addresses a run
# may mail without a person's approval. Needs jq.
set -euo pipefail
TF=${TF:-tofu}
REVIEW_ABOVE=${REVIEW_ABOVE:-50}

# -detailed-exitcode: 0 no changes, 1 error, 2 changes to apply.
rc=0
"$TF" plan -input=false -out=plan.tfplan -detailed-exitcode || rc=$?
case $rc in
  0) echo "Nothing to do."; exit 0 ;;
  2) ;;
  *) exit 1 ;;
esac

# Who the plan mails, one "<address> <why> <resource>" line each; "?" when
# the plan cannot know yet (an address computed by another resource).
"$TF" show -json plan.tfplan | jq -r -f to-mail.jq >to-mail.tsv
count=$(wc -l <to-mail.tsv)
echo "The plan mails $count address(es):"
cat to-mail.tsv
if grep -q '^?' to-mail.tsv || ((count > REVIEW_ABOVE)); then
  echo "More than $REVIEW_ABOVE addresses, or not known before apply: approve plan.tfplan, then run '$TF apply plan.tfplan'."
  exit 3
fi

# Applies exactly the reviewed plan, even if resend_after has made more
# addresses due since it was made.
"$TF" apply -input=false plan.tfplan
