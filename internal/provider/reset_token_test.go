package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// TestResetTokenType checks that the object type the token code builds its
// results with is exactly the type the framework derives from the data
// source's and the ephemeral resource's schemas, so that the hand-built
// values cannot drift from the schemas.
func TestResetTokenType(t *testing.T) {
	server := NewProtocol6Server("test")()
	schemas, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schemas.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, diagText(schemas.Diagnostics))
	}
	for what, s := range map[string]*tfprotov6.Schema{
		"data source":        schemas.DataSourceSchemas["clevermaps_reset_token"],
		"ephemeral resource": schemas.EphemeralResourceSchemas["clevermaps_reset_token"],
	} {
		if s == nil {
			t.Fatalf("no %s clevermaps_reset_token", what)
		}
		if got := objectType(s); !got.Equal(resetTokenType) {
			t.Errorf("the %s's schema type is\n%s\nbut the token code builds\n%s", what, got, resetTokenType)
		}
	}
}

// TestResetTokenRead reads the data source over the plugin protocol and
// checks every attribute of the state it returns: an account with every
// field, one without the optional ones, and an unknown token.
func TestResetTokenRead(t *testing.T) {
	api := newTestAPI(t)
	for email, token := range map[string]string{adaEmail: "tok-ada", graceEmail: "tok-grace"} {
		if err := api.IssueToken(email, token); err != nil {
			t.Fatal(err)
		}
	}
	ps := newProtocolServer(t, map[string]tftypes.Value{"endpoint": str(api.URL())})

	s := func(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }
	b := func(v bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, v) }
	list := func(vs ...string) tftypes.Value {
		elems := make([]tftypes.Value, len(vs))
		for i, v := range vs {
			elems[i] = s(v)
		}
		return tftypes.NewValue(stringListType, elems)
	}
	null := func(typ tftypes.Type) tftypes.Value { return tftypes.NewValue(typ, nil) }

	cases := map[string]map[string]tftypes.Value{
		"tok-ada": {
			"token": s("tok-ada"), "valid": b(true), "account_id": s("acc-ada"), "full_name": s("Ada Lovelace"),
			"email": s(adaEmail), "status": s("ENABLED"), "consent_granted": b(true), "anonymous": b(false),
			"phone_number": s("+44 20 7946 0000"),
			"preferences": tftypes.NewValue(preferencesType, map[string]tftypes.Value{
				"language": s("en"), "last_active_project": s("p7w2n5c8d1f4g6hj"), "last_active_organization": s("o2b6e9k1m3s5u7wy"), "send_newsletter": b(true),
			}),
			"onboarding": tftypes.NewValue(onboardingType, map[string]tftypes.Value{
				"intro_shown": list("welcome"), "tips_shown": list("map", "filters"),
			}),
		},
		"tok-grace": {
			"token": s("tok-grace"), "valid": b(true), "account_id": s("acc-grace"), "full_name": s("Grace Hopper"),
			"email": s(graceEmail), "status": s("ENABLED"), "consent_granted": null(tftypes.Bool), "anonymous": b(false),
			"phone_number": null(tftypes.String), "preferences": null(preferencesType), "onboarding": null(onboardingType),
		},
		"tok-unknown": {
			"token": s("tok-unknown"), "valid": b(false), "account_id": null(tftypes.String), "full_name": null(tftypes.String),
			"email": null(tftypes.String), "status": null(tftypes.String), "consent_granted": null(tftypes.Bool),
			"anonymous": null(tftypes.Bool), "phone_number": null(tftypes.String),
			"preferences": null(preferencesType), "onboarding": null(onboardingType),
		},
	}
	for token, want := range cases {
		t.Run(token, func(t *testing.T) {
			resp := ps.readResetToken(t, map[string]tftypes.Value{"token": str(token)})
			if hasErrors(resp.Diagnostics) {
				t.Fatalf("read: %s", diagText(resp.Diagnostics))
			}
			got, err := resp.State.Unmarshal(resetTokenType)
			if err != nil {
				t.Fatal(err)
			}
			if wantV := tftypes.NewValue(resetTokenType, want); !got.Equal(wantV) {
				t.Errorf("state\n%s\nwant\n%s", got, wantV)
			}
		})
	}
}

// TestResetTokenRead_notAnAccount reads the data source against an endpoint
// that answers 200 with JSON that is not an account. Before, that was a
// valid token of an account with no id or email; it must be an error that
// says the endpoint does not answer as the API does.
func TestResetTokenRead_notAnAccount(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, map[string]tftypes.Value{"endpoint": str(api.URL())})
	for _, body := range []string{`{}`, `null`, `{"unrelated":true}`} {
		t.Run(body, func(t *testing.T) {
			api.ClearFaults()
			api.InjectFault(standin.EndpointVerifyToken, standin.Fault{Status: 200, Body: body})
			resp := ps.readResetToken(t, map[string]tftypes.Value{"token": str("tok-any")})
			text := diagText(resp.Diagnostics)
			if !hasErrors(resp.Diagnostics) || !strings.Contains(text, "Endpoint does not answer as the CleverMaps API") ||
				!strings.Contains(text, "its body is not an account") {
				t.Errorf("diagnostics:\n%s", text)
			}
		})
	}
}
