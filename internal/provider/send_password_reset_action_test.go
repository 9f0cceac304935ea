package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

func endpointAttrs(api *standin.Server) map[string]tftypes.Value {
	return map[string]tftypes.Value{"endpoint": tftypes.NewValue(tftypes.String, api.URL())}
}

func TestSendPasswordResetAction(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))

	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{
		"email": tftypes.NewValue(tftypes.String, adaEmail),
	})
	if hasErrors(res.diagnostics) {
		t.Fatalf("unexpected diagnostics:\n%s", diagText(res.diagnostics))
	}
	if len(res.progress) != 2 || !strings.Contains(res.progress[1], "sent to "+adaEmail) {
		t.Errorf("progress messages %q", res.progress)
	}
	journal := api.Journal()
	if len(journal) != 1 || journal[0].Method != "POST" || journal[0].RawPath != "/rest/accounts/passwordReset" ||
		journal[0].Body != `{"email":"ada@example.com"}` {
		t.Errorf("journal %+v, want exactly one POST with the email", journal)
	}
	if n := len(api.MailsTo(adaEmail)); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}

func TestSendPasswordResetAction_unknownEmail(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))

	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{
		"email": tftypes.NewValue(tftypes.String, "nobody@example.com"),
	})
	text := diagText(res.diagnostics)
	if !hasErrors(res.diagnostics) || !strings.Contains(text, `No CleverMaps account exists for "nobody@example.com"`) {
		t.Errorf("diagnostics:\n%s", text)
	}
	if n := api.Count(standin.EndpointRequestReset); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestSendPasswordResetAction_invalidEmail(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))

	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{
		"email": tftypes.NewValue(tftypes.String, "not an email"),
	})
	text := diagText(res.diagnostics)
	if !strings.Contains(text, "Invalid email address") || !strings.Contains(text, "[at AttributeName(\"email\")]") {
		t.Errorf("diagnostics:\n%s", text)
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}
