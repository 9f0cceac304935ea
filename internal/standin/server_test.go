package standin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

const (
	adaEmail = "ada@example.com"
	adaName  = "Ada Lovelace"
)

// clock is a settable Config.Now for expiry and rate-limit tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// start runs a stand-in with Ada's account (unless cfg has accounts) on a free
// loopback port for the duration of the test.
func start(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	if cfg.Accounts == nil {
		cfg.Accounts = []Account{{Email: adaEmail, FullName: adaName}}
	}
	s := NewServer(cfg)
	base, err := s.Start("")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, base
}

// checker validates every answer of the stand-in that this suite receives
// against contract.schema.json; a violation becomes the request's error, so
// every test fails on an answer outside the contract, whether or not it looks
// at that answer. Only answers of injected faults are exempt.
var checker = &standintest.Transport{Base: &http.Transport{DisableKeepAlives: true}}

// client opens a new connection per request, so that the transport never
// retries a request on a reused connection and counts stay exact, and does not
// follow redirects, so that 307 faults can be seen. Every test in the package
// sends its requests through it, and so through checker.
var client = &http.Client{
	Timeout:       10 * time.Second,
	Transport:     checker,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type result struct {
	status int
	header http.Header
	body   string
}

// call sends one request and returns the response, failing the test on a
// transport error.
func call(t *testing.T, method, target, body string) result {
	t.Helper()
	res, err := tryCall(t, method, target, body)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return res
}

func tryCall(t *testing.T, method, target, body string) (result, error) {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return tryCallAs(t, method, target, ct, body)
}

// postAs sends one POST with the given Content-Type ("" sends none).
func postAs(t *testing.T, target, contentType, body string) result {
	t.Helper()
	res, err := tryCallAs(t, http.MethodPost, target, contentType, body)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	return res
}

func tryCallAs(t *testing.T, method, target, contentType, body string) (result, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if v := new(standintest.Violation); errors.As(err, &v) {
		t.Fatalf("%s answer breaks the contract: %v", method, v)
	}
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

func tokenURL(base, token string) string {
	return base + "/accounts/passwordReset/" + url.PathEscape(token)
}

// requestToken asks for a reset for email and returns the token from the mail.
func requestToken(t *testing.T, s *Server, base, email string) string {
	t.Helper()
	res := call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"`+email+`"}`)
	if res.status != http.StatusCreated {
		t.Fatalf("request reset: status %d, body %s", res.status, res.body)
	}
	mails := s.MailsTo(email)
	if len(mails) == 0 {
		t.Fatal("no mail sent")
	}
	return mails[len(mails)-1].Token
}

// wantError checks the API's JSON error shape and that it leaks no secret.
func wantError(t *testing.T, res result, status int, secrets ...string) apiError {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d (body %s)", res.status, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e apiError
	if err := json.Unmarshal([]byte(res.body), &e); err != nil {
		t.Fatalf("error body %q: %v", res.body, err)
	}
	if e.Status != status || e.Error != http.StatusText(status) || e.Message == "" {
		t.Errorf("error body = %+v, want status %d, error %q and a message", e, status, http.StatusText(status))
	}
	for _, secret := range secrets {
		if secret != "" && strings.Contains(res.body, secret) {
			t.Errorf("error body %q contains secret %q", res.body, secret)
		}
	}
	return e
}

func TestRequestReset(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantMails  int
	}{
		{"known email", `{"email":"ada@example.com"}`, http.StatusCreated, 1},
		{"email in other case", `{"email":"ADA@Example.COM"}`, http.StatusCreated, 1},
		{"unknown email", `{"email":"nobody@example.com"}`, http.StatusNotFound, 0},
		{"malformed JSON", `{"email":`, http.StatusBadRequest, 0},
		{"missing email", `{}`, http.StatusBadRequest, 0},
		{"empty email", `{"email":""}`, http.StatusBadRequest, 0},
		{"empty body", ``, http.StatusUnsupportedMediaType, 0}, // call sends no Content-Type without a body
		{"JSON null", `null`, http.StatusBadRequest, 0},
		{"email not a string", `{"email":["ada@example.com"]}`, http.StatusBadRequest, 0},
		{"two objects", `{"email":"ada@example.com"}{"email":"ada@example.com"}`, http.StatusBadRequest, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := start(t, Config{})
			res := call(t, http.MethodPost, base+"/accounts/passwordReset", tt.body)
			if tt.wantStatus == http.StatusCreated {
				if res.status != http.StatusCreated || res.body != "" {
					t.Fatalf("got %d %q, want 201 and an empty body", res.status, res.body)
				}
			} else {
				wantError(t, res, tt.wantStatus)
			}
			mails := s.Outbox()
			if len(mails) != tt.wantMails {
				t.Fatalf("outbox has %d mails, want %d", len(mails), tt.wantMails)
			}
			if tt.wantMails == 1 {
				m := mails[0]
				if m.To != adaEmail {
					t.Errorf("mail to %q, want %q", m.To, adaEmail)
				}
				if raw, err := base64RawURLLen(m.Token); err != nil || raw != 32 {
					t.Errorf("token %q is not 32 bytes of base64url (%d, %v)", m.Token, raw, err)
				}
			}
		})
	}
}

func base64RawURLLen(s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return len(b), err
}

func TestVerifyToken(t *testing.T) {
	s, base := start(t, Config{Accounts: DefaultAccounts()})
	token := requestToken(t, s, base, adaEmail)

	for range 2 { // Verification does not consume the token.
		res := call(t, http.MethodGet, tokenURL(base, token), "")
		if res.status != http.StatusOK {
			t.Fatalf("status %d, body %s", res.status, res.body)
		}
		if ct := res.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(res.body), &got); err != nil {
			t.Fatal(err)
		}
		if got["email"] != adaEmail || got["fullName"] != adaName || got["status"] != "ENABLED" || got["consentGranted"] != true {
			t.Errorf("account = %v", got)
		}
		if _, ok := got["password"]; ok {
			t.Error("the DTO carries a password")
		}
		for _, key := range []string{"id", "anonymous", "phoneNumber", "preferences", "onboarding", "links"} {
			if _, ok := got[key]; !ok {
				t.Errorf("DTO lacks %q: %s", key, res.body)
			}
		}
	}

	wantError(t, call(t, http.MethodGet, tokenURL(base, "no-such-token"), ""), http.StatusNotFound, "no-such-token")
}

func TestVerifyOmitsUnsetOptionalFields(t *testing.T) {
	s, base := start(t, Config{})
	token := requestToken(t, s, base, adaEmail)
	res := call(t, http.MethodGet, tokenURL(base, token), "")
	var got map[string]any
	if err := json.Unmarshal([]byte(res.body), &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"consentGranted", "phoneNumber", "password"} {
		if _, ok := got[key]; ok {
			t.Errorf("DTO has unset %q: %s", key, res.body)
		}
	}
	links, _ := got["links"].([]any)
	if len(links) != 1 {
		t.Fatalf("links = %v, want the self link", got["links"])
	}
	self, _ := links[0].(map[string]any)
	id, _ := got["id"].(string)
	if self["rel"] != "self" || self["href"] != "/rest/accounts/"+id {
		t.Errorf("self link = %v", self)
	}
}

func TestFinishReset(t *testing.T) {
	const (
		valid = "correct horse"
		short = "seven77"
	)
	tests := []struct {
		name        string
		token       string // "" for the issued one
		body        string
		wantStatus  int
		wantPass    string // the account's password afterwards
		wantConsent *bool
	}{
		{"valid", "", `{"newPassword":"` + valid + `"}`, http.StatusNoContent, valid, nil},
		{"with consent", "", `{"newPassword":"` + valid + `","consentGranted":true}`, http.StatusNoContent, valid, ptr(true)},
		{"consent refused", "", `{"newPassword":"` + valid + `","consentGranted":false}`, http.StatusNoContent, valid, ptr(false)},
		{"unknown token", "unknown", `{"newPassword":"` + valid + `"}`, http.StatusNotFound, "", nil},
		{"too short", "", `{"newPassword":"` + short + `"}`, http.StatusBadRequest, "", nil},
		{"missing password", "", `{}`, http.StatusBadRequest, "", nil},
		{"malformed JSON", "", `{"newPassword":`, http.StatusBadRequest, "", nil},
		{"password not a string", "", `{"newPassword":12345678}`, http.StatusBadRequest, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A policy of at least 8, as a tenant might set it; the default is the contract's 1.
			s, base := start(t, Config{PasswordMinLength: 8})
			issued := requestToken(t, s, base, adaEmail)
			token := cmpOr(tt.token, issued)
			res := call(t, http.MethodPost, tokenURL(base, token), tt.body)
			if tt.wantStatus == http.StatusNoContent {
				if res.status != http.StatusNoContent || res.body != "" {
					t.Fatalf("got %d %q, want 204", res.status, res.body)
				}
			} else {
				wantError(t, res, tt.wantStatus, token, valid, short)
			}
			a, _ := s.Account(adaEmail)
			if a.Password != tt.wantPass {
				t.Errorf("password = %q, want %q", a.Password, tt.wantPass)
			}
			if (a.ConsentGranted == nil) != (tt.wantConsent == nil) ||
				(a.ConsentGranted != nil && *a.ConsentGranted != *tt.wantConsent) {
				t.Errorf("consentGranted = %v, want %v", a.ConsentGranted, tt.wantConsent)
			}
			// A failed finish leaves the issued token usable; a successful one uses it up.
			verify := call(t, http.MethodGet, tokenURL(base, issued), "")
			if wantUsed := tt.wantStatus == http.StatusNoContent; (verify.status == http.StatusNotFound) != wantUsed {
				t.Errorf("verify after finish: %d, token used = %v", verify.status, wantUsed)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestTokenLifetime checks that a token is valid until its lifetime has
// passed, for verification and for finishing, with the default and with a
// configured lifetime.
func TestTokenLifetime(t *testing.T) {
	for _, tt := range []struct {
		cfg      Config
		lifetime time.Duration
	}{
		{Config{}, time.Hour},
		{Config{TokenLifetime: 30 * time.Minute}, 30 * time.Minute},
	} {
		t.Run(tt.lifetime.String(), func(t *testing.T) {
			c := newClock()
			tt.cfg.Now = c.Now
			s, base := start(t, tt.cfg)
			token := requestToken(t, s, base, adaEmail)
			c.Advance(tt.lifetime - time.Second)
			if res := call(t, http.MethodGet, tokenURL(base, token), ""); res.status != http.StatusOK {
				t.Fatalf("just before expiry: %d", res.status)
			}
			c.Advance(time.Second)
			wantError(t, call(t, http.MethodGet, tokenURL(base, token), ""), http.StatusNotFound, token)
			wantError(t, call(t, http.MethodPost, tokenURL(base, token), `{"newPassword":"long enough"}`), http.StatusNotFound, token)
		})
	}
}

// TestPasswordPolicyBounds checks the policy's bounds in runes and the
// message that states them; a password over the contract's 100 is refused by
// the contract check whatever the configured maximum.
func TestPasswordPolicyBounds(t *testing.T) {
	const contractMessage = "ResetPasswordDTO field newPassword: must be at most 100 characters long, is 101"
	policy := func(lo, hi int) string {
		return fmt.Sprintf("Password does not meet the requirements: it must be between %d and %d characters long", lo, hi)
	}
	tests := []struct {
		name        string
		cfg         Config
		password    string
		wantMessage string // "" for success
	}{
		{"default: empty", Config{}, "", policy(1, 100)},
		{"default: 1 rune", Config{}, "é", ""},
		{"min 8: 7 runes", Config{PasswordMinLength: 8}, strings.Repeat("é", 7), policy(8, 100)},
		{"min 8: 8 runes", Config{PasswordMinLength: 8}, strings.Repeat("é", 8), ""},
		{"100 runes", Config{}, strings.Repeat("é", 100), ""},
		{"101 runes", Config{}, strings.Repeat("é", 101), contractMessage},
		{"max 200 still stops at the contract's 100", Config{PasswordMaxLength: 200}, strings.Repeat("a", 101), contractMessage},
		{"custom max 10 with 11", Config{PasswordMaxLength: 10}, strings.Repeat("a", 11), policy(1, 10)},
		{"custom max 10 with 10", Config{PasswordMaxLength: 10}, strings.Repeat("a", 10), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := start(t, tt.cfg)
			token := requestToken(t, s, base, adaEmail)
			body, _ := json.Marshal(map[string]string{"newPassword": tt.password})
			res := call(t, http.MethodPost, tokenURL(base, token), string(body))
			if tt.wantMessage == "" {
				if res.status != http.StatusNoContent {
					t.Fatalf("status %d, want 204 (%s)", res.status, res.body)
				}
				return
			}
			if e := wantError(t, res, http.StatusBadRequest, token, tt.password); e.Message != tt.wantMessage {
				t.Errorf("message = %q, want %q", e.Message, tt.wantMessage)
			}
		})
	}
}

func TestTokenEscaping(t *testing.T) {
	tokens := []string{
		"a+b",
		"with space",
		"100%sure",
		"scheme:colon",
		"user@host",
		"all + of %20 them:@",
		"slash/inside",
		"ünïcode",
	}
	for _, token := range tokens {
		t.Run(token, func(t *testing.T) {
			s, base := start(t, Config{})
			if err := s.IssueToken(adaEmail, token); err != nil {
				t.Fatal(err)
			}
			if res := call(t, http.MethodGet, tokenURL(base, token), ""); res.status != http.StatusOK {
				t.Fatalf("verify: %d %s", res.status, res.body)
			}
			if res := call(t, http.MethodPost, tokenURL(base, token), `{"newPassword":"escaped fine"}`); res.status != http.StatusNoContent {
				t.Fatalf("finish: %d %s", res.status, res.body)
			}
			if a, _ := s.Account(adaEmail); a.Password != "escaped fine" {
				t.Errorf("password not set")
			}
			j := s.Journal()
			if want := "/rest/accounts/passwordReset/" + url.PathEscape(token); j[0].RawPath != want {
				t.Errorf("RawPath = %q, want %q", j[0].RawPath, want)
			}
		})
	}
}

func TestTokenIsDecodedOnlyOnce(t *testing.T) {
	s, base := start(t, Config{})
	// "%2B" escaped once more is "%252B"; decoding twice would find "+".
	if err := s.IssueToken(adaEmail, "+"); err != nil {
		t.Fatal(err)
	}
	wantError(t, call(t, http.MethodGet, base+"/accounts/passwordReset/%252B", ""), http.StatusNotFound)
	if res := call(t, http.MethodGet, base+"/accounts/passwordReset/%2B", ""); res.status != http.StatusOK {
		t.Errorf("%%2B: %d", res.status)
	}
	if err := s.IssueToken(adaEmail, "%2B"); err != nil {
		t.Fatal(err)
	}
	if res := call(t, http.MethodGet, base+"/accounts/passwordReset/%252B", ""); res.status != http.StatusOK {
		t.Errorf("%%252B: %d", res.status)
	}
}

func TestUnescapedSlashIsAnotherPath(t *testing.T) {
	s, base := start(t, Config{})
	if err := s.IssueToken(adaEmail, "a/b"); err != nil {
		t.Fatal(err)
	}
	wantError(t, call(t, http.MethodGet, base+"/accounts/passwordReset/a/b", ""), http.StatusNotFound)
	if got := s.Count(EndpointOther); got != 1 {
		t.Errorf("Count(other) = %d, want 1", got)
	}
	if res := call(t, http.MethodGet, base+"/accounts/passwordReset/a%2Fb", ""); res.status != http.StatusOK {
		t.Errorf("escaped slash: %d", res.status)
	}
}

func TestRoutingErrors(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
	}{
		{http.MethodGet, "/accounts/passwordReset", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/accounts/passwordReset", http.StatusMethodNotAllowed, "POST"},
		{http.MethodDelete, "/accounts/passwordReset/some-token", http.StatusMethodNotAllowed, "GET, POST"},
		{http.MethodPut, "/accounts/passwordReset/some-token", http.StatusMethodNotAllowed, "GET, POST"},
		{http.MethodPatch, "/accounts/passwordReset/some-token", http.StatusMethodNotAllowed, "GET, POST"},
		{http.MethodGet, "/accounts/passwordReset/", http.StatusNotFound, ""},
		{http.MethodGet, "/accounts", http.StatusNotFound, ""},
		{http.MethodGet, "/accounts/passwordResetX", http.StatusNotFound, ""},
		{http.MethodPost, "/accounts/passwordReset/a/b", http.StatusNotFound, ""},
		{http.MethodGet, "/../elsewhere", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			s, base := start(t, Config{})
			res := call(t, tt.method, base+tt.path, "")
			wantError(t, res, tt.wantStatus, "some-token")
			if got := res.header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if got := s.Count(EndpointOther); got < 1 {
				t.Errorf("Count(other) = %d", got)
			}
		})
	}
}

func TestIssueTokenErrors(t *testing.T) {
	s := NewServer(Config{Accounts: []Account{{Email: adaEmail, FullName: adaName}}})
	if err := s.IssueToken("nobody@example.com", "tok"); err == nil {
		t.Error("IssueToken for an unknown account succeeded")
	}
	if err := s.IssueToken(adaEmail, ""); err == nil {
		t.Error("IssueToken with an empty token succeeded")
	}
	if err := s.IssueToken("ADA@EXAMPLE.COM", "tok"); err != nil {
		t.Errorf("IssueToken in other case: %v", err)
	}
	if m := s.MailsTo("Ada@Example.com"); len(m) != 1 || m[0].Token != "tok" || m[0].To != adaEmail {
		t.Errorf("MailsTo = %+v", m)
	}
}

func TestAccountStateIsCopied(t *testing.T) {
	s := NewServer(Config{Accounts: DefaultAccounts()})
	a, ok := s.Account("ADA@example.com")
	if !ok || a.FullName != adaName {
		t.Fatalf("Account = %+v, %v", a, ok)
	}
	a.Preferences.Language = "xx"
	a.Onboarding.TipsShown[0] = "changed"
	a.Links[0]["href"] = "changed"
	b, _ := s.Account(adaEmail)
	if b.Preferences.Language == "xx" || b.Onboarding.TipsShown[0] == "changed" || b.Links[0]["href"] == "changed" {
		t.Error("changing a returned Account changed the server's state")
	}
	if _, ok := s.Account("nobody@example.com"); ok {
		t.Error("found an account that does not exist")
	}
}

func TestAddAccountDefaults(t *testing.T) {
	s := NewServer(Config{})
	s.AddAccount(Account{Email: "new@example.com", FullName: "New"})
	a, ok := s.Account("new@example.com")
	if !ok || a.ID == "" || a.Status != StatusEnabled || len(a.Links) != 1 || a.Links[0]["href"] != "/rest/accounts/"+a.ID {
		t.Errorf("account = %+v", a)
	}
	s.AddAccount(Account{Email: "NEW@example.com", FullName: "Replaced"})
	if a, _ := s.Account("new@example.com"); a.FullName != "Replaced" {
		t.Errorf("AddAccount did not replace the account with the same email: %+v", a)
	}
}

func TestDefaultAccounts(t *testing.T) {
	accounts := DefaultAccounts()
	// Their validity is TestContract_defaultAccountsServedWithinSchema's;
	// here: the accounts the README names, and a fresh copy per call.
	emails := map[string]bool{}
	for _, a := range accounts {
		emails[a.Email] = true
	}
	for _, e := range []string{"ada@example.com", "grace@example.com", "svc-etl@example.com"} {
		if !emails[e] {
			t.Errorf("no default account %s", e)
		}
	}
	accounts[0].FullName = "changed"
	if DefaultAccounts()[0].FullName == "changed" {
		t.Error("DefaultAccounts shares state between calls")
	}
}

func TestJournal(t *testing.T) {
	s, base := start(t, Config{})
	token := requestToken(t, s, base, adaEmail)
	call(t, http.MethodGet, tokenURL(base, token)+"?trace=1", "")
	call(t, http.MethodPost, tokenURL(base, token), `{"newPassword":"journal entry"}`)
	call(t, http.MethodGet, base+"/nowhere", "")

	j := s.Journal()
	want := []struct {
		method, rawPath, body string
		ep                    Endpoint
	}{
		{http.MethodPost, "/rest/accounts/passwordReset", `{"email":"ada@example.com"}`, EndpointRequestReset},
		{http.MethodGet, "/rest/accounts/passwordReset/" + token + "?trace=1", "", EndpointVerifyToken},
		{http.MethodPost, "/rest/accounts/passwordReset/" + token, `{"newPassword":"journal entry"}`, EndpointFinishReset},
		{http.MethodGet, "/rest/nowhere", "", EndpointOther},
	}
	if len(j) != len(want) {
		t.Fatalf("journal has %d entries, want %d: %+v", len(j), len(want), j)
	}
	for i, w := range want {
		got := j[i]
		if got.Method != w.method || got.RawPath != w.rawPath || got.Body != w.body || got.Endpoint != w.ep {
			t.Errorf("entry %d = %s %s %q %s, want %s %s %q %s", i, got.Method, got.RawPath, got.Body, got.Endpoint, w.method, w.rawPath, w.body, w.ep)
		}
		if got.ReceivedAt.IsZero() || got.Header.Get("User-Agent") == "" {
			t.Errorf("entry %d lacks time or headers: %+v", i, got)
		}
	}
	for _, ep := range []Endpoint{EndpointRequestReset, EndpointVerifyToken, EndpointFinishReset, EndpointOther} {
		if got := s.Count(ep); got != 1 {
			t.Errorf("Count(%s) = %d, want 1", ep, got)
		}
	}

	j[0].Header.Set("User-Agent", "changed")
	if s.Journal()[0].Header.Get("User-Agent") == "changed" {
		t.Error("Journal shares headers with the server")
	}

	s.ResetJournal()
	if len(s.Journal()) != 0 || s.Count(EndpointRequestReset) != 0 {
		t.Error("ResetJournal left entries")
	}
}

func TestOutbox(t *testing.T) {
	s, base := start(t, Config{Accounts: DefaultAccounts()})
	requestToken(t, s, base, "ada@example.com")
	requestToken(t, s, base, "GRACE@example.com")
	requestToken(t, s, base, "ada@example.com")
	out := s.Outbox()
	got := []string{out[0].To, out[1].To, out[2].To}
	if !slices.Equal(got, []string{"ada@example.com", "grace@example.com", "ada@example.com"}) {
		t.Errorf("outbox recipients = %v", got)
	}
	if out[0].Token == out[2].Token {
		t.Error("two reset requests got the same token")
	}
	if n := len(s.MailsTo("Ada@example.com")); n != 2 {
		t.Errorf("MailsTo(ada) = %d mails, want 2", n)
	}
	// Both of Ada's tokens stay valid until used or expired.
	for _, m := range []Mail{out[0], out[2]} {
		if res := call(t, http.MethodGet, tokenURL(base, m.Token), ""); res.status != http.StatusOK {
			t.Errorf("token of mail at %v: %d", m.SentAt, res.status)
		}
	}
	out[0].To = "changed"
	if s.Outbox()[0].To == "changed" {
		t.Error("Outbox shares its slice")
	}
}

func TestFaultStatusAndRetryAfter(t *testing.T) {
	tests := []struct {
		name      string
		fault     Fault
		wantCT    string
		wantBody  string // exact, or "" for the JSON error shape
		wantRetry string
	}{
		{"503 with seconds", Fault{Status: 503, RetryAfter: "2"}, "application/json", "", "2"},
		{"429 with date", Fault{Status: 429, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT"}, "application/json", "", "Wed, 21 Oct 2026 07:28:00 GMT"},
		{"500 without header", Fault{Status: 500}, "application/json", "", ""},
		{"502 HTML", Fault{Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html"}, "text/html", "<html>bad gateway</html>", ""},
		{"200 malformed JSON", Fault{Status: 200, Body: `{"id":`}, "application/json", `{"id":`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := start(t, Config{})
			token := requestToken(t, s, base, adaEmail)
			s.InjectFault(EndpointVerifyToken, tt.fault)
			res := call(t, http.MethodGet, tokenURL(base, token), "")
			if tt.wantBody == "" {
				wantError(t, res, tt.fault.Status, token)
			} else if res.status != tt.fault.Status || res.body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", res.status, res.body, tt.fault.Status, tt.wantBody)
			}
			if got := res.header.Get("Content-Type"); got != tt.wantCT {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantCT)
			}
			if got := res.header.Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
			}
			if s.Count(EndpointVerifyToken) != 1 || len(s.Journal()) != 2 {
				t.Error("a faulted request was not journaled")
			}
		})
	}
}

func TestFaultWithoutAfterActionTakesNoAction(t *testing.T) {
	s, base := start(t, Config{})
	token := requestToken(t, s, base, adaEmail)
	s.InjectFault(EndpointFinishReset, Fault{Status: 500})
	s.InjectFault(EndpointRequestReset, Fault{Status: 503})
	wantError(t, call(t, http.MethodPost, tokenURL(base, token), `{"newPassword":"not applied"}`), 500)
	wantError(t, call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"ada@example.com"}`), 503)
	if a, _ := s.Account(adaEmail); a.Password != "" {
		t.Error("a faulted finish set the password")
	}
	if n := len(s.Outbox()); n != 1 {
		t.Errorf("a faulted request sent a mail: %d mails", n)
	}
}

func TestFaultTimes(t *testing.T) {
	s, base := start(t, Config{})
	s.InjectFault(EndpointRequestReset, Fault{Status: 503, Times: 2})
	var got []int
	for range 4 {
		got = append(got, call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"ada@example.com"}`).status)
	}
	if want := []int{503, 503, 201, 201}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if n := len(s.Outbox()); n != 2 {
		t.Errorf("%d mails, want 2", n)
	}
}

func TestFaultEvery(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		want  []int
	}{
		{"every 3rd", Fault{Status: 500, Every: 3}, []int{404, 404, 500, 404, 404, 500, 404, 404, 500}},
		{"every 2nd twice", Fault{Status: 500, Every: 2, Times: 2}, []int{404, 500, 404, 500, 404, 404, 404, 404, 404}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := start(t, Config{})
			s.InjectFault(EndpointVerifyToken, tt.fault)
			var got []int
			for range len(tt.want) {
				got = append(got, call(t, http.MethodGet, tokenURL(base, "unknown"), "").status)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("statuses = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFaultDrop(t *testing.T) {
	s, base := start(t, Config{})
	token := requestToken(t, s, base, adaEmail)
	s.InjectFault(EndpointFinishReset, Fault{Drop: true, Times: 1})
	if _, err := tryCall(t, http.MethodPost, tokenURL(base, token), `{"newPassword":"dropped one"}`); err == nil {
		t.Fatal("a dropped request got a response")
	}
	if a, _ := s.Account(adaEmail); a.Password != "" {
		t.Error("a dropped finish without AfterAction set the password")
	}
	if res := call(t, http.MethodPost, tokenURL(base, token), `{"newPassword":"second try"}`); res.status != http.StatusNoContent {
		t.Errorf("retry after drop: %d", res.status)
	}
	if got := s.Count(EndpointFinishReset); got != 2 {
		t.Errorf("Count(finish) = %d, want 2", got)
	}
}

func TestFaultAfterAction(t *testing.T) {
	t.Run("finish dropped after consuming the token", func(t *testing.T) {
		s, base := start(t, Config{})
		token := requestToken(t, s, base, adaEmail)
		s.InjectFault(EndpointFinishReset, Fault{Drop: true, AfterAction: true})
		if _, err := tryCall(t, http.MethodPost, tokenURL(base, token), `{"newPassword":"acted anyway"}`); err == nil {
			t.Fatal("a dropped request got a response")
		}
		if a, _ := s.Account(adaEmail); a.Password != "acted anyway" {
			t.Errorf("password = %q, want it set before the drop", a.Password)
		}
		s.ClearFaults()
		wantError(t, call(t, http.MethodGet, tokenURL(base, token), ""), http.StatusNotFound)
	})
	t.Run("request answered 503 after sending the mail", func(t *testing.T) {
		s, base := start(t, Config{})
		s.InjectFault(EndpointRequestReset, Fault{Status: 503, AfterAction: true, Times: 1})
		wantError(t, call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"ada@example.com"}`), 503)
		if n := len(s.Outbox()); n != 1 {
			t.Errorf("%d mails, want the one sent before the failure", n)
		}
	})
	t.Run("delay after action then the real answer", func(t *testing.T) {
		s, base := start(t, Config{})
		s.InjectFault(EndpointRequestReset, Fault{Delay: 20 * time.Millisecond, AfterAction: true})
		if res := call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"ada@example.com"}`); res.status != http.StatusCreated {
			t.Errorf("status %d", res.status)
		}
	})
}

func TestFaultDelay(t *testing.T) {
	s, base := start(t, Config{})
	token := requestToken(t, s, base, adaEmail)
	const delay = 100 * time.Millisecond
	s.InjectFault(EndpointVerifyToken, Fault{Delay: delay})
	began := time.Now()
	res := call(t, http.MethodGet, tokenURL(base, token), "")
	if res.status != http.StatusOK {
		t.Errorf("delayed request: %d, want the normal 200", res.status)
	}
	if took := time.Since(began); took < delay {
		t.Errorf("answered after %v, want at least %v", took, delay)
	}
}

func TestFaultDelayEndsOnShutdown(t *testing.T) {
	s := NewServer(Config{})
	base, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	s.InjectFault(EndpointOther, Fault{Delay: time.Hour})
	errc := make(chan error, 1)
	go func() {
		_, err := tryCall(t, http.MethodGet, base+"/slow", "")
		errc <- err
	}()
	// Wait (bounded) until the request is inside the delay.
	for i := 0; s.Count(EndpointOther) == 0; i++ {
		if i == 500 {
			t.Fatal("request never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	began := time.Now()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("Close took %v", took)
	}
	if err := <-errc; err == nil {
		t.Error("the delayed request got an answer after Close")
	}
}

func TestFaultDelayEndsWhenClientGivesUp(t *testing.T) {
	logged := make(chan int, 1)
	s, base := start(t, Config{RequestLogger: func(_ string, _ Endpoint, status int) { logged <- status }})
	s.InjectFault(EndpointVerifyToken, Fault{Delay: time.Hour, Status: 500})
	c := &http.Client{Timeout: 50 * time.Millisecond}
	if _, err := c.Get(tokenURL(base, "x")); err == nil {
		t.Fatal("got an answer despite the delay")
	}
	// The handler returns instead of sleeping for an hour, without answering.
	if status := <-logged; status != 0 {
		t.Errorf("logged status %d for an abandoned request", status)
	}
}

func TestFaultRedirect(t *testing.T) {
	s, base := start(t, Config{})
	s.InjectFault(EndpointRequestReset, Fault{RedirectTo: "http://127.0.0.1:1/elsewhere"})
	res := call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"ada@example.com"}`)
	if res.status != http.StatusTemporaryRedirect || res.header.Get("Location") != "http://127.0.0.1:1/elsewhere" {
		t.Errorf("got %d Location %q", res.status, res.header.Get("Location"))
	}
	if len(s.Outbox()) != 0 {
		t.Error("a redirected request sent a mail")
	}
}

func TestFaultOversizeBody(t *testing.T) {
	tests := []struct {
		name       string
		fault      Fault
		wantStatus int
	}{
		{"default 200", Fault{OversizeBody: 5 << 20}, 200},
		{"with status", Fault{OversizeBody: 100_001, Status: 500}, 500},
		{"pattern", Fault{OversizeBody: 70_000, Body: "abc"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := start(t, Config{})
			s.InjectFault(EndpointVerifyToken, tt.fault)
			res := call(t, http.MethodGet, tokenURL(base, "x"), "")
			if res.status != tt.wantStatus || len(res.body) != tt.fault.OversizeBody {
				t.Errorf("got %d with %d bytes, want %d with %d", res.status, len(res.body), tt.wantStatus, tt.fault.OversizeBody)
			}
			if p := cmpOr(tt.fault.Body, "x"); res.body != strings.Repeat(p, len(res.body)/len(p)+1)[:len(res.body)] {
				t.Error("body is not the pattern repeated")
			}
		})
	}
}

func TestInjectFaultReplacesAndClearFaultsRemoves(t *testing.T) {
	s, base := start(t, Config{})
	s.InjectFault(EndpointOther, Fault{Status: 500})
	s.InjectFault(EndpointOther, Fault{Status: 502})
	if got := call(t, http.MethodGet, base+"/x", "").status; got != 502 {
		t.Errorf("status %d, want the replacing fault's 502", got)
	}
	s.ClearFaults()
	if got := call(t, http.MethodGet, base+"/x", "").status; got != 404 {
		t.Errorf("status %d after ClearFaults, want 404", got)
	}
}

func TestRateLimit(t *testing.T) {
	c := newClock()
	s, base := start(t, Config{Now: c.Now, RateLimit: 2})
	reset := func() result {
		return call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"ada@example.com"}`)
	}
	for i := range 2 {
		if res := reset(); res.status != http.StatusCreated {
			t.Fatalf("request %d within the burst: %d", i, res.status)
		}
	}
	res := reset()
	wantError(t, res, http.StatusTooManyRequests)
	if got := res.header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	if n := len(s.Outbox()); n != 2 {
		t.Errorf("%d mails: a limited request acted", n)
	}
	if s.Count(EndpointRequestReset) != 3 {
		t.Error("the limited request was not journaled")
	}
	c.Advance(500 * time.Millisecond) // One request's worth at 2/s.
	if res := reset(); res.status != http.StatusCreated {
		t.Errorf("after refill: %d", res.status)
	}
	wantError(t, reset(), http.StatusTooManyRequests)
}

func TestRateLimitRetryAfterRoundsUp(t *testing.T) {
	now := newClock().Now()
	l := &rateLimiter{rate: 0.25, burst: 1}
	if limited, _ := l.limit(now); limited {
		t.Fatal("the first request was limited")
	}
	if limited, retryAfter := l.limit(now.Add(time.Second)); !limited || retryAfter != 3 {
		t.Errorf("limit = %v, Retry-After %d; want limited and 3 (4 s per request, 1 s passed)", limited, retryAfter)
	}
	if limited, retryAfter := l.limit(now.Add(1500 * time.Millisecond)); !limited || retryAfter != 3 {
		t.Errorf("limit = %v, Retry-After %d; want 2.5 s rounded up to 3", limited, retryAfter)
	}
}

func TestAdminEndpoints(t *testing.T) {
	s, base := start(t, Config{})
	root := strings.TrimSuffix(base, "/rest")
	for _, p := range []string{"/_standin/outbox", "/_standin/journal"} {
		if res := call(t, http.MethodGet, root+p, ""); res.body != "[]" {
			t.Errorf("empty %s = %q, want []", p, res.body)
		}
	}
	token := requestToken(t, s, base, adaEmail)

	var mails []Mail
	res := call(t, http.MethodGet, root+"/_standin/outbox", "")
	if err := json.Unmarshal([]byte(res.body), &mails); err != nil || len(mails) != 1 || mails[0].Token != token {
		t.Errorf("outbox = %s (%v)", res.body, err)
	}

	var journal []Request
	res = call(t, http.MethodGet, root+"/_standin/journal", "")
	if err := json.Unmarshal([]byte(res.body), &journal); err != nil || len(journal) != 1 || journal[0].Endpoint != EndpointRequestReset {
		t.Errorf("journal = %s (%v)", res.body, err)
	}

	res = call(t, http.MethodPost, root+"/_standin/faults",
		`{"endpoint":"verify_token","fault":{"status":503,"retryAfter":"3","times":1,"delay":"10ms"}}`)
	if res.status != http.StatusNoContent {
		t.Fatalf("inject: %d %s", res.status, res.body)
	}
	res = call(t, http.MethodGet, tokenURL(base, token), "")
	if res.status != 503 || res.header.Get("Retry-After") != "3" {
		t.Errorf("injected fault: %d Retry-After %q", res.status, res.header.Get("Retry-After"))
	}

	call(t, http.MethodPost, root+"/_standin/faults", `{"endpoint":"verify_token","fault":{"status":500}}`)
	if res := call(t, http.MethodDelete, root+"/_standin/faults", ""); res.status != http.StatusNoContent {
		t.Errorf("delete faults: %d", res.status)
	}
	if res := call(t, http.MethodGet, tokenURL(base, token), ""); res.status != 200 {
		t.Errorf("after DELETE faults: %d", res.status)
	}

	for _, bad := range []string{
		`{"endpoint":"nope","fault":{}}`,
		`{"endpoint":"other","fault":{"stauts":500}}`,
		`{"endpoint":"other","fault":{"delay":"soon"}}`,
		`not json`,
	} {
		wantError(t, call(t, http.MethodPost, root+"/_standin/faults", bad), http.StatusBadRequest)
	}
	if got := call(t, http.MethodPut, root+"/_standin/faults", "").header.Get("Allow"); got != "POST, DELETE" {
		t.Errorf("Allow = %q", got)
	}
	wantError(t, call(t, http.MethodPost, root+"/_standin/outbox", ""), http.StatusMethodNotAllowed)
	wantError(t, call(t, http.MethodGet, root+"/_standin/nothing", ""), http.StatusNotFound)

	if n := len(s.Journal()); n != 3 {
		t.Errorf("journal has %d entries, want the 3 API requests only", n)
	}
}

func TestStartAndClose(t *testing.T) {
	s := NewServer(Config{})
	if s.URL() != "" {
		t.Error("URL before Start")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close before Start: %v", err)
	}
	base, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/rest") || s.URL() != base {
		t.Errorf("base = %q, URL() = %q", base, s.URL())
	}
	if _, err := s.Start(""); err == nil {
		t.Error("second Start succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := tryCall(t, http.MethodGet, base+"/x", ""); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestRequestLogger(t *testing.T) {
	type entry struct {
		method string
		ep     Endpoint
		status int
	}
	logged := make(chan entry, 10)
	s, base := start(t, Config{RequestLogger: func(method string, ep Endpoint, status int) {
		logged <- entry{method, ep, status}
	}})
	token := requestToken(t, s, base, adaEmail)
	call(t, http.MethodGet, tokenURL(base, token), "")
	s.InjectFault(EndpointOther, Fault{Drop: true})
	_, _ = tryCall(t, http.MethodGet, base+"/x", "")
	call(t, http.MethodGet, strings.TrimSuffix(base, "/rest")+"/_standin/outbox", "")

	want := []entry{
		{http.MethodPost, EndpointRequestReset, 201},
		{http.MethodGet, EndpointVerifyToken, 200},
		{http.MethodGet, EndpointOther, 0},
	}
	// The drop's entry is logged after the client already saw the closed
	// connection, so wait for it, but not forever.
	var got []entry
	for range want {
		select {
		case e := <-logged:
			got = append(got, e)
		case <-time.After(5 * time.Second):
			t.Fatalf("logged only %v", got)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("logged %v, want %v", got, want)
	}
	if len(logged) != 0 {
		t.Errorf("logged more: %v (admin requests must not be logged)", <-logged)
	}
}

func TestConcurrentLoad(t *testing.T) {
	s := NewServer(Config{Accounts: DefaultAccounts()})
	s.InjectFault(EndpointVerifyToken, Fault{Status: 503, Every: 10})
	const workers, perWorker = 20, 500
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range workers {
		wg.Go(func() {
			for range perWorker {
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/rest/accounts/passwordReset/unknown", nil))
				mu.Lock()
				statuses[rec.Code]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	total := workers * perWorker
	if s.Count(EndpointVerifyToken) != total || len(s.Journal()) != total {
		t.Errorf("counted %d, journaled %d, want %d", s.Count(EndpointVerifyToken), len(s.Journal()), total)
	}
	if statuses[503] != total/10 || statuses[404] != total-total/10 {
		t.Errorf("statuses = %v, want exactly one in ten 503", statuses)
	}
}

func TestErrorAnswersNeverLeakSecrets(t *testing.T) {
	// Every error path in one place: none may echo the token or the password.
	const token, password = "secret+token%20value", "secret-pw"
	s, base := start(t, Config{PasswordMinLength: 8})
	if err := s.IssueToken(adaEmail, token); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ method, url, body string }{
		{http.MethodPost, tokenURL(base, token), `{"newPassword":"` + password[:3] + `"}`},
		{http.MethodPost, tokenURL(base, token+"x"), `{"newPassword":"` + password + `"}`},
		{http.MethodPost, tokenURL(base, token), `{"newPassword":"` + password},
		{http.MethodGet, tokenURL(base, token+"x"), ""},
		{http.MethodPut, tokenURL(base, token), `{"newPassword":"` + password + `"}`},
		{http.MethodGet, base + "/accounts/passwordReset/" + token + "/more", ""},
		{http.MethodPost, tokenURL(base, token), `{"NewPassword":"` + password + `"}`},
		{http.MethodPost, tokenURL(base, token), `{"newPassword":"` + password + `","consentGranted":"` + password + `"}`},
		{http.MethodPost, tokenURL(base, token), `{"newPassword":"` + strings.Repeat(password, 20) + `"}`},
	} {
		res := call(t, r.method, r.url, r.body)
		if res.status < 400 {
			t.Fatalf("%s %s: %d", r.method, r.url, res.status)
		}
		wantError(t, res, res.status, token, url.PathEscape(token), password, password[:3])
	}
}

// TestLatency_serverActsAfterClientGivesUp checks that latency is spent
// before the server acts and that a client which gives up during it still
// leaves the mail sent: the ambiguous outcome real servers produce.
func TestLatency_serverActsAfterClientGivesUp(t *testing.T) {
	s := NewServer(Config{
		Accounts: []Account{{Email: "late@example.com", FullName: "Late"}},
		Latency:  300 * time.Millisecond,
	})
	ts := httptest.NewServer(s)
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/rest/accounts/passwordReset", strings.NewReader(`{"email":"late@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the client got an answer (%d) before the latency passed", resp.StatusCode)
	}
	if n := len(s.MailsTo("late@example.com")); n != 0 {
		t.Fatalf("mails right after the client gave up = %d, want 0: latency must come before the action", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(s.MailsTo("late@example.com")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(s.MailsTo("late@example.com")); n != 1 {
		t.Fatalf("mails after the latency = %d, want 1: the server must act although the client left", n)
	}
}

// TestRateBurst checks that RateBurst, not RateLimit, sizes the bucket.
func TestRateBurst(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := NewServer(Config{RateLimit: 50, RateBurst: 5, Now: func() time.Time { return now }})
	ts := httptest.NewServer(s)
	defer ts.Close()
	statuses := map[int]int{}
	for range 8 {
		resp, err := client.Get(ts.URL + "/rest/accounts/passwordReset/nosuchtoken")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses[resp.StatusCode]++
	}
	if statuses[http.StatusTooManyRequests] != 3 || statuses[http.StatusNotFound] != 5 {
		t.Fatalf("statuses = %v, want 5 x 404 then 3 x 429", statuses)
	}
}

// The stand-in matches accounts by address.Key, the provider's rule:
// Unicode NFC, then full case folding.
func TestRequestReset_addressKey(t *testing.T) {
	s, base := start(t, Config{Accounts: []Account{
		{Email: "ſam@example.com", FullName: "Sam"},
		{Email: "İnfo@example.com", FullName: "Info"},
		{Email: "jos\u00e9@example.com", FullName: "José"},
	}})
	for _, c := range []struct {
		email string
		want  int
	}{
		{"sam@example.com", http.StatusCreated},         // strings.ToLower kept ſ: 404 before
		{"info@example.com", http.StatusNotFound},       // İ folds to i plus a dot
		{"jose\\u0301@example.com", http.StatusCreated}, // decomposed: 404 before
		{"JOS\\u00c9@example.com", http.StatusCreated},
	} {
		res := call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"`+c.email+`"}`)
		if res.status != c.want {
			t.Errorf("%s: %d, want %d", c.email, res.status, c.want)
		}
	}
	if n := len(s.Outbox()); n != 3 {
		t.Errorf("%d mails, want 3", n)
	}
}
