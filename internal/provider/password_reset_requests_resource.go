package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ resource.Resource               = (*passwordResetRequestsResource)(nil)
	_ resource.ResourceWithConfigure  = (*passwordResetRequestsResource)(nil)
	_ resource.ResourceWithModifyPlan = (*passwordResetRequestsResource)(nil)
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
	client *client.Client
}

func newPasswordResetRequestsResource() resource.Resource {
	return &passwordResetRequestsResource{}
}

type passwordResetRequestsModel struct {
	ID          types.String   `tfsdk:"id"`
	Emails      types.List     `tfsdk:"emails"`
	Triggers    types.Map      `tfsdk:"triggers"`
	Concurrency types.Int64    `tfsdk:"concurrency"`
	Sent        types.Map      `tfsdk:"sent"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (r *passwordResetRequestsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_password_reset_requests"
}

func (r *passwordResetRequestsResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sends CleverMaps password-reset mails to a list of addresses from one resource " +
			"(`POST /accounts/passwordReset` once per address, in parallel).\n\n" +
			"Use it when a pipeline onboards hundreds or thousands of accounts: Terraform's own cost per resource " +
			"makes one `clevermaps_password_reset_request` per address slow at that scale, while this resource " +
			"applies a thousand addresses in about a second (see the benchmarks in the repository). Terraform " +
			"and OpenTofu render a list in a plan by comparing every element with every other, so a plan with " +
			"10,000 addresses takes the CLI seconds and hundreds of megabytes even when nothing changes: split " +
			"waves of tens of thousands into several resources. Use the single resource when each address needs " +
			"its own lifecycle or dependencies.\n\n" +
			"Adding addresses sends mails only to the new ones; removing addresses sends nothing; changing " +
			"`triggers` sends to every address again. If some addresses fail (for example no account exists), " +
			"the others are still sent and recorded in `sent`, the failures are listed with their reasons, and " +
			"the next apply sends only to the addresses not yet in `sent`. On the first apply such a partial " +
			"failure is a warning rather than an error: Terraform marks a resource whose creation failed as " +
			"tainted and replaces it on the next apply, which would mail every address again. Later applies " +
			"report failures as errors. If every address fails, nothing is recorded and the apply fails.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Random identifier of this batch.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			// A list with set semantics rather than a set: the plugin
			// libraries compare sets pairwise, element by element, several
			// times per plan and apply (tftypes.Value.Equal, the framework's
			// duplicate check and semantic equality), which took 5.7 s for
			// one comparison of two 4,000-address sets where a list takes
			// 6 ms. See BenchmarkBatchResource.
			"emails": schema.ListAttribute{
				MarkdownDescription: "Email addresses of the CleverMaps accounts that get a reset mail. " +
					"Order and repeats do not matter: each address is mailed once (addresses that differ only in " +
					"case are the same address, as CleverMaps matches them), and reordering the list " +
					"sends nothing (the plan still shows the new order as an in-place update). A `set(string)` " +
					"value is accepted too: the CLI turns it into a list in sorted order. " +
					"It is a list rather than a set because Terraform's plugin libraries compare sets element " +
					"by element in pairs, which makes sets of thousands of addresses take minutes.",
				ElementType: types.StringType,
				Required:    true,
				Validators: []validator.List{
					listvalidator.SizeBetween(1, 100_000),
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
				MarkdownDescription: fmt.Sprintf("How many requests this resource sends at once. Defaults to %d. "+
					"The provider's `max_concurrent_requests` and `requests_per_second` still apply on top.", defaultBatchConcurrency),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 256)},
			},
			"sent": schema.MapAttribute{
				MarkdownDescription: "The addresses the API accepted a reset request for, each with the time it did (RFC 3339, UTC).",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

func (r *passwordResetRequestsResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan predicts `sent`: unchanged when nothing is to be sent, the prior
// map minus removed addresses when addresses were only removed, and unknown
// when some address still needs a mail (new, or failed before).
func (r *passwordResetRequestsResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan passwordResetRequestsModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// With the list or one of its addresses unknown, the configuration has
	// changed, so the framework has already marked `sent` unknown.
	if plan.Emails.IsUnknown() || slices.ContainsFunc(plan.Emails.Elements(), attr.Value.IsUnknown) ||
		!plan.Triggers.Equal(state.Triggers) {
		return // A triggers change replaces the resource.
	}
	emails := distinctEmails(ctx, plan.Emails, &resp.Diagnostics)
	sent := map[string]string{}
	resp.Diagnostics.Append(state.Sent.ElementsAs(ctx, &sent, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	kept, pending := splitBySent(emails, sent)
	if len(pending) > 0 {
		// Something to send. The framework only marks computed values
		// unknown when the configuration changed, which it has not after a
		// partial failure, so say it here.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("sent"), types.MapUnknown(types.StringType))...)
		return
	}
	v, d := types.MapValueFrom(ctx, types.StringType, kept)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("sent"), v)...)
}

func (r *passwordResetRequestsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan passwordResetRequestsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	emails := distinctEmails(ctx, plan.Emails, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sent, failures := r.sendAll(ctx, emails, concurrencyOf(plan))
	if len(sent) == 0 && len(failures) > 0 {
		addBatchFailures(&resp.Diagnostics, failures, len(emails), true)
		return
	}
	// See the schema description for why a partial failure on create is a
	// warning: an error would taint the resource and re-send every mail.
	addBatchFailures(&resp.Diagnostics, failures, len(emails), false)

	plan.ID = types.StringValue(randomID())
	v, d := types.MapValueFrom(ctx, types.StringType, sent)
	resp.Diagnostics.Append(d...)
	plan.Sent = v
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *passwordResetRequestsResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {
}

// Update sends to the addresses not yet in `sent` and forgets removed ones.
// Unlike on create, failures are errors here: the state saved with them keeps
// every address that did get a mail, and an update error does not taint.
func (r *passwordResetRequestsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state passwordResetRequestsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	emails := distinctEmails(ctx, plan.Emails, &resp.Diagnostics)
	prior := map[string]string{}
	resp.Diagnostics.Append(state.Sent.ElementsAs(ctx, &prior, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sent, pending := splitBySent(emails, prior)
	newlySent, failures := r.sendAll(ctx, pending, concurrencyOf(plan))
	for e, at := range newlySent {
		sent[e] = at
	}
	addBatchFailures(&resp.Diagnostics, failures, len(pending), true)

	v, d := types.MapValueFrom(ctx, types.StringType, sent)
	resp.Diagnostics.Append(d...)
	plan.Sent = v
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Delete only forgets: sent mails cannot be unsent.
func (r *passwordResetRequestsResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// emailKey is what two addresses must share to be the same address:
// CleverMaps finds accounts by address without regard to case.
func emailKey(email string) string {
	return strings.ToLower(email)
}

// distinctEmails returns the addresses in list once each, in their first
// order and spelling: `emails` has set semantics, so a repeated address is
// mailed once.
func distinctEmails(ctx context.Context, list types.List, diags *diag.Diagnostics) []string {
	var emails []string
	diags.Append(list.ElementsAs(ctx, &emails, false)...)
	seen := make(map[string]struct{}, len(emails))
	return slices.DeleteFunc(emails, func(e string) bool {
		k := emailKey(e)
		_, dup := seen[k]
		seen[k] = struct{}{}
		return dup
	})
}

// splitBySent divides distinct addresses into those already in sent, with
// when they were sent (under their spelling in emails), and those still to
// be mailed.
func splitBySent(emails []string, sent map[string]string) (kept map[string]string, pending []string) {
	sentAt := make(map[string]string, len(sent))
	for e, at := range sent {
		sentAt[emailKey(e)] = at
	}
	kept = make(map[string]string, len(emails))
	for _, e := range emails {
		if at, ok := sentAt[emailKey(e)]; ok {
			kept[e] = at
		} else {
			pending = append(pending, e)
		}
	}
	return kept, pending
}

func concurrencyOf(m passwordResetRequestsModel) int {
	if m.Concurrency.IsNull() || m.Concurrency.IsUnknown() {
		return defaultBatchConcurrency
	}
	return int(m.Concurrency.ValueInt64())
}

// sendAll requests a reset for every address with a bounded pool of workers.
// It returns when all are done or ctx ends; addresses not attempted because
// ctx ended count as failures.
func (r *passwordResetRequestsResource) sendAll(ctx context.Context, emails []string, workers int) (sent map[string]string, failures map[string]error) {
	sent = make(map[string]string, len(emails))
	failures = map[string]error{}
	var mu sync.Mutex
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range min(workers, len(emails)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for email := range jobs {
				err := r.client.RequestPasswordReset(ctx, email)
				at := time.Now().UTC().Format(time.RFC3339)
				mu.Lock()
				if err != nil {
					failures[email] = err
				} else {
					sent[email] = at
				}
				mu.Unlock()
			}
		}()
	}
	for i, email := range emails {
		if ctx.Err() != nil {
			mu.Lock()
			for _, e := range emails[i:] {
				failures[e] = ctx.Err()
			}
			mu.Unlock()
			break
		}
		jobs <- email
	}
	close(jobs)
	wg.Wait()
	return sent, failures
}

// addBatchFailures reports failed addresses, sorted, with the reason for
// each, as an error or (asError false) a warning.
func addBatchFailures(diags *diag.Diagnostics, failures map[string]error, attempted int, asError bool) {
	if len(failures) == 0 {
		return
	}
	emails := make([]string, 0, len(failures))
	for e := range failures {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d password-reset requests failed. The addresses that got a mail are recorded in `sent` and will not be mailed again; "+
		"the next apply sends only to the addresses below.\n", len(failures), attempted)
	unknown := 0
	for i, e := range emails {
		err := failures[e]
		if errors.Is(err, client.ErrOutcomeUnknown) {
			unknown++
		}
		if i < maxListedFailures {
			fmt.Fprintf(&b, "\n- %s: %s", e, batchFailureReason(err))
		}
	}
	if len(emails) > maxListedFailures {
		fmt.Fprintf(&b, "\n- ... and %d more", len(emails)-maxListedFailures)
	}
	if unknown > 0 {
		fmt.Fprintf(&b, "\n\nFor %d address(es) the outcome is unknown: the mail may have been sent. They are not recorded, so the next apply mails them again; check with those users first if a second mail matters.", unknown)
	}
	summary := "Some password-reset mails were not sent"
	if asError {
		diags.AddAttributeError(path.Root("emails"), summary, b.String())
	} else {
		diags.AddAttributeWarning(path.Root("emails"), summary, b.String())
	}
}

func batchFailureReason(err error) string {
	switch {
	case errors.Is(err, client.ErrNotFound):
		return "no CleverMaps account has this address"
	case errors.Is(err, client.ErrOutcomeUnknown):
		return "outcome unknown (" + err.Error() + ")"
	case errors.Is(err, context.DeadlineExceeded):
		return "not attempted or not finished before the timeout"
	}
	return err.Error()
}
