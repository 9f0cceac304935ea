package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// This file holds what the clevermaps_reset_token data source and ephemeral
// resource share: the model of a verified token and the one function that
// verifies it, so that the two cannot drift apart.

// resetTokenModel is the state of a token verification.
type resetTokenModel struct {
	Token          types.String `tfsdk:"token"`
	Valid          types.Bool   `tfsdk:"valid"`
	AccountID      types.String `tfsdk:"account_id"`
	FullName       types.String `tfsdk:"full_name"`
	Email          types.String `tfsdk:"email"`
	Status         types.String `tfsdk:"status"`
	ConsentGranted types.Bool   `tfsdk:"consent_granted"`
	Anonymous      types.Bool   `tfsdk:"anonymous"`
	PhoneNumber    types.String `tfsdk:"phone_number"`
	Preferences    types.Object `tfsdk:"preferences"`
	Onboarding     types.Object `tfsdk:"onboarding"`
}

// The object types of the nested attributes, derived from the schema table
// below so that model and schema cannot disagree.
var (
	preferencesAttrTypes = nestedAttrTypes("preferences")
	onboardingAttrTypes  = nestedAttrTypes("onboarding")
)

func nestedAttrTypes(name string) map[string]attr.Type {
	out := map[string]attr.Type{}
	for key, a := range resetTokenComputed[name].nested {
		out[key] = a.typ
	}
	return out
}

// descToken describes the token argument in both schemas.
const descToken = "The password-reset token from the reset mail. It is a secret: it is marked sensitive and " +
	"never logged. Must not be empty or contain control characters, `/`, `?`, `#`, `%` or `..`."

// computedAttr describes one computed attribute of a verified token, so that
// the data source and the ephemeral resource, whose schema packages differ,
// build their schemas from one table.
type computedAttr struct {
	desc   string
	typ    attr.Type               // types.StringType, types.BoolType or a list type
	nested map[string]computedAttr // set for single nested attributes
}

var resetTokenComputed = map[string]computedAttr{
	"valid": {typ: types.BoolType, desc: "Whether the token is currently valid. An unknown, expired or already used token gives " +
		"`false` (not an error) and leaves the account attributes null, so a configuration can gate on it " +
		"with a `precondition`, `postcondition` or `check` block."},
	"account_id":      {typ: types.StringType, desc: "ID of the account the token belongs to."},
	"full_name":       {typ: types.StringType, desc: "Full name of the account's owner."},
	"email":           {typ: types.StringType, desc: "Email address of the account."},
	"status":          {typ: types.StringType, desc: "Account status: `ENABLED` or `DISABLED`."},
	"consent_granted": {typ: types.BoolType, desc: "Whether the owner granted consent to the terms; null when the API does not say."},
	"anonymous":       {typ: types.BoolType, desc: "Whether the account is anonymous."},
	"phone_number":    {typ: types.StringType, desc: "Phone number of the account, if any."},
	"preferences": {desc: "The account's preferences.", nested: map[string]computedAttr{
		"language":                 {typ: types.StringType, desc: "Preferred language, such as `en`."},
		"last_active_project":      {typ: types.StringType, desc: "ID of the project the account used last."},
		"last_active_organization": {typ: types.StringType, desc: "ID of the organization the account used last."},
		"send_newsletter":          {typ: types.BoolType, desc: "Whether the account receives the newsletter."},
	}},
	"onboarding": {desc: "Which onboarding intros and tips the account has already seen.", nested: map[string]computedAttr{
		"intro_shown": {typ: types.ListType{ElemType: types.StringType}, desc: "Intros already shown."},
		"tips_shown":  {typ: types.ListType{ElemType: types.StringType}, desc: "Tips already shown."},
	}},
}

// verifyResetToken verifies m.Token and fills the rest of m, reporting any
// failure in diags. It returns whether m is ready to be stored. An unknown
// token is not a failure: it yields valid = false and null account attributes.
func verifyResetToken(ctx context.Context, c *client.Client, m *resetTokenModel, diags *diag.Diagnostics) bool {
	ctx = secretContext(ctx, m.Token.ValueString())
	acct, err := c.VerifyResetToken(ctx, m.Token.ValueString())
	switch {
	case errors.Is(err, client.ErrNotFound):
		m.setInvalid()
		return true
	case err != nil:
		verifyTokenDiagnostic(diags, path.Root("token"), err)
		return false
	}
	diags.Append(m.setAccount(ctx, acct)...)
	return !diags.HasError()
}

func (m *resetTokenModel) setInvalid() {
	m.Valid = types.BoolValue(false)
	m.AccountID = types.StringNull()
	m.FullName = types.StringNull()
	m.Email = types.StringNull()
	m.Status = types.StringNull()
	m.ConsentGranted = types.BoolNull()
	m.Anonymous = types.BoolNull()
	m.PhoneNumber = types.StringNull()
	m.Preferences = types.ObjectNull(preferencesAttrTypes)
	m.Onboarding = types.ObjectNull(onboardingAttrTypes)
}

func (m *resetTokenModel) setAccount(ctx context.Context, a *client.Account) diag.Diagnostics {
	var diags diag.Diagnostics
	m.Valid = types.BoolValue(true)
	m.AccountID = types.StringValue(a.ID)
	m.FullName = types.StringValue(a.FullName)
	m.Email = types.StringValue(a.Email)
	m.Status = types.StringValue(a.Status)
	m.ConsentGranted = types.BoolPointerValue(a.ConsentGranted)
	m.Anonymous = types.BoolValue(a.Anonymous)
	m.PhoneNumber = stringOrNull(a.PhoneNumber)

	m.Preferences = types.ObjectNull(preferencesAttrTypes)
	if p := a.Preferences; p != nil {
		var d diag.Diagnostics
		m.Preferences, d = types.ObjectValue(preferencesAttrTypes, map[string]attr.Value{
			"language":                 stringOrNull(p.Language),
			"last_active_project":      stringOrNull(p.LastActiveProject),
			"last_active_organization": stringOrNull(p.LastActiveOrganization),
			"send_newsletter":          types.BoolValue(p.SendNewsletter),
		})
		diags.Append(d...)
	}

	m.Onboarding = types.ObjectNull(onboardingAttrTypes)
	if o := a.Onboarding; o != nil {
		intro, d := types.ListValueFrom(ctx, types.StringType, nonNil(o.IntroShown))
		diags.Append(d...)
		tips, d := types.ListValueFrom(ctx, types.StringType, nonNil(o.TipsShown))
		diags.Append(d...)
		m.Onboarding, d = types.ObjectValue(onboardingAttrTypes, map[string]attr.Value{
			"intro_shown": intro,
			"tips_shown":  tips,
		})
		diags.Append(d...)
	}
	return diags
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
