package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// One rule for unknown outcomes, for both reset-request resources and the
// send action (DESIGN.md, section 1): a reset mail whose request reached the
// API but whose answer leaves open whether it went out is recorded as
// outcome_unknown and never sent again by itself, so nobody gets two mails
// without a person deciding so. retry_unknown_outcomes = true is that
// decision; import (single resource) or already_mailed (batch) records that
// the mail did arrive.

const outcomeSent = "sent"

// unknownOutcomeRule is the rule in the words of the schema descriptions.
const unknownOutcomeRule = "After an unknown outcome the provider never mails the address again by itself: set " +
	"`retry_unknown_outcomes = true` to mail again, or, once you know the mail arrived, leave it as it is."

// retryUnknownOutcomesAttribute is the opt-in of both resources; effect says
// what it does on the resource.
func retryUnknownOutcomesAttribute(effect string) schema.BoolAttribute {
	return schema.BoolAttribute{
		MarkdownDescription: "Whether to mail again when the outcome of a request is unknown (the request reached the " +
			"API but its answer leaves open whether the mail went out). When `true`, " + effect + ". Defaults to " +
			"`false`: nobody gets a second mail unless you decide so. The same rule holds for both reset-request " +
			"resources and the `clevermaps_send_password_reset` action, which never repeats such a request either.",
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(false),
	}
}

// unknownOutcomeWarning reports a reset mail of the single resource whose
// outcome is unknown, sent to host.
func unknownOutcomeWarning(diags *diag.Diagnostics, attr path.Path, host, email string, err error) {
	diags.AddAttributeWarning(attr, "Unknown whether the reset mail was sent",
		fmt.Sprintf("The request for a password-reset mail to %q went out to %s, then %s; whether the mail went out is "+
			"unknown. It was not repeated, so that nobody gets two mails, and it is recorded with "+
			"outcome = \"outcome_unknown\". Ask the user whether the mail arrived. If it did, nothing needs to be done. If it "+
			"did not, set retry_unknown_outcomes = true and apply again, which sends one new mail.%s", email, host, client.Describe(err),
			strings.TrimRight(" "+nextStep(err), " ")))
}
