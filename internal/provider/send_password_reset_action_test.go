package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
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
	if !hasErrors(res.diagnostics) || !strings.Contains(text, apiHost(api)+` has no CleverMaps account for "nobody@example.com"`) {
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

func emailList(emails ...string) tftypes.Value {
	vals := make([]tftypes.Value, len(emails))
	for i, e := range emails {
		vals[i] = tftypes.NewValue(tftypes.String, e)
	}
	return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vals)
}

// addAccounts adds n accounts user0@example.com … to api and returns their
// addresses.
func addAccounts(api *standin.Server, n int) []string {
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("user%d@example.com", i)
		api.AddAccount(standin.Account{ID: emails[i], Email: emails[i], FullName: emails[i], Status: "ENABLED"})
	}
	return emails
}

// progressLine matches the action's progress reports.
var progressLine = regexp.MustCompile(`^Password-reset mails: (\d+) of (\d+) addresses done \((\d+)%\): (\d+) sent, (\d+) failed, (\d+) unknown$`)

// checkProgress asserts that the progress messages after the first one are
// reports whose done counts rise by at most a tenth of total at a time, from
// the start to the end, and returns the last report's sent, failed and
// unknown counts.
func checkProgress(t *testing.T, messages []string, total int) (sent, failed, unknown int) {
	t.Helper()
	if len(messages) < 2 || !strings.HasPrefix(messages[0], fmt.Sprintf("Requesting password-reset mails for %d addresses", total)) {
		t.Fatalf("progress messages %q", messages)
	}
	step := (total + 9) / 10
	prev := 0
	for _, msg := range messages[1:] {
		m := progressLine.FindStringSubmatch(msg)
		if m == nil {
			t.Fatalf("progress message %q is not a report", msg)
		}
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		done := n(1)
		if n(2) != total || done <= prev || done-prev > step || n(4)+n(5)+n(6) != done || n(3) != done*100/total {
			t.Errorf("report %q after %d done (total %d, at most %d per report)", msg, prev, total, step)
		}
		prev = done
		sent, failed, unknown = n(4), n(5), n(6)
	}
	if prev != total {
		t.Errorf("the last report says %d of %d done", prev, total)
	}
	return sent, failed, unknown
}

func TestSendPasswordResetAction_emails(t *testing.T) {
	api := newTestAPI(t)
	emails := addAccounts(api, 25)
	ps := newProtocolServer(t, endpointAttrs(api))

	// Repeats, in any case, are mailed once.
	list := append(slices.Clone(emails), emails[3], strings.ToUpper(emails[7]))
	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{"emails": emailList(list...)})
	if hasErrors(res.diagnostics) {
		t.Fatalf("unexpected diagnostics:\n%s", diagText(res.diagnostics))
	}
	sent, failed, unknown := checkProgress(t, res.progress, 25)
	if sent != 25 || failed != 0 || unknown != 0 {
		t.Errorf("final counts %d sent, %d failed, %d unknown; want 25, 0, 0", sent, failed, unknown)
	}
	// A tenth of 25 addresses is 2.5, so every tenth is its own report.
	if got := len(res.progress) - 1; got != 10 {
		t.Errorf("%d reports, want 10: %q", got, res.progress)
	}
	if n := api.Count(standin.EndpointRequestReset); n != 25 {
		t.Errorf("%d requests, want 25", n)
	}
	for _, e := range emails {
		if n := len(api.MailsTo(e)); n != 1 {
			t.Errorf("%s got %d mails, want 1", e, n)
		}
	}
}

// TestSendPasswordResetAction_emailsPartialFailure mixes the three outcomes:
// addresses without an account fail, two requests end ambiguously (the
// server sent the mail but answered 500), and the rest are sent. The action
// mails everything it can, counts each kind in its reports, and fails with
// the addresses that did not succeed.
func TestSendPasswordResetAction_emailsPartialFailure(t *testing.T) {
	api := newTestAPI(t)
	emails := addAccounts(api, 40)
	emails = append(emails, "ghost1@example.com", "ghost2@example.com", "ghost3@example.com")
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{AfterAction: true, Status: 500, Times: 2, Every: 10})
	ps := newProtocolServer(t, endpointAttrs(api))

	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{
		"emails": emailList(emails...), "concurrency": tftypes.NewValue(tftypes.Number, 3),
	})
	sent, failed, unknown := checkProgress(t, res.progress, len(emails))
	if sent != 38 || failed != 3 || unknown != 2 {
		t.Errorf("final counts %d sent, %d failed, %d unknown; want 38, 3, 2", sent, failed, unknown)
	}
	text := diagText(res.diagnostics)
	for _, want := range []string{
		"5 of 43 password-reset requests via " + apiHost(api) + " did not succeed (3 failed, 2 with an unknown outcome)",
		"- ghost1@example.com: rejected: No CleverMaps account has this address",
		"outcome_unknown: The request went out, then the server answered 500 Internal Server Error: it failed while handling the request; the mail may have been sent.",
		"the server may have sent the mail",
		`[at AttributeName("emails")]`,
	} {
		if !hasErrors(res.diagnostics) || !strings.Contains(text, want) {
			t.Errorf("diagnostics do not say %q:\n%s", want, text)
		}
	}
	// Nothing repeated: one request per address.
	if n := api.Count(standin.EndpointRequestReset); n != len(emails) {
		t.Errorf("%d requests, want %d", n, len(emails))
	}
	if n := len(api.Outbox()); n != 40 {
		t.Errorf("%d mails, want 40 (the ambiguous ones were sent too)", n)
	}
}

// TestSendPasswordResetAction_emailsConcurrency checks that requests overlap
// and that no more than `concurrency` are in flight at once. The stand-in
// takes 50 ms per request so that overlapping is all but certain; no time is
// asserted.
func TestSendPasswordResetAction_emailsConcurrency(t *testing.T) {
	api := standin.NewServer(standin.Config{Latency: 50 * time.Millisecond})
	emails := addAccounts(api, 16)
	var inFlight, most atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	ps := newProtocolServer(t, map[string]tftypes.Value{"endpoint": tftypes.NewValue(tftypes.String, ts.URL+"/rest")})

	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{
		"emails": emailList(emails...), "concurrency": tftypes.NewValue(tftypes.Number, 4),
	})
	if hasErrors(res.diagnostics) {
		t.Fatalf("unexpected diagnostics:\n%s", diagText(res.diagnostics))
	}
	if m := most.Load(); m < 2 || m > 4 {
		t.Errorf("at most %d requests were in flight at once, want 2 to 4", m)
	}
	if n := len(api.Outbox()); n != 16 {
		t.Errorf("%d mails, want 16", n)
	}
}

func TestSendPasswordResetAction_emailsValidation(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	for name, c := range map[string]struct {
		attrs map[string]tftypes.Value
		want  string
	}{
		"both":        {map[string]tftypes.Value{"email": str(adaEmail), "emails": emailList(graceEmail)}, "email"},
		"neither":     {map[string]tftypes.Value{}, "email"},
		"empty list":  {map[string]tftypes.Value{"emails": emailList()}, "emails"},
		"bad address": {map[string]tftypes.Value{"emails": emailList(adaEmail, "grace at example.com")}, "emails"},
		"null address": {map[string]tftypes.Value{"emails": tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
			[]tftypes.Value{str(adaEmail), tftypes.NewValue(tftypes.String, nil)})}, "emails"},
		"concurrency 0": {map[string]tftypes.Value{"emails": emailList(adaEmail), "concurrency": tftypes.NewValue(tftypes.Number, 0)}, "concurrency"},
		// The mass-mail guard: distinct addresses over max_emails.
		"over max_emails": {map[string]tftypes.Value{
			"emails": emailList(adaEmail, graceEmail, "ADA@example.com", "linus@example.com"), "max_emails": tftypes.NewValue(tftypes.Number, 2),
		}, "max_emails"},
		"max_emails negative": {map[string]tftypes.Value{"emails": emailList(adaEmail), "max_emails": tftypes.NewValue(tftypes.Number, -1)}, "max_emails"},
	} {
		t.Run(name, func(t *testing.T) {
			res := ps.runAction(t, "clevermaps_send_password_reset", c.attrs)
			if !hasErrors(res.diagnostics) {
				t.Fatalf("no error; diagnostics:\n%s", diagText(res.diagnostics))
			}
			if name == "neither" || name == "both" {
				if text := diagText(res.diagnostics); !strings.Contains(text, "Exactly one of these attributes must be configured: [email,emails]") {
					t.Errorf("diagnostics do not name both attributes:\n%s", text)
				}
			} else {
				expectAttrError(t, res.diagnostics, c.want, "")
			}
		})
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// TestSendPasswordResetAction_answerNotFromAPI: a 200 sign-in page to the
// send was delivered to something that answered, so whether a mail went out
// is unknown. The action reports it as such and does not repeat the request.
func TestSendPasswordResetAction_answerNotFromAPI(t *testing.T) {
	api := newTestAPI(t)
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{Status: 200, Body: signInPage, ContentType: "text/html"})
	ps := newProtocolServer(t, endpointAttrs(api))

	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{
		"email": tftypes.NewValue(tftypes.String, adaEmail),
	})
	text := diagText(res.diagnostics)
	if !strings.Contains(text, "Unknown whether the reset mail was sent") || !strings.Contains(text, "most likely not the CleverMaps API") {
		t.Errorf("diagnostics:\n%s", text)
	}
	if n := api.Count(standin.EndpointRequestReset); n != 1 {
		t.Errorf("%d requests, want exactly 1", n)
	}
}

// Without max_emails the batch resource's default guard applies: 501
// distinct addresses are refused before anything is sent, 500 are not.
func TestSendPasswordResetAction_defaultGuard(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	list := func(n int) tftypes.Value {
		emails := make([]string, n)
		for i := range emails {
			emails[i] = fmt.Sprintf("nobody%03d@example.com", i)
		}
		return emailList(emails...)
	}
	res := ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{"emails": list(defaultMaxNewEmails + 1)})
	expectAttrError(t, res.diagnostics, "max_emails", "")
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	res = ps.runAction(t, "clevermaps_send_password_reset", map[string]tftypes.Value{"emails": list(3), "max_emails": tftypes.NewValue(tftypes.Number, 3)})
	if text := diagText(res.diagnostics); strings.Contains(text, "Too many addresses") {
		t.Errorf("3 addresses under max_emails = 3 refused:\n%s", text)
	}
}
