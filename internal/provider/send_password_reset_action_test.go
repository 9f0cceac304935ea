package provider

import (
	"strings"
	"testing"
	"time"

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

// TestSendPasswordResetAction_timeoutAfterSending checks the diagnostic for
// the worst case: the server acted, but the answer never came in time. The
// request must not be repeated, and the person must hear that the mail may
// have been sent, not merely that something timed out.
func TestSendPasswordResetAction_timeoutAfterSending(t *testing.T) {
	api := newTestAPI(t)
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{AfterAction: true, Delay: 3 * time.Second, Status: 201})
	attrs := endpointAttrs(api)
	attrs["request_timeout_ms"] = tftypes.NewValue(tftypes.Number, 200)
	ps := newProtocolServer(t, attrs)

	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{
		"email": tftypes.NewValue(tftypes.String, adaEmail),
	})
	text := diagText(res.diagnostics)
	if !strings.Contains(text, "Unknown whether the reset mail was sent") || !strings.Contains(text, "was not repeated") {
		t.Errorf("diagnostics:\n%s", text)
	}
	if n := api.Count(standin.EndpointRequestReset); n != 1 {
		t.Errorf("%d requests, want exactly 1", n)
	}
	if n := len(api.MailsTo(adaEmail)); n != 1 {
		t.Errorf("%d mails, want 1 (the server did act)", n)
	}
}
