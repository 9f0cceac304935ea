package provider

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

func resetPasswordAttrs(token, password string) map[string]tftypes.Value {
	return map[string]tftypes.Value{
		"token":           tftypes.NewValue(tftypes.String, token),
		"new_password":    tftypes.NewValue(tftypes.String, password),
		"consent_granted": tftypes.NewValue(tftypes.Bool, true),
	}
}

func TestResetPasswordAction(t *testing.T) {
	api := newTestAPI(t)
	const token, password = "action-token-7f3a", "action-password-91c2"
	if err := api.IssueToken(adaEmail, token); err != nil {
		t.Fatal(err)
	}
	ps := newProtocolServer(t, endpointAttrs(api))

	res := ps.runAction(t, "clevermaps_reset_password", resetPasswordAttrs(token, password))
	if hasErrors(res.diagnostics) {
		t.Fatalf("unexpected diagnostics:\n%s", diagText(res.diagnostics))
	}
	if len(res.progress) != 2 || res.progress[1] != "New password set" {
		t.Errorf("progress %q", res.progress)
	}
	for _, msg := range res.progress {
		if strings.Contains(msg, token) || strings.Contains(msg, password) {
			t.Errorf("progress message %q reveals a secret", msg)
		}
	}
	if acct, _ := api.Account(adaEmail); acct.Password != password {
		t.Errorf("password not set: %+v", acct)
	}
	journal := api.Journal()
	if len(journal) != 1 || journal[0].RawPath != "/rest/accounts/passwordReset/"+token ||
		journal[0].Body != `{"newPassword":"`+password+`","consentGranted":true}` {
		t.Errorf("journal %+v", journal)
	}

	// The token is used up now; a second invocation says so, without the token.
	res = ps.runAction(t, "clevermaps_reset_password", resetPasswordAttrs(token, password))
	text := diagText(res.diagnostics)
	if !strings.Contains(text, "unknown, expired or already used") || strings.Contains(text, token) || strings.Contains(text, password) {
		t.Errorf("diagnostics:\n%s", text)
	}
}

func TestResetPasswordAction_rejectedAtValidation(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))

	for name, tc := range map[string]struct {
		token, password, wantAttr string
	}{
		"password too long":  {"tok", strings.Repeat("p", maxPasswordLength+1), "new_password"},
		"empty password":     {"tok", "", "new_password"},
		"token with slash":   {"a/b", "long-enough-pw", "token"},
		"token with newline": {"a\nb", "long-enough-pw", "token"},
	} {
		t.Run(name, func(t *testing.T) {
			res := ps.runAction(t, "clevermaps_reset_password", resetPasswordAttrs(tc.token, tc.password))
			text := diagText(res.diagnostics)
			if !hasErrors(res.diagnostics) || !strings.Contains(text, `AttributeName("`+tc.wantAttr+`")`) {
				t.Errorf("diagnostics:\n%s", text)
			}
		})
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestResetPasswordAction_passwordRejectedByServer(t *testing.T) {
	api := newTestAPI(t)
	const token = "policy-token"
	if err := api.IssueToken(adaEmail, token); err != nil {
		t.Fatal(err)
	}
	ps := newProtocolServer(t, endpointAttrs(api))

	res := ps.runAction(t, "clevermaps_reset_password", resetPasswordAttrs(token, "short"))
	text := diagText(res.diagnostics)
	if !strings.Contains(text, "New password rejected") || !strings.Contains(text, "between 8 and 100") {
		t.Errorf("diagnostics:\n%s", text)
	}
	if n := api.Count(standin.EndpointFinishReset); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestResetPasswordAction_echoedSecrets invokes the action against a server
// that refuses the password with a Spring-style 400 quoting a secret
// (echoedSecretCases: whitespace that cleaning collapses, a value the
// message's cut goes through, each form of the token). The diagnostic must
// show the server's message and no secret, nor any piece of one.
func TestResetPasswordAction_echoedSecrets(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	for _, c := range echoedSecretCases() {
		t.Run(c.name, func(t *testing.T) {
			prefix, value := c.message(c.token, c.password)
			api.ClearFaults()
			api.InjectFault(standin.EndpointFinishReset, standin.Fault{Status: 400, Body: springRejectionBody(t, prefix, value)})
			before := api.Count(standin.EndpointFinishReset)

			res := ps.runAction(t, "clevermaps_reset_password", resetPasswordAttrs(c.token, c.password))
			text := diagText(res.diagnostics)
			if !strings.Contains(text, "New password rejected") || !strings.Contains(text, "rejected value [") {
				t.Fatalf("diagnostics do not show the server's message:\n%s", text)
			}
			if n := api.Count(standin.EndpointFinishReset) - before; n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			for _, msg := range append(res.progress, text) {
				for _, secret := range []string{c.token, c.password} {
					if piece := leakedPiece(msg, secret); piece != "" {
						t.Errorf("%q shows %q, a piece of a secret", msg, piece)
					}
				}
			}
		})
	}
}

// signInPage is what a sign-in gateway in front of a wrong endpoint answers
// to everything, with 200.
const signInPage = `<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action="/login" method="post">` +
	`<input name="username"><input name="password" type="password"></form></body></html>`

// TestResetPasswordAction_answerNotFromAPI: a 200 sign-in page is not a
// finished reset. The action must fail and say why, without probing or
// repeating, and the password stays as it was.
func TestResetPasswordAction_answerNotFromAPI(t *testing.T) {
	api := newTestAPI(t)
	const token, password = "gateway-token-4b1d", "gateway-password-8c2e"
	if err := api.IssueToken(adaEmail, token); err != nil {
		t.Fatal(err)
	}
	api.InjectFault(standin.EndpointFinishReset, standin.Fault{Status: 200, Body: signInPage, ContentType: "text/html"})
	ps := newProtocolServer(t, endpointAttrs(api))

	res := ps.runAction(t, "clevermaps_reset_password", resetPasswordAttrs(token, password))
	text := diagText(res.diagnostics)
	if !hasErrors(res.diagnostics) || !strings.Contains(text, "Endpoint does not answer as the CleverMaps API") ||
		!strings.Contains(text, "Whether the password was set cannot be told") {
		t.Errorf("diagnostics:\n%s", text)
	}
	if slices.Contains(res.progress, "New password set") {
		t.Errorf("progress %q reports the password as set", res.progress)
	}
	if f, v := api.Count(standin.EndpointFinishReset), api.Count(standin.EndpointVerifyToken); f != 1 || v != 0 {
		t.Errorf("%d finish requests and %d probes, want 1 and 0", f, v)
	}
	if acct, _ := api.Account(adaEmail); acct.Password == password {
		t.Error("the password was changed")
	}
}
