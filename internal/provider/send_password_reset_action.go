package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/actionvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/batch"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ action.Action                     = (*sendPasswordResetAction)(nil)
	_ action.ActionWithConfigure        = (*sendPasswordResetAction)(nil)
	_ action.ActionWithConfigValidators = (*sendPasswordResetAction)(nil)
	_ action.ActionWithValidateConfig   = (*sendPasswordResetAction)(nil)
)

// maxActionEmails bounds the emails list of one invocation. An action has
// no prior value to diff its list against, so the CLI's cost of rendering
// large lists in a plan does not apply as it does to the batch resource.
const maxActionEmails = 100_000

// sendPasswordResetAction sends a reset mail as a Terraform 1.14+ action: a
// one-shot operation with no state, which is what sending a mail really is.
type sendPasswordResetAction struct {
	client *client.Client
}

func newSendPasswordResetAction() action.Action {
	return &sendPasswordResetAction{}
}

type sendPasswordResetModel struct {
	Email       types.String `tfsdk:"email"`
	Emails      types.List   `tfsdk:"emails"`
	Concurrency types.Int64  `tfsdk:"concurrency"`
	MaxEmails   types.Int64  `tfsdk:"max_emails"`
}

func (a *sendPasswordResetAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_send_password_reset"
}

func (a *sendPasswordResetAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sends CleverMaps password-reset mails when invoked, " +
			"for example from a resource's `action_trigger` or with `terraform apply -invoke`. Requires Terraform 1.14+. " +
			"Unlike `clevermaps_password_reset_request` it keeps no state: use it for one-off resets; use the resource " +
			"when the configuration should remember that a mail was sent.\n\n" +
			"Give either `email` for one address or `emails` for many. With `emails` the mails are sent in parallel and " +
			"the action reports its progress (addresses sent, failed and unknown) each time another tenth of the list is " +
			"done, and at the end. Every invocation mails every address in the list again.",
		Attributes: map[string]schema.Attribute{
			"email": schema.StringAttribute{
				MarkdownDescription: "Email address of the CleverMaps account that gets the reset mail. Exactly one of `email` and `emails` must be set.",
				Optional:            true,
				Validators:          []validator.String{emailValidator{}},
			},
			"emails": schema.ListAttribute{
				MarkdownDescription: fmt.Sprintf("Email addresses of the CleverMaps accounts that get a reset mail, "+
					"1 to %d of them. Each address is mailed once, however often it appears (addresses that differ only "+
					"in case are the same address). If some addresses fail, the others are still mailed and the action "+
					"fails with a list of the failed ones and why. Exactly one of `email` and `emails` must be set.", maxActionEmails),
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.List{
					listvalidator.SizeBetween(1, maxActionEmails),
					listvalidator.NoNullValues(),
					listvalidator.ValueStringsAre(emailValidator{}),
				},
			},
			"max_emails": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Safety limit, as `max_new_emails` is on `clevermaps_password_reset_requests`: "+
					"an `emails` list with more distinct addresses than this is refused before anything is sent. Defaults to %d; "+
					"raise it for a planned larger wave, or set `0` for no limit.", defaultMaxNewEmails),
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"concurrency": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many requests the action sends at once for `emails`, from 1 to 256. "+
					"Defaults to %d. The provider's `max_concurrent_requests` and `requests_per_second` still apply on top.", defaultBatchConcurrency),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 256)},
			},
		},
	}
}

// ValidateConfig enforces max_emails when the list is known, so that a
// mistake is caught before anything is sent; Invoke checks again.
func (a *sendPasswordResetAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m sendPasswordResetModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Emails.IsNull() || !knownList(m.Emails) || m.MaxEmails.IsUnknown() {
		return
	}
	checkActionGuard(ctx, m, &resp.Diagnostics)
}

// checkActionGuard refuses an emails list longer than max_emails.
func checkActionGuard(ctx context.Context, m sendPasswordResetModel, diags *diag.Diagnostics) {
	limit := int64(defaultMaxNewEmails)
	if !m.MaxEmails.IsNull() {
		limit = m.MaxEmails.ValueInt64()
	}
	var emails []string
	diags.Append(m.Emails.ElementsAs(ctx, &emails, false)...)
	if n := len(batch.Distinct(emails)); limit > 0 && int64(n) > limit {
		diags.AddAttributeError(path.Root("max_emails"), "Too many addresses to mail",
			fmt.Sprintf("emails lists %d distinct addresses, more than max_emails (%d), so nothing is sent. Check that "+
				"the list is the one you mean; if it is, set max_emails to at least %d, or to 0 for no limit.", n, limit, n))
	}
}

func (a *sendPasswordResetAction) ConfigValidators(context.Context) []action.ConfigValidator {
	return []action.ConfigValidator{
		actionvalidator.ExactlyOneOf(path.MatchRoot("email"), path.MatchRoot("emails")),
	}
}

func (a *sendPasswordResetAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *sendPasswordResetAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m sendPasswordResetModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.Emails.IsNull() {
		a.invokeMany(ctx, m, resp)
		return
	}
	email := m.Email.ValueString()
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Requesting a password-reset mail for %s", email)})
	if err := a.client.RequestPasswordReset(ctx, email); err != nil {
		requestResetDiagnostic(&resp.Diagnostics, path.Root("email"), a.client.Host(), email, err)
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("Password-reset mail sent to %s", email)})
}

// invokeMany mails every address in emails in parallel and reports progress
// each time another tenth is done; the last report is the final count.
func (a *sendPasswordResetAction) invokeMany(ctx context.Context, m sendPasswordResetModel, resp *action.InvokeResponse) {
	checkActionGuard(ctx, m, &resp.Diagnostics)
	var emails []string
	resp.Diagnostics.Append(m.Emails.ElementsAs(ctx, &emails, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	emails = batch.Distinct(emails)
	workers := defaultBatchConcurrency
	if !m.Concurrency.IsNull() {
		workers = int(m.Concurrency.ValueInt64())
	}
	resp.SendProgress(action.InvokeProgressEvent{
		Message: fmt.Sprintf("Requesting password-reset mails for %d addresses, up to %d at a time", len(emails), workers),
	})
	progress := batch.NewProgress(len(emails))
	failures := map[string]error{}
	batch.Send(ctx, a.client, emails, workers, func(email string, err error) {
		if err != nil {
			failures[email] = err
		}
		if counts, report := progress.Record(err); report {
			resp.SendProgress(action.InvokeProgressEvent{Message: "Password-reset mails: " + counts.String()})
		}
	})
	addActionFailures(&resp.Diagnostics, a.client.Host(), failures, progress.Counts())
}

// addActionFailures reports the addresses that did not get a mail from host,
// sorted, with the reason for each and what to do about the causes.
func addActionFailures(diags *diag.Diagnostics, host string, failures map[string]error, counts batch.Counts) {
	if len(failures) == 0 {
		return
	}
	emails := make([]string, 0, len(failures))
	for e := range failures {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	var b strings.Builder
	sent := "no address got a mail"
	if counts.Sent > 0 {
		sent = fmt.Sprintf("the other %d addresses got a mail", counts.Sent)
	}
	fmt.Fprintf(&b, "%d of %d password-reset requests via %s did not succeed (%d failed, %d with an unknown outcome); "+
		"%s.\n", len(failures), counts.Total, host, counts.Failed, counts.Unknown, sent)
	for i, e := range emails {
		if i == maxListedFailures {
			fmt.Fprintf(&b, "\n- ... and %d more", len(emails)-maxListedFailures)
			break
		}
		fmt.Fprintf(&b, "\n- %s: %s", e, failureReason(failures[e]))
	}
	if counts.Unknown > 0 {
		fmt.Fprintf(&b, "\n\nFor %d address(es) the outcome is unknown: the server may have sent the mail, and the request "+
			"was not repeated so that nobody gets two. Check with those users before mailing them again.", counts.Unknown)
	}
	writeSteps(&b, failureSteps(slices.Collect(maps.Values(failures))))
	b.WriteString("\n\nInvoking the action again mails every address in the list again; to retry only the failed ones, list only them.")
	diags.AddAttributeError(path.Root("emails"), "Some password-reset mails were not sent", b.String())
}

// failureReason is a failed request's reason and detail in one line.
func failureReason(err error) string {
	u := batch.Classify(err)
	return u.Reason + ": " + u.Detail
}
