package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/address"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/batch"
)

var (
	_ resource.Resource                   = (*passwordResetRequestsResource)(nil)
	_ resource.ResourceWithConfigure      = (*passwordResetRequestsResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*passwordResetRequestsResource)(nil)
	_ resource.ResourceWithValidateConfig = (*passwordResetRequestsResource)(nil)
)

const (
	defaultBatchConcurrency = 8
	// maxListedFailures bounds how many failed addresses a diagnostic names.
	maxListedFailures = 50
)

// passwordResetRequestsResource sends reset mails to a whole list of
// addresses from one resource. Terraform core's cost grows faster than
// linearly with the number of resources, so a pipeline that onboards
// thousands of users needs one resource with thousands of addresses, not
// thousands of resources. State records which addresses were sent and when,
// which is what makes "send only to the new ones" and "after a partial
// failure, send only to the failed ones" possible.
type passwordResetRequestsResource struct {
	*configured
}

func newPasswordResetRequestsResource() resource.Resource {
	return &passwordResetRequestsResource{}
}

type passwordResetRequestsModel struct {
	ID                   types.String   `tfsdk:"id"`
	Emails               types.List     `tfsdk:"emails"`
	AlreadyMailed        types.List     `tfsdk:"already_mailed"`
	Triggers             types.Map      `tfsdk:"triggers"`
	Concurrency          types.Int64    `tfsdk:"concurrency"`
	ResendAfter          types.String   `tfsdk:"resend_after"`
	MaxNewEmails         types.Int64    `tfsdk:"max_new_emails"`
	RetryUnknownOutcomes types.Bool     `tfsdk:"retry_unknown_outcomes"`
	ToMail               types.Map      `tfsdk:"to_mail"`
	Sent                 types.Map      `tfsdk:"sent"`
	Unmailed             types.Map      `tfsdk:"unmailed"`
	CheckedAt            types.String   `tfsdk:"checked_at"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

// unmailedType is the element type of `unmailed`.
var unmailedType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"reason": types.StringType,
	"detail": types.StringType,
}}

// batchTimeoutsAttribute is the `timeouts` block, with its defaults said.
func batchTimeoutsAttribute(ctx context.Context) schema.Attribute {
	return timeoutsAttribute(ctx, "Time limits for the applies of this resource.", timeouts.Opts{
		Create: true, Update: true,
		CreateDescription: "How long the apply that creates the resource may take, as a number with a unit: `s`, `m` " +
			"or `h`, such as `2h`. Defaults to 5 minutes plus a quarter of a second per address to mail (10,000 " +
			"addresses: about 47 minutes). Addresses not mailed by then are recorded in `unmailed` as `not_sent`.",
		UpdateDescription: "The same limit for an apply that changes the resource, with the same default.",
	})
}

func (r *passwordResetRequestsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_password_reset_requests"
}

func (r *passwordResetRequestsResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sends CleverMaps password-reset mails to a list of addresses from one resource, in parallel.\n\n" +
			"Use it to onboard many accounts at once; use `clevermaps_password_reset_request` when each address needs " +
			"its own lifecycle or dependencies.\n\n" +
			"Each address is mailed once. The plan lists in `to_mail` exactly the addresses the apply will mail: new " +
			"addresses, addresses an earlier apply left unmailed, and addresses due again under `resend_after`. Removing " +
			"an address sends nothing and forgets it: adding it back later mails it again, as a new address. Changing " +
			"`triggers` replaces the resource and mails every address again, except those in `already_mailed`, which are " +
			"recorded as sent without a mail.\n\n" +
			"After every apply, each address is either in `sent` (mailed, with the time) or in `unmailed` (with the " +
			"reason). The next apply mails the `unmailed` addresses again, except those whose outcome is unknown (see " +
			"`retry_unknown_outcomes`). When some addresses fail on the first apply, the apply reports a warning rather " +
			"than an error, because Terraform replaces a resource whose creation failed and that would mail everyone " +
			"again; later applies report failures as errors. To make a run fail whenever an address stays unmailed, add " +
			"a `postcondition` on `unmailed` (see the example).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Random identifier of this batch.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			// A list with set semantics rather than a set: see DESIGN.md
			// ("The batch resource") for what sets cost at this scale.
			"emails": schema.ListAttribute{
				MarkdownDescription: fmt.Sprintf("Email addresses of the CleverMaps accounts to mail, at most %d. "+
					"Order and repeats do not matter, and addresses that differ only in case or Unicode form count as one. "+
					"An address removed from the list is forgotten: adding it back mails it again. "+
					"Reordering the list sends nothing. Plans of long lists are slow, because Terraform compares list "+
					"elements pairwise: for larger waves, use one resource per chunk of about 1,000 addresses (see the "+
					"guide \"Running onboarding waves from a pipeline\").", maxBatchEmails),
				ElementType: types.StringType,
				Required:    true,
				Validators: []validator.List{
					listvalidator.SizeBetween(1, maxBatchEmails),
					listvalidator.NoNullValues(),
					listvalidator.ValueStringsAre(emailValidator{}),
				},
			},
			"already_mailed": schema.ListAttribute{
				MarkdownDescription: "Addresses of `emails` that were already mailed outside this resource (for example by a " +
					"script this resource replaces). They are recorded in `sent` with the time of the apply, without a mail, also " +
					"when `triggers` change. Every address here must be in `emails`: one that is not (a typo, most likely) is an " +
					"error at plan time. Changing this list later never unsends or re-sends anything.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.List{
					listvalidator.NoNullValues(),
					listvalidator.ValueStringsAre(emailValidator{}),
				},
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when changed, send a new mail to every address.",
				ElementType:         types.StringType,
				Optional:            true,
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"concurrency": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many requests this resource sends at once, 1 to 256. Defaults to %d. "+
					"The provider's `max_concurrent_requests` and `requests_per_second` still apply on top.", defaultBatchConcurrency),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 256)},
			},
			"resend_after": schema.StringAttribute{
				MarkdownDescription: "Mail an address again once this much time has passed since its last mail, for " +
					"example `\"168h\"` for reset links that lapse after a week. A Go duration (units `h`, `m`, `s`), " +
					"greater than zero. The plan then lists the address in `to_mail` and says why. Unset means never. " +
					"The API cannot tell who has already set a password: this mails again people who did, too. What is " +
					"due is decided at the refresh before the plan (`checked_at`), so a saved plan applies as reviewed.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
			"max_new_emails": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Safety limit: a plan that would mail more addresses than this fails, "+
					"and nothing is sent. Defaults to %d, enough for a team's or a department's onboarding wave but not "+
					"for a mistake such as a list joined against a whole directory. Raise it for a planned larger wave, "+
					"or set `0` for no limit.", defaultMaxNewEmails),
				Optional:   true,
				Computed:   true,
				Default:    int64default.StaticInt64(defaultMaxNewEmails),
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"retry_unknown_outcomes": retryUnknownOutcomesAttribute("the next apply mails again the addresses whose " +
				"`unmailed` reason is `outcome_unknown`"),
			// A map rather than a list: the CLIs compare list elements
			// pairwise when they render a plan, and this one can be as long
			// as `emails` (see DESIGN.md).
			"to_mail": schema.MapAttribute{
				MarkdownDescription: "The addresses this apply mails, known when the plan is made, each with why: `new` " +
					"(not mailed by this resource before), `retry` (left in `unmailed` by an earlier apply) or `resend` " +
					"(its last mail is older than `resend_after`). Review it before you approve the plan. Empty when the " +
					"change mails nobody. After the apply it keeps what that apply mailed or tried to mail, until the next " +
					"refresh empties it, so that the next plan shows only what it adds.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"sent": schema.MapAttribute{
				MarkdownDescription: "The addresses the API accepted a reset request for, each with the time it did " +
					"(RFC 3339, UTC). An address in `already_mailed` gets the time of the apply that recorded it.",
				ElementType: types.StringType,
				Computed:    true,
			},
			"unmailed": schema.MapAttribute{
				MarkdownDescription: "Every address of `emails` that is not in `sent`, with `reason` and a `detail` " +
					"sentence. `reason` is `not_sent` (the request never reached the API, or the API refused it before " +
					"acting, for example while rate limiting, until the timeout), `rejected` (the API answered that it " +
					"did not mail, for example because no account has the address; `detail` has its message) or " +
					"`outcome_unknown` (the request went out, then the answer left open whether the mail went out: a 500 or " +
					"502, a dropped connection, no answer in time; the mail may have been sent). " +
					"Empty when every address was mailed.",
				ElementType: unmailedType,
				Computed:    true,
			},
			checkedAtAttr: checkedAtAttribute(),
			"timeouts":    batchTimeoutsAttribute(ctx),
		},
	}
}

const (
	// maxBatchEmails is the most addresses one resource takes: the CLIs
	// compare list elements pairwise when they render a plan, which grows
	// with the square of the list. 10,000 is the largest list this project
	// has planned on two cores (tools/bench/results: a no-change plan of
	// about 14 s and 800 MB); the guide shows how to spread larger waves.
	maxBatchEmails = 10_000
	// defaultMaxNewEmails is the default mass-mail guard.
	defaultMaxNewEmails = 500
)

func (r *passwordResetRequestsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configured = configuredFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan fills in `to_mail`, `sent` and `unmailed`, enforces the
// mass-mail guard, and explains re-sends, so that the plan shows exactly
// what the apply will do.
func (r *passwordResetRequestsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy: nothing is sent
	}
	var plan passwordResetRequestsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !knownList(plan.Emails) || !knownList(plan.AlreadyMailed) || plan.ResendAfter.IsUnknown() ||
		plan.RetryUnknownOutcomes.IsUnknown() || plan.MaxNewEmails.IsUnknown() || plan.Triggers.IsUnknown() {
		// Decided at apply time, where the guard is enforced as well.
		setUnknownResults(ctx, &resp.Plan, &resp.Diagnostics)
		return
	}

	prior := batch.State{}
	var now time.Time // what resend_after is measured to: see checked_at.go
	replacing := req.State.Raw.IsNull()
	if !replacing {
		var state passwordResetRequestsModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		replacing = !plan.Triggers.Equal(state.Triggers)
		if !replacing {
			prior = readBatchState(ctx, state, &resp.Diagnostics)
			now, _ = checkedAt(state.CheckedAt)
		}
	}
	mp, ok := planFromModel(ctx, plan, prior, now, &resp.Diagnostics)
	if !ok {
		return
	}
	if !replacing && len(mp.ToMail) == 0 && req.Plan.Raw.Equal(req.State.Raw) {
		return // Nothing changes, and a plan with no change stays empty.
	}
	checkGuard(&resp.Diagnostics, plan.MaxNewEmails.ValueInt64(), len(mp.ToMail))
	explainResends(&resp.Diagnostics, mp, plan.ResendAfter.ValueString())

	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("to_mail"), toMailValue(mp))...)
	if len(mp.ToMail) > 0 || len(mp.Adopted) > 0 {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("sent"), types.MapUnknown(types.StringType))...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("unmailed"), types.MapUnknown(unmailedType))...)
		return
	}
	sent, unmailed := resultMaps(ctx, mp.Kept, mp.Unmailed, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("sent"), sent)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("unmailed"), unmailed)...)
}

func knownList(l types.List) bool {
	return !l.IsUnknown() && !slices.ContainsFunc(l.Elements(), attr.Value.IsUnknown)
}

func setUnknownResults(ctx context.Context, plan interface {
	SetAttribute(context.Context, path.Path, any) diag.Diagnostics
}, diags *diag.Diagnostics) {
	diags.Append(plan.SetAttribute(ctx, path.Root("to_mail"), types.MapUnknown(types.StringType))...)
	diags.Append(plan.SetAttribute(ctx, path.Root("sent"), types.MapUnknown(types.StringType))...)
	diags.Append(plan.SetAttribute(ctx, path.Root("unmailed"), types.MapUnknown(unmailedType))...)
}

// planFromModel runs batch.PlanMail on a configuration whose values are
// known.
func planFromModel(ctx context.Context, m passwordResetRequestsModel, prior batch.State, now time.Time, diags *diag.Diagnostics) (batch.Plan, bool) {
	in := batch.Input{RetryUnknown: m.RetryUnknownOutcomes.ValueBool()}
	diags.Append(m.Emails.ElementsAs(ctx, &in.Emails, false)...)
	if !m.AlreadyMailed.IsNull() {
		diags.Append(m.AlreadyMailed.ElementsAs(ctx, &in.AlreadyMailed, false)...)
	}
	if !m.ResendAfter.IsNull() {
		d, problem := parsePositiveDuration(m.ResendAfter.ValueString())
		if problem != "" {
			diags.AddAttributeError(path.Root("resend_after"), "Invalid duration", "resend_after "+problem+".")
			return batch.Plan{}, false
		}
		in.ResendAfter = d
	}
	if diags.HasError() {
		return batch.Plan{}, false
	}
	return batch.PlanMail(in, prior, now), true
}

func readBatchState(ctx context.Context, m passwordResetRequestsModel, diags *diag.Diagnostics) batch.State {
	st := batch.State{Sent: map[string]string{}, Unmailed: map[string]batch.Unmailed{}}
	if !m.Sent.IsNull() && !m.Sent.IsUnknown() {
		diags.Append(m.Sent.ElementsAs(ctx, &st.Sent, false)...)
	}
	if !m.Unmailed.IsNull() && !m.Unmailed.IsUnknown() {
		diags.Append(m.Unmailed.ElementsAs(ctx, &st.Unmailed, false)...)
	}
	return st
}

// toMailValue is the `to_mail` map of mp.
func toMailValue(mp batch.Plan) types.Map {
	elems := make(map[string]attr.Value, len(mp.ToMail))
	for _, e := range mp.ToMail {
		elems[e] = types.StringValue(mp.Why[e])
	}
	return types.MapValueMust(types.StringType, elems)
}

func resultMaps(ctx context.Context, sent map[string]string, unmailed map[string]batch.Unmailed, diags *diag.Diagnostics) (types.Map, types.Map) {
	s, d := types.MapValueFrom(ctx, types.StringType, sent)
	diags.Append(d...)
	u, d := types.MapValueFrom(ctx, unmailedType, unmailed)
	diags.Append(d...)
	return s, u
}

// checkGuard fails a plan (or an apply whose plan could not know) that would
// mail more than limit addresses.
func checkGuard(diags *diag.Diagnostics, limit int64, n int) {
	if limit <= 0 || int64(n) <= limit {
		return
	}
	diags.AddAttributeError(path.Root("max_new_emails"), "Too many addresses to mail",
		fmt.Sprintf("This change would mail %d addresses, more than max_new_emails (%d), so nothing is sent. "+
			"Check that the list of addresses is the one you mean; if it is, set max_new_emails to at least %d, or to 0 "+
			"for no limit, and plan again.", n, limit, n))
}

// explainResends says in the plan why addresses that were dealt with before
// are in to_mail.
func explainResends(diags *diag.Diagnostics, mp batch.Plan, resendAfter string) {
	resends, retries := mp.Recipients(batch.WhyResend), mp.Recipients(batch.WhyRetry)
	if len(resends) > 0 {
		diags.AddAttributeWarning(path.Root("to_mail"), "Addresses will be mailed again",
			fmt.Sprintf("%d address(es) were last mailed %s or longer ago (resend_after) and will be mailed again: %s.",
				len(resends), resendAfter, listSome(resends)))
	}
	if len(retries) > 0 {
		diags.AddAttributeWarning(path.Root("to_mail"), "Addresses an earlier apply left unmailed will be mailed",
			fmt.Sprintf("%d address(es) in unmailed will be mailed now: %s.", len(retries), listSome(retries)))
	}
}

// listSome joins up to maxListedFailures addresses.
func listSome(emails []string) string {
	if len(emails) <= maxListedFailures {
		return strings.Join(emails, ", ")
	}
	return strings.Join(emails[:maxListedFailures], ", ") + fmt.Sprintf(" and %d more", len(emails)-maxListedFailures)
}

func (r *passwordResetRequestsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan passwordResetRequestsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(randomID())
	if r.apply(ctx, &plan, batch.State{}, false, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// Read keeps the record as it is (sent mails cannot be read back from the
// API) and notes the time of the refresh in checked_at. It also empties
// to_mail: what the last apply mailed is in sent and unmailed, and an empty
// to_mail lets the next plan show only what it adds, not the last wave's
// addresses as removals.
func (r *passwordResetRequestsResource) Read(ctx context.Context, _ resource.ReadRequest, resp *resource.ReadResponse) {
	refreshCheckedAt(ctx, r.now(), resp)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("to_mail"), types.MapValueMust(types.StringType, map[string]attr.Value{}))...)
}

// ValidateConfig refuses an already_mailed address that is not in emails:
// most likely a typo, which would leave the person it meant to be mailed.
func (r *passwordResetRequestsResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m passwordResetRequestsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !knownList(m.Emails) || !knownList(m.AlreadyMailed) || m.AlreadyMailed.IsNull() {
		return
	}
	var emails, adopted []string
	resp.Diagnostics.Append(m.Emails.ElementsAs(ctx, &emails, false)...)
	resp.Diagnostics.Append(m.AlreadyMailed.ElementsAs(ctx, &adopted, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	listed := make(map[string]struct{}, len(emails))
	for _, e := range emails {
		listed[address.Key(e)] = struct{}{}
	}
	for i, e := range adopted {
		if _, ok := listed[address.Key(e)]; !ok {
			resp.Diagnostics.AddAttributeError(path.Root("already_mailed").AtListIndex(i), "Address not in emails",
				fmt.Sprintf("%q is in already_mailed but not in emails. already_mailed records addresses of emails that "+
					"were mailed outside this resource; an address that is not in emails is most likely a typo, and the "+
					"address it was meant to be would then be mailed. Correct it, or remove it from already_mailed.", e))
		}
	}
}

// Delete only forgets: sent mails cannot be unsent.
func (r *passwordResetRequestsResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// Update mails what the plan lists and forgets removed addresses.
func (r *passwordResetRequestsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state passwordResetRequestsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	prior := readBatchState(ctx, state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.apply(ctx, &plan, prior, true, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// apply mails the plan's to_mail (or, when the plan could not know it, what
// planMail decides now) and sets to_mail, sent and unmailed on m. It reports
// whether m is to be saved as the new state.
//
// Failures are errors on update and warnings on create (see the schema
// description), with one exception: a create that mailed nobody and knows
// that nobody got a mail is an error and saves nothing, since the next
// apply then simply starts again.
func (r *passwordResetRequestsResource) apply(ctx context.Context, m *passwordResetRequestsModel, prior batch.State, isUpdate bool, diags *diag.Diagnostics) bool {
	now, _ := checkedAt(m.CheckedAt) // as planned: see checked_at.go
	mp, ok := planFromModel(ctx, *m, prior, now, diags)
	if !ok {
		return false
	}
	if !m.ToMail.IsUnknown() {
		// Mail exactly what the plan showed, even if the clock has since
		// made another address due.
		planned := map[string]string{}
		diags.Append(m.ToMail.ElementsAs(ctx, &planned, false)...)
		mp = mp.Restrict(planned)
	} else {
		checkGuard(diags, m.MaxNewEmails.ValueInt64(), len(mp.ToMail))
	}
	if diags.HasError() {
		return false
	}

	var timeout time.Duration
	var d diag.Diagnostics
	if isUpdate {
		timeout, d = m.Timeouts.Update(ctx, r.batchTimeout.For(len(mp.ToMail)))
	} else {
		timeout, d = m.Timeouts.Create(ctx, r.batchTimeout.For(len(mp.ToMail)))
	}
	diags.Append(d...)
	sendCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	results := r.sendAll(sendCtx, mp.ToMail, concurrencyOf(*m))
	out := batch.Settle(mp, results, formatTime(r.now()))
	if !isUpdate && out.NobodyMailed() && len(out.Failures) > 0 {
		addBatchFailures(diags, r.client.Host(), out.Failures, results, len(mp.ToMail), true)
		return false
	}
	addBatchFailures(diags, r.client.Host(), out.Failures, results, len(mp.ToMail), isUpdate)

	if m.ToMail.IsUnknown() {
		m.ToMail = toMailValue(mp)
	} // else it stays exactly as planned: mp.ToMail is the planned list
	m.Sent, m.Unmailed = resultMaps(ctx, out.Sent, out.Unmailed, diags)
	if m.CheckedAt.IsUnknown() {
		m.CheckedAt = types.StringValue(formatTime(r.now()))
	}
	return !diags.HasError() || isUpdate
}

func concurrencyOf(m passwordResetRequestsModel) int {
	if m.Concurrency.IsNull() || m.Concurrency.IsUnknown() {
		return defaultBatchConcurrency
	}
	return int(m.Concurrency.ValueInt64())
}

// sendAll requests a reset for every address with a bounded pool of workers
// and returns a result for every address. Addresses not started before ctx
// ends fail with ctx's error, which is classified as not sent. Progress is
// logged at INFO each time another tenth of the addresses is done.
func (r *passwordResetRequestsResource) sendAll(ctx context.Context, emails []string, workers int) map[string]batch.Result {
	results := make(map[string]batch.Result, len(emails))
	progress := batch.NewProgress(len(emails))
	batch.Send(ctx, r.client, emails, workers, func(email string, err error) {
		results[email] = batch.Result{At: formatTime(r.now()), Err: err}
		if counts, report := progress.Record(err); report {
			tflog.Info(ctx, "clevermaps_password_reset_requests: "+counts.String(), map[string]any{
				"total": counts.Total, "sent": counts.Sent, "failed": counts.Failed, "unknown": counts.Unknown,
			})
		}
	})
	return results
}

// addBatchFailures reports unmailed addresses, sorted, with the reason for
// each and what to do about the causes (from their results' errors), as an
// error or (asError false) a warning.
func addBatchFailures(diags *diag.Diagnostics, host string, failures map[string]batch.Unmailed, results map[string]batch.Result, attempted int, asError bool) {
	if len(failures) == 0 {
		return
	}
	emails := slices.Sorted(maps.Keys(failures))
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d addresses were not mailed via %s; they are listed in unmailed with the reason. The addresses in sent are never mailed again; "+
		"the next apply mails the addresses below again, except those whose outcome is unknown.\n", len(failures), attempted, host)
	unknown := 0
	for i, e := range emails {
		u := failures[e]
		if u.Reason == batch.ReasonOutcomeUnknown {
			unknown++
		}
		if i < maxListedFailures {
			fmt.Fprintf(&b, "\n- %s (%s): %s", e, u.Reason, u.Detail)
		}
	}
	if len(emails) > maxListedFailures {
		fmt.Fprintf(&b, "\n- ... and %d more", len(emails)-maxListedFailures)
	}
	var errs []error
	for _, e := range emails {
		errs = append(errs, results[e].Err)
	}
	writeSteps(&b, failureSteps(errs))
	if unknown > 0 {
		fmt.Fprintf(&b, "\n\nFor %d address(es) the outcome is unknown: the mail may have been sent. They are not mailed again unless you set retry_unknown_outcomes = true; check with those users first if a second mail matters.", unknown)
	}
	summary := "Some password-reset mails were not sent"
	if asError {
		diags.AddAttributeError(path.Root("unmailed"), summary, b.String())
	} else {
		diags.AddAttributeWarning(path.Root("unmailed"), summary, b.String())
	}
}
