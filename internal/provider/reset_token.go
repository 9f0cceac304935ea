package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// This file holds what the clevermaps_reset_token data source and ephemeral
// resource share: the schema table of a verified token, the object type both
// schemas produce, and the one function that verifies a token and builds the
// result, so that the two cannot drift apart.
//
// The result is built directly as a tftypes.Value rather than through a model
// struct with tfsdk tags and State.Set. The framework's reflection cost about
// as much as the rest of a read: it compiles a regular expression for every
// struct field on every Get and Set, and walks the nested account objects
// field by field. Without it, BenchmarkResetTokenRead allocates half as much
// per read (1,867 allocations instead of 3,535), and under OpenTofu the
// provider's CPU for 1,000 reads fell from 2.4 to 1.5 times that of
// hashicorp/http's data source (`make bench`, together with AlignLogLevels).

// resetTokenType is the object type of both schemas: the token plus the
// computed attributes of the table below. TestResetTokenType checks that it
// equals the type the framework derives from each schema.
var resetTokenType = func() tftypes.Object {
	t := objectTypeOf(resetTokenComputed)
	t.AttributeTypes["token"] = tftypes.String
	return t
}()

// The object types of the nested attributes.
var (
	preferencesType = resetTokenType.AttributeTypes["preferences"].(tftypes.Object) //nolint:forcetypeassert // Built from the table above as an object.
	onboardingType  = resetTokenType.AttributeTypes["onboarding"].(tftypes.Object)  //nolint:forcetypeassert // Likewise.
	stringListType  = tftypes.List{ElementType: tftypes.String}
)

// objectTypeOf is the Terraform object type of the attributes in table.
func objectTypeOf(table map[string]computedAttr) tftypes.Object {
	t := tftypes.Object{AttributeTypes: make(map[string]tftypes.Type, len(table)+1)}
	for name, a := range table {
		if a.nested != nil {
			t.AttributeTypes[name] = objectTypeOf(a.nested)
		} else {
			t.AttributeTypes[name] = a.typ.TerraformType(context.Background())
		}
	}
	return t
}

// descToken describes the token argument in both schemas.
const descToken = "The password-reset token from the reset mail. It is a secret: marked sensitive and never " +
	"logged. Must not be empty and must not contain control characters, `/`, `?`, `#`, `%` or `..`; such a " +
	"token is rejected before anything is sent."

// computedAttr describes one computed attribute of a verified token, so that
// the data source and the ephemeral resource, whose schema packages differ,
// build their schemas from one table.
type computedAttr struct {
	desc   string
	typ    attr.Type               // types.StringType, types.BoolType or a list type
	nested map[string]computedAttr // set for single nested attributes
}

var resetTokenComputed = map[string]computedAttr{
	"valid": {typ: types.BoolType, desc: "Whether the token can still be used. An unknown, expired or already used " +
		"token gives `false`, not an error, and leaves the account attributes null, so that a configuration can " +
		"check it in a `precondition`, `postcondition` or `check` block."},
	"account_id":      {typ: types.StringType, desc: "ID of the account the token belongs to."},
	"full_name":       {typ: types.StringType, desc: "Full name of the account's owner."},
	"email":           {typ: types.StringType, desc: "Email address of the account."},
	"status":          {typ: types.StringType, desc: "Account status: `ENABLED` or `DISABLED`."},
	"consent_granted": {typ: types.BoolType, desc: "Whether the owner has accepted the terms; null when CleverMaps does not say."},
	"anonymous":       {typ: types.BoolType, desc: "Whether the account is anonymous."},
	"phone_number":    {typ: types.StringType, desc: "Phone number of the account; null when it has none."},
	"preferences": {desc: "The account's preferences; null when CleverMaps returns none.", nested: map[string]computedAttr{
		"language":                 {typ: types.StringType, desc: "Preferred language, such as `en`."},
		"last_active_project":      {typ: types.StringType, desc: "ID of the project the account used last."},
		"last_active_organization": {typ: types.StringType, desc: "ID of the organization the account used last."},
		"send_newsletter":          {typ: types.BoolType, desc: "Whether the account receives the newsletter."},
	}},
	"onboarding": {desc: "Which onboarding intros and tips the account has already seen; null when CleverMaps returns none.", nested: map[string]computedAttr{
		"intro_shown": {typ: types.ListType{ElemType: types.StringType}, desc: "Intros already shown; empty when none."},
		"tips_shown":  {typ: types.ListType{ElemType: types.StringType}, desc: "Tips already shown; empty when none."},
	}},
}

// verifyResetToken verifies token and returns the object to store as the
// data source's state or the ephemeral resource's result, reporting any
// failure in diags (at attr). It returns false when nothing should be stored.
// An unknown token is not a failure: it yields valid = false and null account
// attributes.
func verifyResetToken(ctx context.Context, c *client.Client, token string, attr path.Path, diags *diag.Diagnostics) (tftypes.Value, bool) {
	ctx = secretContext(ctx, token)
	acct, err := c.VerifyResetToken(ctx, token)
	switch {
	case errors.Is(err, client.ErrNotFound):
		return resetTokenValue(token, nil), true
	case err != nil:
		verifyTokenDiagnostic(diags, attr, c.Host(), err)
		return tftypes.Value{}, false
	}
	return resetTokenValue(token, acct), true
}

// resetTokenValue is the result of verifying token: the account's attributes
// when a is not nil, else valid = false and every account attribute null.
func resetTokenValue(token string, a *client.Account) tftypes.Value {
	attrs := make(map[string]tftypes.Value, len(resetTokenType.AttributeTypes))
	attrs["token"] = tftypes.NewValue(tftypes.String, token)
	if a == nil {
		for name, typ := range resetTokenType.AttributeTypes {
			if name != "token" {
				attrs[name] = tftypes.NewValue(typ, nil)
			}
		}
		attrs["valid"] = tftypes.NewValue(tftypes.Bool, false)
		return tftypes.NewValue(resetTokenType, attrs)
	}
	attrs["valid"] = tftypes.NewValue(tftypes.Bool, true)
	attrs["account_id"] = tftypes.NewValue(tftypes.String, a.ID)
	attrs["full_name"] = tftypes.NewValue(tftypes.String, a.FullName)
	attrs["email"] = tftypes.NewValue(tftypes.String, a.Email)
	attrs["status"] = tftypes.NewValue(tftypes.String, a.Status)
	attrs["anonymous"] = tftypes.NewValue(tftypes.Bool, a.Anonymous)
	attrs["phone_number"] = stringOrNull(a.PhoneNumber)
	if a.ConsentGranted != nil {
		attrs["consent_granted"] = tftypes.NewValue(tftypes.Bool, *a.ConsentGranted)
	} else {
		attrs["consent_granted"] = tftypes.NewValue(tftypes.Bool, nil)
	}

	if p := a.Preferences; p != nil {
		attrs["preferences"] = tftypes.NewValue(preferencesType, map[string]tftypes.Value{
			"language":                 stringOrNull(p.Language),
			"last_active_project":      stringOrNull(p.LastActiveProject),
			"last_active_organization": stringOrNull(p.LastActiveOrganization),
			"send_newsletter":          tftypes.NewValue(tftypes.Bool, p.SendNewsletter),
		})
	} else {
		attrs["preferences"] = tftypes.NewValue(preferencesType, nil)
	}

	if o := a.Onboarding; o != nil {
		attrs["onboarding"] = tftypes.NewValue(onboardingType, map[string]tftypes.Value{
			"intro_shown": stringList(o.IntroShown),
			"tips_shown":  stringList(o.TipsShown),
		})
	} else {
		attrs["onboarding"] = tftypes.NewValue(onboardingType, nil)
	}
	return tftypes.NewValue(resetTokenType, attrs)
}

// stringOrNull maps the API's empty strings (fields it leaves out) to null.
func stringOrNull(s string) tftypes.Value {
	if s == "" {
		return tftypes.NewValue(tftypes.String, nil)
	}
	return tftypes.NewValue(tftypes.String, s)
}

// stringList is a list of strings; a missing list is an empty one, since the
// API means "none shown yet".
func stringList(s []string) tftypes.Value {
	elems := make([]tftypes.Value, len(s))
	for i, e := range s {
		elems[i] = tftypes.NewValue(tftypes.String, e)
	}
	return tftypes.NewValue(stringListType, elems)
}
