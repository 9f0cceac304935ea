package conformance

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

// Environment of a run against a real API. Without the endpoint the suite
// runs against the stand-in and needs none of them.
const (
	envEndpoint = "CLEVERMAPS_CONFORMANCE_ENDPOINT" // e.g. https://staging.dev.clevermaps.io/rest
	envEmail    = "CLEVERMAPS_CONFORMANCE_EMAIL"    // a test account whose mailbox you read; the suite sends it mails
	envToken    = "CLEVERMAPS_CONFORMANCE_TOKEN"    // a token from one of those mails; only verified, never used up
)

// target is the API under test.
type target struct {
	base  string
	email string // an existing account, "" when none was given
	token string // a valid token of that account, "" when none was given
	real  bool
	api   *standin.Server // nil for a real API
	http  *http.Client
}

func newTarget(t *testing.T) *target {
	t.Helper()
	if base := os.Getenv(envEndpoint); base != "" {
		if !strings.HasPrefix(base, "https://") {
			t.Fatalf("%s must be an https:// URL", envEndpoint)
		}
		return &target{
			base: strings.TrimRight(base, "/"), email: os.Getenv(envEmail), token: os.Getenv(envToken), real: true,
			// A real server may answer with statuses and error bodies the
			// contract does not describe (a proxy's 503): those are reported
			// by the tests that care, not by the transport.
			http: &http.Client{Timeout: 30 * time.Second, Transport: &standintest.Transport{
				Options: standintest.Options{AllowUndocumentedStatus: true, SkipErrorBodies: true}}},
		}
	}
	api := standin.NewServer(standin.Config{Accounts: standin.DefaultAccounts()})
	base, err := api.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	const email = "ada@example.com"
	const token = "conformance-token"
	if err := api.IssueToken(email, token); err != nil {
		t.Fatal(err)
	}
	return &target{base: base, email: email, token: token, api: api,
		http: &http.Client{Timeout: 10 * time.Second, Transport: &standintest.Transport{}}}
}

// send sends one request; contentType "" sends none. It never prints the
// URL, which may carry a token.
func (tg *target) send(t *testing.T, method, path, contentType, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, tg.base+path, rd)
	if err != nil {
		t.Fatal("building the request failed")
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := tg.http.Do(req)
	if v := new(standintest.Violation); errors.As(err, &v) {
		t.Fatalf("%v", v)
	}
	if err != nil {
		t.Fatalf("%s %s failed: %v", method, standintest.Classify(method, path), errors.Unwrap(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b
}

// mayMail skips a probe that sends the test account a reset mail when there
// is no test account, or when a run against a real API verifies a token: a
// new mail might revoke the token under test.
func (tg *target) mayMail(t *testing.T) {
	t.Helper()
	switch {
	case tg.email == "":
		t.Skipf("set %s to a test account; this probe sends it a reset mail", envEmail)
	case tg.real && tg.token != "":
		t.Skipf("no mail is sent in a run that verifies %s", envToken)
	}
}

// nobody is an address no account can have (.invalid, RFC 2606), so that
// probes against a real API never send a mail to anyone. It is the same on
// every run, like every input here, so that a failure replays as logged.
const nobody = "conformance-nobody@example.invalid"

// noSuchToken is a token no server issued, in the shape of the random ones
// these probes used before ("no-such-" and 26 characters of base32).
const noSuchToken = "no-such-CONFORMANCEPROBETOKENAAAAA"

const jsonType = "application/json"

// TestConformance_contract checks what the contract documents.
func TestConformance_contract(t *testing.T) {
	tg := newTarget(t)
	t.Run("unknown address is 404", func(t *testing.T) {
		if st, _ := tg.send(t, http.MethodPost, "/accounts/passwordReset", jsonType, `{"email":"`+nobody+`"}`); st != http.StatusNotFound {
			t.Errorf("status %d, want 404", st)
		}
	})
	t.Run("unknown token is 404 on verify", func(t *testing.T) {
		if st, _ := tg.send(t, http.MethodGet, "/accounts/passwordReset/"+url.PathEscape(noSuchToken), "", ""); st != http.StatusNotFound {
			t.Errorf("status %d, want 404", st)
		}
	})
	t.Run("unknown token is 404 on finish", func(t *testing.T) {
		if st, _ := tg.send(t, http.MethodPost, "/accounts/passwordReset/"+url.PathEscape(noSuchToken), jsonType, `{"newPassword":"Conformance-1"}`); st != http.StatusNotFound {
			t.Errorf("status %d, want 404", st)
		}
	})
	t.Run("known address is 201", func(t *testing.T) {
		tg.mayMail(t)
		if st, b := tg.send(t, http.MethodPost, "/accounts/passwordReset", jsonType, `{"email":"`+tg.email+`"}`); st != http.StatusCreated {
			t.Errorf("status %d (%s), want 201", st, bytes.TrimSpace(b))
		}
	})
	t.Run("a valid token verifies to an AccountDTO", func(t *testing.T) {
		if tg.token == "" {
			t.Skipf("set %s to a token from a reset mail of %s", envToken, envEmail)
		}
		st, b := tg.send(t, http.MethodGet, "/accounts/passwordReset/"+url.PathEscape(tg.token), "", "")
		if st != http.StatusOK {
			t.Fatalf("status %d, want 200", st)
		}
		// The transport has already validated b against AccountDTO.
		if tg.email != "" && !bytes.Contains(bytes.ToLower(b), []byte(strings.ToLower(tg.email))) {
			t.Errorf("the account is not %s", tg.email)
		}
	})
}

// TestConformance_assumptions probes what the contract leaves open and the
// stand-in assumes. Each subtest is named after its row in DESIGN.md's
// table; against a real API a failure means the assumption is wrong and the
// stand-in (and possibly the provider) must change. None of the probes can
// send a mail to anyone but the test account, or use a token up.
func TestConformance_assumptions(t *testing.T) {
	tg := newTarget(t)
	t.Run("A1 field names are exact", func(t *testing.T) {
		// A wrong-cased name must not be taken for email: the answer is 400
		// (the required email is missing), not the 404 of a looked-up address.
		st, _ := tg.send(t, http.MethodPost, "/accounts/passwordReset", jsonType, `{"EMAIL":"`+nobody+`"}`)
		if st != http.StatusBadRequest {
			t.Errorf("status %d, want 400", st)
		}
	})
	t.Run("A2 a body without application/json is refused with 415", func(t *testing.T) {
		st, _ := tg.send(t, http.MethodPost, "/accounts/passwordReset", "text/plain", `{"email":"`+nobody+`"}`)
		if st != http.StatusUnsupportedMediaType {
			t.Errorf("status %d, want 415", st)
		}
	})
	t.Run("A3 a missing email is 400", func(t *testing.T) {
		if st, _ := tg.send(t, http.MethodPost, "/accounts/passwordReset", jsonType, `{}`); st != http.StatusBadRequest {
			t.Errorf("status %d, want 400", st)
		}
	})
	t.Run("A4 unknown fields are ignored", func(t *testing.T) {
		if st, _ := tg.send(t, http.MethodPost, "/accounts/passwordReset", jsonType, `{"email":"`+nobody+`","conformanceProbe":true}`); st != http.StatusNotFound {
			t.Errorf("status %d, want 404 (the extra field ignored, the address looked up)", st)
		}
	})
	t.Run("A5 addresses match case-insensitively", func(t *testing.T) {
		tg.mayMail(t)
		if st, _ := tg.send(t, http.MethodPost, "/accounts/passwordReset", jsonType, `{"email":"`+strings.ToUpper(tg.email)+`"}`); st != http.StatusCreated {
			t.Errorf("status %d for the address in upper case, want 201", st)
		}
	})
	t.Run("A6 verifying does not use the token up", func(t *testing.T) {
		if tg.token == "" {
			t.Skipf("set %s", envToken)
		}
		for i := range 2 {
			if st, _ := tg.send(t, http.MethodGet, "/accounts/passwordReset/"+url.PathEscape(tg.token), "", ""); st != http.StatusOK {
				t.Fatalf("verification %d: status %d, want 200", i+1, st)
			}
		}
	})
}
