package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
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

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

var (
	_ resource.Resource              = (*passwordResetRequestResource)(nil)
	_ resource.ResourceWithConfigure = (*passwordResetRequestResource)(nil)
)

// defaultCreateTimeout bounds a create, retries and waits included.
const defaultCreateTimeout = 5 * time.Minute

// createTimeoutAttribute is the `timeouts` block of the resources that act on
// create, with the default stated (the library's text does not know it).
func createTimeoutAttribute(ctx context.Context) schema.Attribute {
	a := timeouts.Attributes(ctx, timeouts.Opts{
		Create: true,
		CreateDescription: fmt.Sprintf("How long creating may take, retries and waits for the server included, "+
			"as a number with a unit: `s`, `m` or `h`, such as `30s` or `10m`. Defaults to `%dm`.", int(defaultCreateTimeout/time.Minute)),
	})
	if n, ok := a.(schema.SingleNestedAttribute); ok {
		n.MarkdownDescription = "Time limits for the operations of this resource."
		return n
	}
	return a
}

// passwordResetRequestResource models one sent reset mail. The API cannot
// read a request back, so the resource is an honest record of "a mail was
// sent to this address at this time": every argument forces a new request,
// Read keeps what is in state, and Delete only forgets.
type passwordResetRequestResource struct {
	client *client.Client
}

func newPasswordResetRequestResource() resource.Resource {
	return &passwordResetRequestResource{}
}

type passwordResetRequestModel struct {
	ID          types.String   `tfsdk:"id"`
	Email       types.String   `tfsdk:"email"`
	Triggers    types.Map      `tfsdk:"triggers"`
	RequestedAt types.String   `tfsdk:"requested_at"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (r *passwordResetRequestResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_password_reset_request"
}

func (r *passwordResetRequestResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Sends a CleverMaps password-reset mail to one account. The mail carries a " +
			"single-use reset token with which the account's owner sets a new password.\n\n" +
			"Creating the resource sends the mail; the resource then records that it was sent, and later plans " +
			"send nothing. Changing `email` or `triggers` sends a new mail. Destroying the resource sends nothing and " +
			"only removes the record from state. If no account has the address, the apply fails and nothing is " +
			"recorded.\n\n" +
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
					"to the new address. Must be one address such as `name@example.com`, at most %d characters.", maxEmailLength),
				Required:      true,
				Validators:    []validator.String{emailValidator{}},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Any values; changing them sends a new mail to the same address, for example a " +
					"rotation date or an onboarding wave.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"requested_at": schema.StringAttribute{
				MarkdownDescription: "When CleverMaps accepted the request, in RFC 3339 format (UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": createTimeoutAttribute(ctx),
		},
	}
}

func (r *passwordResetRequestResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
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
	if err := r.client.RequestPasswordReset(ctx, email); err != nil {
		requestResetDiagnostic(&resp.Diagnostics, path.Root("email"), email, err)
		return
	}

	plan.ID = types.StringValue(randomID())
	plan.RequestedAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read keeps the state as it is: a sent mail cannot be read back from the API.
func (r *passwordResetRequestResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {
}

// Update only runs for changes of timeouts, since every other argument
// requires replacement; it sends nothing.
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
