package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/address"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/batch"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ resource.Resource                = (*passwordResetRequestResource)(nil)
	_ resource.ResourceWithConfigure   = (*passwordResetRequestResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*passwordResetRequestResource)(nil)
	_ resource.ResourceWithImportState = (*passwordResetRequestResource)(nil)
)

// adoptedKey marks, in private state, a request that was imported. An import
// cannot see the configuration's triggers, so the first triggers a
// configuration gives an adopted request (its state has none) are recorded
// without a mail; after that, changing them sends one as for any other
// request. A replacement creates a new request without the mark.
const adoptedKey = "adopted"

// defaultCreateTimeout bounds a create, retries and waits included.
const defaultCreateTimeout = 5 * time.Minute

// createTimeoutAttribute is the `timeouts` block of the resources that act on
// create, with the default stated (the library's text does not know it).
func createTimeoutAttribute(ctx context.Context) schema.Attribute {
	return timeoutsAttribute(ctx, "Time limits for the operations of this resource.", timeouts.Opts{
		Create: true,
		CreateDescription: fmt.Sprintf("How long creating may take, retries and waits for the server included, "+
			"as a number with a unit: `s`, `m` or `h`, such as `30s` or `10m`. Defaults to `%dm`.", int(defaultCreateTimeout/time.Minute)),
	})
}

// timeoutsAttribute is the timeouts library's attribute with a description
// of its own, which the library does not take.
func timeoutsAttribute(ctx context.Context, description string, opts timeouts.Opts) schema.Attribute {
	a := timeouts.Attributes(ctx, opts)
	if n, ok := a.(schema.SingleNestedAttribute); ok {
		n.MarkdownDescription = description
		return n
	}
	return a
}

// passwordResetRequestResource models one sent reset mail. The API cannot
// read a request back, so the resource is an honest record of "a mail was
// sent to this address at this time": every argument forces a new request,
// Read keeps what is in state, and Delete only forgets.
type passwordResetRequestResource struct {
	*configured
}

func newPasswordResetRequestResource() resource.Resource {
	return &passwordResetRequestResource{}
}

type passwordResetRequestModel struct {
	ID          types.String `tfsdk:"id"`
	Email       types.String `tfsdk:"email"`
	Triggers    types.Map    `tfsdk:"triggers"`
	RequestedAt types.String `tfsdk:"requested_at"`
	ResendAfter types.String `tfsdk:"resend_after"`
	CheckedAt   types.String `tfsdk:"checked_at"`
	Outcome     types.String `tfsdk:"outcome"`
	// RetryUnknownOutcomes mails again after an unknown outcome.
	RetryUnknownOutcomes types.Bool     `tfsdk:"retry_unknown_outcomes"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

func (r *passwordResetRequestResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_password_reset_request"
}

func (r *passwordResetRequestResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sends a CleverMaps password-reset mail to one account. The mail carries a " +
			"single-use reset token with which the account's owner sets a new password.\n\n" +
			"Creating the resource sends the mail; the resource then records that it was sent, and later plans " +
			"send nothing. Changing `email` or `triggers` sends a new mail. With `resend_after`, the first plan made " +
			"once that much time has passed since the last mail replaces the resource, which sends a new one. " +
			"Destroying the resource sends nothing and only removes the record from state. If no account has the " +
			"address, the apply fails and nothing is recorded. An existing mail can be adopted with `terraform import` " +
			"(or an `import` block), which records it without sending anything.\n\n" +
			"Use it when accounts are onboarded or must be reset as part of a configuration, for a handful of " +
			"addresses. For many addresses use `clevermaps_password_reset_requests`, which sends to a whole list " +
			"from one resource and keeps plans fast. For a one-off mail with no record, Terraform 1.14+ offers the " +
			"`clevermaps_send_password_reset` action.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Random identifier of this request, assigned when the mail is sent.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Email address of the CleverMaps account that gets the mail. Changing it sends a mail "+
					"to the new address; changing only its case or Unicode form (such as `Ada@example.com` for `ada@example.com`) "+
					"is the same address, and is recorded without a mail. Must be one address such as `name@example.com`, "+
					"at most %d characters.", maxEmailLength),
				Required:   true,
				Validators: []validator.String{emailValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(anotherAddress,
					"Requires a new mail when the address changes, not when only its case or Unicode form does.",
					"Requires a new mail when the address changes, not when only its case or Unicode form does.")},
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when changed, send a new reset mail to the same address " +
					"(for example a rotation date or an onboarding wave). On a request adopted with `terraform import`, the " +
					"first triggers the configuration gives are recorded without a mail.",
				ElementType: types.StringType,
				Optional:    true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(triggersReplace,
					"Changing triggers sends a new mail, except when they are first set on an imported request.",
					"Changing `triggers` sends a new mail, except when they are first set on an imported request.")},
			},
			"requested_at": schema.StringAttribute{
				MarkdownDescription: "When the API accepted the request, in RFC 3339 format (UTC). For an imported request, " +
					"the time given in the import ID, or else the time of the import.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resend_after": schema.StringAttribute{
				MarkdownDescription: "When to mail the address again: a duration with units `h`, `m` or `s` (for example " +
					"`\"168h\"` for 7 days), counted from `requested_at`. The first plan made after that much time has passed " +
					"replaces the resource, so that the apply sends a new mail, and says so in a warning. Nothing is sent " +
					"between runs: the new mail goes out at the next plan and apply. Unset (the default) means never. " +
					"Changing it sends nothing by itself. The API cannot tell who has already set a password: this mails again " +
					"people who did, too. What is due is decided at the refresh before the plan (`checked_at`), so a saved plan " +
					"applies as reviewed.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
			"outcome": schema.StringAttribute{
				MarkdownDescription: "`sent` when the API accepted the request, or `outcome_unknown` when the request " +
					"reached the API and its answer leaves open whether the mail went out (for example the connection " +
					"dropped after the request was written, or a gateway answered 502). " + unknownOutcomeRule,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"retry_unknown_outcomes": retryUnknownOutcomesAttribute("when `outcome` is `outcome_unknown`, the next apply " +
				"replaces this resource and mails again"),
			checkedAtAttr: checkedAtAttribute(),
			"timeouts":    createTimeoutAttribute(ctx),
		},
	}
}

func (r *passwordResetRequestResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configured = configuredFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *passwordResetRequestResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan passwordResetRequestModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	email := plan.Email.ValueString()
	plan.Outcome = types.StringValue(outcomeSent)
	if err := r.client.RequestPasswordReset(ctx, email); err != nil {
		if !errors.Is(err, client.ErrOutcomeUnknown) {
			requestResetDiagnostic(&resp.Diagnostics, path.Root("email"), r.client.Host(), email, err)
			return
		}
		// Recorded, with a warning rather than an error: an error would
		// leave the resource tainted, and the next apply would mail again
		// by itself (see unknownOutcomeRule).
		plan.Outcome = types.StringValue(batch.ReasonOutcomeUnknown)
		unknownOutcomeWarning(&resp.Diagnostics, path.Root("email"), r.client.Host(), email, err)
	}

	now := formatTime(r.now())
	plan.ID = types.StringValue(randomID())
	plan.RequestedAt = types.StringValue(now)
	if plan.CheckedAt.IsUnknown() {
		plan.CheckedAt = types.StringValue(now)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// ModifyPlan proposes a new mail once resend_after has passed since the
// recorded one, as of checked_at (see checked_at.go). The replacement is
// requested on requested_at, which the plan makes unknown: Terraform ignores
// a replacement path whose value does not change, and the plan then shows
// why it replaces the resource.
func (r *passwordResetRequestResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return // Create or destroy: resend_after has nothing to add.
	}
	var state, plan passwordResetRequestModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.Outcome.ValueString() == batch.ReasonOutcomeUnknown && plan.RetryUnknownOutcomes.ValueBool() {
		r.replaceToMail(ctx, resp)
		resp.Diagnostics.AddAttributeWarning(path.Root("retry_unknown_outcomes"), "Password-reset mail will be sent again",
			fmt.Sprintf("Whether the last password-reset mail to %q went out is unknown, and retry_unknown_outcomes is true, "+
				"so this plan replaces the request and the apply sends a new mail.", state.Email.ValueString()))
		return
	}
	if state.Outcome.ValueString() == batch.ReasonOutcomeUnknown {
		// Never mailed again by itself, not even by resend_after: the one
		// rule for unknown outcomes (unknown_outcome.go).
		return
	}
	if plan.ResendAfter.IsNull() || plan.ResendAfter.IsUnknown() {
		return
	}
	after, problem := parsePositiveDuration(plan.ResendAfter.ValueString())
	if problem != "" {
		return // The validator has reported it.
	}
	sentAt, err := time.Parse(time.RFC3339, state.RequestedAt.ValueString())
	if err != nil {
		return // Not written by this provider; nothing to measure from.
	}
	now, ok := checkedAt(state.CheckedAt)
	if !ok || now.Before(sentAt.Add(after)) {
		return
	}
	r.replaceToMail(ctx, resp)
	resp.Diagnostics.AddAttributeWarning(path.Root("resend_after"), "Password-reset mail due again",
		fmt.Sprintf("The last password-reset mail to %q was sent at %s, more than resend_after (%s) ago, "+
			"so this plan replaces the request and the apply sends a new mail.",
			state.Email.ValueString(), sentAt.UTC().Format(time.RFC3339), plan.ResendAfter.ValueString()))
}

// replaceToMail makes the plan replace the request, which mails again. The
// replacement is requested on requested_at, which the plan makes unknown:
// Terraform ignores a replacement path whose value does not change.
func (r *passwordResetRequestResource) replaceToMail(ctx context.Context, resp *resource.ModifyPlanResponse) {
	for _, attr := range []string{"id", "requested_at", "outcome", checkedAtAttr} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(attr), types.StringUnknown())...)
	}
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("requested_at"))
}

// anotherAddress requires a new mail only when the address is another one
// by address.Key: a change of case or Unicode form is the same account.
func anotherAddress(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !address.Same(req.StateValue.ValueString(), req.PlanValue.ValueString())
}

// triggersReplace requires a new mail when triggers change, except when a
// configuration first sets them on an adopted (imported) request.
func triggersReplace(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	adopted, diags := req.Private.GetKey(ctx, adoptedKey)
	resp.Diagnostics.Append(diags...)
	firstOnAdopted := req.StateValue.IsNull() && len(adopted) > 0
	resp.RequiresReplace = !firstOnAdopted
}

// ImportState adopts a mail that was sent outside Terraform, without sending
// one. The ID is the address, optionally followed by a comma and the time the
// mail was sent (RFC 3339), from which resend_after counts; without it, the
// time of the import is recorded.
func (r *passwordResetRequestResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	email, sentAt, problem := parseRequestImportID(req.ID, r.now())
	if problem != "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("The import ID %q is not usable: %s. Give the address of the account that was mailed, such as "+
				"\"ada@example.com\", optionally followed by a comma and when the mail was sent, such as "+
				"\"ada@example.com,2026-11-20T09:00:00Z\". Nothing was sent.", printable(req.ID), problem))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), randomID())...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("email"), email)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("requested_at"), formatTime(sentAt))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(checkedAtAttr), formatTime(r.now()))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("outcome"), outcomeSent)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("retry_unknown_outcomes"), false)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, adoptedKey, []byte("true"))...)
}

// parseRequestImportID splits an import ID into the address and the time its
// mail was sent (now when the ID gives none), or says what is wrong with it.
// RFC 3339 times contain no comma, so the last comma separates the two.
func parseRequestImportID(id string, now time.Time) (email string, sentAt time.Time, problem string) {
	email, sentAt = id, now
	if i := strings.LastIndexByte(id, ','); i >= 0 {
		email = id[:i]
		t, err := time.Parse(time.RFC3339, id[i+1:])
		switch {
		case err != nil:
			return "", time.Time{}, "the part after the comma is not an RFC 3339 time such as 2026-11-20T09:00:00Z"
		case t.After(now):
			return "", time.Time{}, "the time after the comma lies in the future"
		}
		sentAt = t
	}
	if p := emailProblem(email); p != "" {
		return "", time.Time{}, "the address is not valid (" + p + ")"
	}
	return email, sentAt, ""
}

// Read keeps the record as it is (a sent mail cannot be read back from the
// API) and notes the time of the refresh in checked_at.
func (r *passwordResetRequestResource) Read(ctx context.Context, _ resource.ReadRequest, resp *resource.ReadResponse) {
	refreshCheckedAt(ctx, r.now(), resp)
}

// Update only records changes of timeouts and resend_after, the triggers a
// configuration first gives an adopted request, and a new spelling of the
// same address; every other change requires replacement. It sends nothing.
func (r *passwordResetRequestResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan passwordResetRequestModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete only forgets the request: a sent mail cannot be unsent.
func (r *passwordResetRequestResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// randomID returns 16 random bytes in hex.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return hex.EncodeToString(b[:])
}
