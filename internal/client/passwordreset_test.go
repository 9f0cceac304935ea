package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// cannedServer answers every request with status, contentType and body, and
// counts requests by method.
type cannedServer struct {
	*httptest.Server
	gets, posts atomic.Int32
}

func newCannedServer(t *testing.T, status int, contentType, body string) *cannedServer {
	t.Helper()
	cs := &cannedServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			cs.gets.Add(1)
		} else {
			cs.posts.Add(1)
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(cs.Close)
	return cs
}

// A page that a sign-in gateway in front of a wrong endpoint would serve.
const loginPage = `<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action="/login" method="post">` +
	`<input name="username"><input name="password" type="password"></form></body></html>`

// TestVerifyResetToken_notAnAccount answers a verification with 200 and a body
// that is not an account. Each must be an error that says the endpoint does
// not answer as the API does, not a valid token of an account with no id.
func TestVerifyResetToken_notAnAccount(t *testing.T) {
	for _, tc := range []struct{ name, contentType, body string }{
		{"empty object", "application/json", `{}`},
		{"null", "application/json", `null`},
		{"unrelated JSON", "application/json", `{"unrelated":true}`},
		{"id only", "application/json", `{"id":"acc-1"}`},
		{"empty required fields", "application/json", `{"id":"","email":"","fullName":""}`},
		{"null required fields", "application/json", `{"id":null,"email":null,"fullName":null}`},
		{"sign-in page", "text/html; charset=utf-8", loginPage},
		{"page without content type", "", loginPage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCannedServer(t, http.StatusOK, tc.contentType, tc.body)
			c := newTestClient(t, srv.URL+"/rest")
			acct, err := c.VerifyResetToken(t.Context(), testToken)
			if err == nil {
				t.Fatalf("got account %+v, want an error", acct)
			}
			var uerr *UnexpectedResponseError
			if !errors.As(err, &uerr) || !errors.Is(err, ErrNotCleverMaps) || uerr.StatusCode != http.StatusOK {
				t.Errorf("got %T %v, want an *UnexpectedResponseError with status 200 matching ErrNotCleverMaps", err, err)
			}
			if !strings.Contains(err.Error(), "does not answer as the CleverMaps API does") {
				t.Errorf("error %q does not say what is wrong", err)
			}
			if errors.Is(err, ErrNotFound) {
				t.Errorf("error %v matches ErrNotFound: the token would be reported as unknown", err)
			}
			if strings.Contains(err.Error(), "password") || strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q quotes the body or the token", err)
			}
			if n := srv.gets.Load(); n != 1 {
				t.Errorf("%d requests, want 1: a wrong answer is not a transient failure", n)
			}
		})
	}
}

// TestVerifyResetToken_minimalAccount checks that the contract's required
// fields alone are enough: the check must not refuse a real account.
func TestVerifyResetToken_minimalAccount(t *testing.T) {
	srv := newCannedServer(t, http.StatusOK, "application/json", `{"id":"a1","email":"ada@example.com","fullName":"A"}`)
	acct, err := newTestClient(t, srv.URL+"/rest").VerifyResetToken(t.Context(), testToken)
	if err != nil || acct.ID != "a1" || acct.Email != "ada@example.com" || acct.FullName != "A" {
		t.Fatalf("got %+v, %v; want the account", acct, err)
	}
}

// postCase is one answer to a POST and what the client must make of it.
type postCase struct {
	name        string
	status      int
	contentType string
	body        string
	success     bool
}

// postAnswers are the answers to the send (documented: 201) and the finish
// (documented: 204). A 2xx with an empty body or the documented status is the
// API's success; any other 2xx with a body is something else answering.
func postAnswers(documented int) []postCase {
	return []postCase{
		{name: "documented status", status: documented, success: true},
		{name: "documented status with a body", status: documented, contentType: "application/json", body: `{"ok":true}`, success: true},
		{name: "200 empty", status: http.StatusOK, success: true},
		{name: "200 whitespace only", status: http.StatusOK, contentType: "text/plain", body: " \r\n", success: true},
		{name: "202 empty", status: http.StatusAccepted, success: true},
		{name: "200 sign-in page", status: http.StatusOK, contentType: "text/html; charset=utf-8", body: loginPage},
		{name: "200 page labelled as JSON", status: http.StatusOK, contentType: "application/json", body: loginPage},
		{name: "200 other JSON", status: http.StatusOK, contentType: "application/json", body: `{"status":"UP","service":"gateway"}`},
		{name: "200 text", status: http.StatusOK, contentType: "text/plain", body: "OK"},
	}
}

// TestSend_answersThatOnlyLookLikeSuccess (RequestPasswordReset): an answer that
// did not come from the API is not a success, and since the request was
// delivered to something that answered, whether a mail went out is unknown.
// It is reported as an unknown outcome, which no caller repeats by default.
func TestSend_answersThatOnlyLookLikeSuccess(t *testing.T) {
	for _, tc := range postAnswers(http.StatusCreated) {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCannedServer(t, tc.status, tc.contentType, tc.body)
			err := newTestClient(t, srv.URL+"/rest").RequestPasswordReset(t.Context(), testEmail)
			if n := srv.posts.Load(); n != 1 {
				t.Errorf("%d requests, want exactly 1", n)
			}
			if tc.success {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var uerr *UnexpectedResponseError
			if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrNotCleverMaps) || !errors.As(err, &uerr) || uerr.StatusCode != tc.status {
				t.Fatalf("got %T %v, want an unknown outcome caused by an *UnexpectedResponseError (status %d)", err, err, tc.status)
			}
			if errors.Is(err, ErrNotSent) {
				t.Errorf("error %v matches ErrNotSent: a caller would send the mail again", err)
			}
			if !strings.Contains(err.Error(), "201 Created") {
				t.Errorf("error %q does not say what the API answers", err)
			}
		})
	}
}

// TestFinishPasswordReset_answersThatOnlyLookLikeSuccess: for the finish,
// such an answer is an error, so that the reset is not recorded as done while
// the old password may still work. It is not an unknown outcome: no probe and
// no second request.
func TestFinishPasswordReset_answersThatOnlyLookLikeSuccess(t *testing.T) {
	for _, tc := range postAnswers(http.StatusNoContent) {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCannedServer(t, tc.status, tc.contentType, tc.body)
			const password = "pw-SECRET-77aa"
			err := newTestClient(t, srv.URL+"/rest").FinishPasswordReset(t.Context(), testToken, FinishResetRequest{NewPassword: password})
			if p, g := srv.posts.Load(), srv.gets.Load(); p != 1 || g != 0 {
				t.Errorf("%d POSTs and %d verification probes, want 1 and 0", p, g)
			}
			if tc.success {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var uerr *UnexpectedResponseError
			if !errors.As(err, &uerr) || !errors.Is(err, ErrNotCleverMaps) || uerr.StatusCode != tc.status {
				t.Fatalf("got %T %v, want an *UnexpectedResponseError with status %d", err, err, tc.status)
			}
			for _, sentinel := range []error{ErrOutcomeUnknown, ErrNotFound, ErrPasswordRejected, ErrNotSent} {
				if errors.Is(err, sentinel) {
					t.Errorf("error %v matches %v", err, sentinel)
				}
			}
			if !strings.Contains(err.Error(), "204 No Content") {
				t.Errorf("error %q does not say what the API answers", err)
			}
			if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

// TestSend_serverErrorsAreUnknownOutcomes: after any 5xx a proxy or CDN may
// have answered after the API acted (520, 524 ...), so the send is an unknown
// outcome, sent once and never repeated; only 501 and 505 say the request
// was not handled, and a caller may send it again.
func TestSend_serverErrorsAreUnknownOutcomes(t *testing.T) {
	for _, c := range []struct {
		status  int
		unknown bool
	}{
		{500, true}, {502, true}, {504, true}, {507, true}, {520, true}, {524, true}, {599, true},
		{501, false}, {505, false},
	} {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			srv := newCannedServer(t, c.status, "application/json", `{"status":`+fmt.Sprint(c.status)+`,"message":"failed"}`)
			err := newTestClient(t, srv.URL+"/rest").RequestPasswordReset(t.Context(), testEmail)
			if err == nil {
				t.Fatal("got success")
			}
			if got := errors.Is(err, ErrOutcomeUnknown); got != c.unknown {
				t.Errorf("%d: unknown outcome %v, want %v (%v)", c.status, got, c.unknown, err)
			}
			if c.unknown && srv.posts.Load() != 1 {
				t.Errorf("%d: %d requests, want exactly 1", c.status, srv.posts.Load())
			}
		})
	}
}
