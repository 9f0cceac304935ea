package client

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

const (
	testEmail = "ada@example.com"
	testToken = "s3cret-t0ken+with:chars"
)

func newTestAPI(t *testing.T) *standin.Server {
	t.Helper()
	// A tenant policy of at least 8 characters (the contract sets no
	// minimum), so that a server-side refusal can be seen.
	api := standin.NewServer(standin.Config{PasswordMinLength: 8, Accounts: []standin.Account{
		{ID: "acc-ada", FullName: "Ada Lovelace", Email: testEmail, Status: "ENABLED"},
	}})
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	return api
}

func newTestClient(t *testing.T, endpoint string) *Client {
	t.Helper()
	c, err := New(Config{
		Endpoint:     endpoint,
		UserAgent:    "terraform-provider-clevermaps/test",
		Timeout:      2 * time.Second,
		MaxAttempts:  3,
		MinRetryWait: time.Millisecond,
		MaxRetryWait: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequestPasswordReset(t *testing.T) {
	api := newTestAPI(t)
	c := newTestClient(t, api.URL())

	if err := c.RequestPasswordReset(t.Context(), testEmail); err != nil {
		t.Fatalf("RequestPasswordReset: %v", err)
	}
	journal := api.Journal()
	if len(journal) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(journal))
	}
	r := journal[0]
	if r.Method != http.MethodPost || r.RawPath != "/rest/accounts/passwordReset" {
		t.Errorf("got %s %s", r.Method, r.RawPath)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || len(body) != 1 || body["email"] != testEmail {
		t.Errorf("body %q, want {\"email\":%q}", r.Body, testEmail)
	}
	if got := r.Header.Get("User-Agent"); got != "terraform-provider-clevermaps/test" {
		t.Errorf("User-Agent %q", got)
	}
	if n := len(api.MailsTo(testEmail)); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}

func TestRequestPasswordReset_noAccount(t *testing.T) {
	api := newTestAPI(t)
	c := newTestClient(t, api.URL())

	err := c.RequestPasswordReset(t.Context(), "nobody@example.com")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || apiErr.Message == "" {
		t.Errorf("got %#v, want an *APIError with status 404 and the server's message", err)
	}
	if n := api.Count(standin.EndpointRequestReset); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestVerifyResetToken(t *testing.T) {
	api := newTestAPI(t)
	if err := api.IssueToken(testEmail, testToken); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, api.URL())

	acct, err := c.VerifyResetToken(t.Context(), testToken)
	if err != nil {
		t.Fatalf("VerifyResetToken: %v", err)
	}
	if acct.ID != "acc-ada" || acct.Email != testEmail || acct.FullName != "Ada Lovelace" || acct.Status != "ENABLED" {
		t.Errorf("got %+v", acct)
	}
	// Verifying twice works: it does not consume the token.
	if _, err := c.VerifyResetToken(t.Context(), testToken); err != nil {
		t.Fatalf("second VerifyResetToken: %v", err)
	}
	for _, r := range api.Journal() {
		if want := "/rest/accounts/passwordReset/s3cret-t0ken+with:chars"; r.RawPath != want {
			t.Errorf("path %q, want %q", r.RawPath, want)
		}
	}

	if _, err := c.VerifyResetToken(t.Context(), "unknown"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: got %v, want ErrNotFound", err)
	}
}

func TestVerifyResetToken_retriesOn503(t *testing.T) {
	api := newTestAPI(t)
	if err := api.IssueToken(testEmail, testToken); err != nil {
		t.Fatal(err)
	}
	api.InjectFault(standin.EndpointVerifyToken, standin.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	c := newTestClient(t, api.URL())

	if _, err := c.VerifyResetToken(t.Context(), testToken); err != nil {
		t.Fatalf("VerifyResetToken: %v", err)
	}
	if n := api.Count(standin.EndpointVerifyToken); n != 2 {
		t.Errorf("server saw %d requests, want 2 (one 503, one success)", n)
	}
}

func TestVerifyResetToken_toleratesUnknownFields(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"a1","fullName":"Ada","email":"ada@example.com","status":"DISABLED",` +
			`"anonymous":true,"futureField":{"nested":[1,2]},"links":[{"rel":"self","href":"/x"}],` +
			`"preferences":{"language":"cs","sendNewsletter":true,"newPref":1},"onboarding":{"introShown":["a"],"tipsShown":[]}}`))
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/rest")

	acct, err := c.VerifyResetToken(t.Context(), "t")
	if err != nil {
		t.Fatal(err)
	}
	if acct.Status != "DISABLED" || !acct.Anonymous || acct.Preferences == nil || acct.Preferences.Language != "cs" ||
		acct.Onboarding == nil || len(acct.Onboarding.IntroShown) != 1 || len(acct.Links) != 1 {
		t.Errorf("got %+v", acct)
	}
}

func TestFinishPasswordReset(t *testing.T) {
	api := newTestAPI(t)
	if err := api.IssueToken(testEmail, testToken); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, api.URL())
	consent := true

	err := c.FinishPasswordReset(t.Context(), testToken, FinishResetRequest{NewPassword: "short", ConsentGranted: &consent})
	if !errors.Is(err, ErrPasswordRejected) {
		t.Fatalf("short password: got %v, want ErrPasswordRejected", err)
	}
	if strings.Contains(err.Error(), "short") {
		t.Errorf("error %q repeats the password", err)
	}

	const password = "correct horse battery staple"
	if err := c.FinishPasswordReset(t.Context(), testToken, FinishResetRequest{NewPassword: password, ConsentGranted: &consent}); err != nil {
		t.Fatalf("FinishPasswordReset: %v", err)
	}
	acct, _ := api.Account(testEmail)
	if acct.Password != password || acct.ConsentGranted == nil || !*acct.ConsentGranted {
		t.Errorf("account after reset: %+v", acct)
	}
	last := api.Journal()[len(api.Journal())-1]
	var body map[string]any
	if err := json.Unmarshal([]byte(last.Body), &body); err != nil || body["newPassword"] != password || body["consentGranted"] != true {
		t.Errorf("body %q", last.Body)
	}

	// Tokens are single use.
	err = c.FinishPasswordReset(t.Context(), testToken, FinishResetRequest{NewPassword: password})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("reused token: got %v, want ErrNotFound", err)
	}
}

// TestErrorsNeverContainTheToken provokes a transport error, whose Go error
// would print the full URL, and checks that neither the raw nor the escaped
// token appears in what the client returns.
func TestErrorsNeverContainTheToken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String() + "/rest"
	_ = ln.Close() // Nothing listens there now: connections are refused.

	c := newTestClient(t, endpoint)
	const token = "leak-me-not é+"
	_, verr := c.VerifyResetToken(t.Context(), token)
	ferr := c.FinishPasswordReset(t.Context(), token, FinishResetRequest{NewPassword: "hunter2-password"})
	for _, err := range []error{verr, ferr} {
		if err == nil {
			t.Fatal("expected an error")
		}
		var te *TransportError
		if !errors.As(err, &te) {
			t.Errorf("got %T %v, want *TransportError", err, err)
		}
		msg := err.Error()
		for _, secret := range []string{token, "leak-me-not", "hunter2-password"} {
			if strings.Contains(msg, secret) {
				t.Errorf("error %q contains secret %q", msg, secret)
			}
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantErr string
	}{
		{"https://secure.clevermaps.io/rest", ""},
		{"https://secure.clevermaps.io/rest/", ""},
		{"http://127.0.0.1:8080/rest", ""},
		{"", "empty"},
		{"secure.clevermaps.io/rest", "no scheme"},
		{"ftp://secure.clevermaps.io/rest", "not supported"},
		{"https://user:s3cr3tpw@secure.clevermaps.io/rest", "credentials"},
		{"https://secure.clevermaps.io/rest?x=1", "query"},
		{"https://secure.clevermaps.io/rest#frag", "fragment"},
		{"https:///rest", "no host"},
	} {
		_, err := ParseEndpoint(tc.in)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ParseEndpoint(%q): unexpected error %v", tc.in, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ParseEndpoint(%q) = %v, want error containing %q", tc.in, err, tc.wantErr)
		case err != nil && strings.Contains(err.Error(), "s3cr3tpw"):
			t.Errorf("ParseEndpoint(%q) error %q repeats credentials", tc.in, err)
		}
	}
}
