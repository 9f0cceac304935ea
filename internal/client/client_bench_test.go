package client

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchAccountJSON is an account body as the API serves it, with every field
// the provider reads and a few it ignores.
const benchAccountJSON = `{
  "id": "k3v9q2m7x4p8r1ta",
  "fullName": "Ada Lovelace",
  "email": "ada@example.com",
  "consentGranted": true,
  "status": "ENABLED",
  "anonymous": false,
  "phoneNumber": "+420777123456",
  "preferences": {
    "language": "en",
    "lastActiveProject": "p7w2n5c8d1f4g6hj",
    "lastActiveOrganization": "o2b6e9k1m3s5u7wy",
    "sendNewsletter": true
  },
  "onboarding": {"introShown": ["dashboard", "map"], "tipsShown": ["filters", "indicators", "export"]},
  "links": [{"rel": "self", "href": "/rest/accounts/k3v9q2m7x4p8r1ta"}]
}`

// newInstantAPI starts a server that answers the reset endpoints at once and
// keeps no state, so that the benchmarks measure the client and the loopback
// round trip, not the stand-in's bookkeeping (its journal grows with b.N).
func newInstantAPI(b *testing.B) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/rest/accounts/passwordReset":
			w.WriteHeader(http.StatusCreated)
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/rest/accounts/passwordReset/"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, benchAccountJSON)
		default:
			http.NotFound(w, r)
		}
	}))
	b.Cleanup(srv.Close)
	return srv
}

func newBenchClient(b *testing.B, endpoint string) *Client {
	b.Helper()
	c, err := New(Config{Endpoint: endpoint})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkRequestPasswordReset is one POST /accounts/passwordReset, the call
// the reset request resources make once per address.
func BenchmarkRequestPasswordReset(b *testing.B) {
	srv := newInstantAPI(b)
	c := newBenchClient(b, srv.URL+"/rest")
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.RequestPasswordReset(ctx, testEmail); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestPasswordResetParallel sends from several goroutines through
// one client, as the batch resource does, so the shared pacer and connection
// pool are on the path.
func BenchmarkRequestPasswordResetParallel(b *testing.B) {
	srv := newInstantAPI(b)
	c := newBenchClient(b, srv.URL+"/rest")
	ctx := b.Context()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.RequestPasswordReset(ctx, testEmail); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifyResetToken is one GET /accounts/passwordReset/{token} with
// the account decoded, the call behind the reset token data source.
func BenchmarkVerifyResetToken(b *testing.B) {
	srv := newInstantAPI(b)
	c := newBenchClient(b, srv.URL+"/rest")
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		acct, err := c.VerifyResetToken(ctx, testToken)
		if err != nil {
			b.Fatal(err)
		}
		if acct.Email != testEmail {
			b.Fatalf("email %q, want %q", acct.Email, testEmail)
		}
	}
}

// BenchmarkDecodeAccount is the JSON decoding VerifyResetToken does.
func BenchmarkDecodeAccount(b *testing.B) {
	body := []byte(benchAccountJSON)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var acct Account
		if err := json.Unmarshal(body, &acct); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkURLForToken builds the escaped token URL, which every token call
// does before sending.
func BenchmarkURLForToken(b *testing.B) {
	c := newBenchClient(b, "https://secure.clevermaps.io/rest")
	b.ReportAllocs()
	for b.Loop() {
		if u := c.tokenURL(testToken); u.Host == "" {
			b.Fatal("no host")
		}
	}
}
