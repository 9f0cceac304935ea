package standin

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// callHost sends one request like call, with the Host header set to host
// while the connection still goes to the stand-in on 127.0.0.1: what a web
// page does after DNS rebinding, or a client using a name for the machine.
func callHost(t *testing.T, method, target, host, body string) result {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	// Not the checking client: 421 is the stand-in's own refusal, not an
	// answer of the API whose contract it checks.
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatalf("%s with Host %q: %v", method, host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// TestHost_foreignHostIsRefusedBeforeAnythingHappens checks that requests
// addressed to a host other than a loopback one get 421 and change nothing:
// no token leaves the outbox, no mail is sent, no fault is injected or used
// up, nothing is journaled or counted.
func TestHost_foreignHostIsRefusedBeforeAnythingHappens(t *testing.T) {
	const token = "live-token"
	s, base := start(t, Config{RateLimit: 100})
	root := strings.TrimSuffix(base, "/rest")
	if err := s.IssueToken(adaEmail, token); err != nil {
		t.Fatal(err)
	}
	s.InjectFault(EndpointRequestReset, Fault{Status: http.StatusServiceUnavailable, Times: 1})

	for _, host := range []string{
		"evil.example", "evil.example:18080", "127.0.0.1.evil.example", "localhost.evil.example",
		"10.0.0.1", "[::2]:80", "0.0.0.0", "128.0.0.1:8080",
	} {
		for _, r := range []struct{ method, url, body string }{
			{http.MethodGet, root + "/_standin/outbox", ""},
			{http.MethodGet, root + "/_standin/journal", ""},
			{http.MethodPost, root + "/_standin/faults", `{"endpoint":"verify_token","fault":{"status":500}}`},
			{http.MethodDelete, root + "/_standin/faults", ""},
			{http.MethodGet, tokenURL(base, token), ""},
			{http.MethodPost, tokenURL(base, token), `{"newPassword":"from elsewhere"}`},
			{http.MethodPost, base + "/accounts/passwordReset", `{"email":"ada@example.com"}`},
		} {
			res := callHost(t, r.method, r.url, host, r.body)
			e := wantError(t, res, http.StatusMisdirectedRequest, token)
			if !strings.Contains(e.Message, "loopback") {
				t.Errorf("%s %s with Host %q: message %q does not say why", r.method, r.url, host, e.Message)
			}
		}
	}
	// An HTTP/1.0 request may carry no Host at all; it is not served either.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/_standin/outbox", nil)
	req.Host = ""
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusMisdirectedRequest || strings.Contains(rec.Body.String(), token) {
		t.Errorf("without Host: %d %s", rec.Code, rec.Body)
	}

	if a, _ := s.Account(adaEmail); a.Password != "" {
		t.Errorf("a refused request set the password")
	}
	if n := len(s.Outbox()); n != 1 {
		t.Errorf("outbox has %d mails, want only the issued one", n)
	}
	if n := len(s.Journal()); n != 0 {
		t.Errorf("refused requests were journaled: %d entries", n)
	}
	// The fault is still armed and still unused, and the same token still
	// verifies: the refused requests neither injected, cleared nor took it.
	wantError(t, call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"ada@example.com"}`), http.StatusServiceUnavailable)
	if res := call(t, http.MethodGet, tokenURL(base, token), ""); res.status != http.StatusOK {
		t.Errorf("verify from 127.0.0.1 after the refused requests: %d", res.status)
	}
}

// TestHost_loopbackNamesAreServed checks every form of a loopback Host a
// client on this machine may send.
func TestHost_loopbackNamesAreServed(t *testing.T) {
	_, base := start(t, Config{})
	root := strings.TrimSuffix(base, "/rest")
	port := base[strings.LastIndex(base, ":")+1 : strings.LastIndex(base, "/rest")]
	for _, host := range []string{
		"127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LocalHost.", "127.9.9.9:1",
		"[::1]:" + port, "[::1]", "[::ffff:127.0.0.1]:80",
	} {
		if res := callHost(t, http.MethodGet, root+"/_standin/outbox", host, ""); res.status != http.StatusOK {
			t.Errorf("Host %q: %d %s", host, res.status, res.body)
		}
	}
}

// TestHost_remoteHostsAreServed checks that Config.RemoteHosts adds exactly
// the names given, with any port and in any case, and nothing else.
func TestHost_remoteHostsAreServed(t *testing.T) {
	_, base := start(t, Config{RemoteHosts: []string{"StandIn.LAN", "192.0.2.10", "[2001:db8::1]"}})
	root := strings.TrimSuffix(base, "/rest")
	for host, want := range map[string]int{
		"standin.lan:18080":     http.StatusOK,
		"STANDIN.lan.":          http.StatusOK,
		"192.0.2.10":            http.StatusOK,
		"[2001:db8:0::1]:80":    http.StatusOK,
		"127.0.0.1":             http.StatusOK,
		"other.lan":             http.StatusMisdirectedRequest,
		"standin.lan.evil.test": http.StatusMisdirectedRequest,
		"192.0.2.11":            http.StatusMisdirectedRequest,
		"evil.test#standin.lan": http.StatusMisdirectedRequest,
	} {
		if res := callHost(t, http.MethodGet, root+"/_standin/outbox", host, ""); res.status != want {
			t.Errorf("Host %q: %d, want %d", host, res.status, want)
		}
	}
}

func TestParseRemoteHost(t *testing.T) {
	for in, want := range map[string]string{
		"standin.lan": "standin.lan", " Build-01.Example.COM. ": "build-01.example.com",
		"192.0.2.10": "192.0.2.10", "[2001:DB8::1]": "2001:db8::1", "::ffff:192.0.2.1": "192.0.2.1",
	} {
		if got, err := ParseRemoteHost(in); err != nil || got != want {
			t.Errorf("ParseRemoteHost(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".", "standin.lan:8080", "http://standin.lan", "a b", "user@host", "[::1]:80"} {
		if got, err := ParseRemoteHost(in); err == nil {
			t.Errorf("ParseRemoteHost(%q) = %q, want an error", in, got)
		}
	}
}

// TestStart_listensOnLoopbackOnly checks that Start refuses, before it
// listens, every address that is not a loopback one, and reports the address
// it really bound. No test binds anything but 127.0.0.1.
func TestStart_listensOnLoopbackOnly(t *testing.T) {
	for _, addr := range []string{
		"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "10.0.0.1:8080", "example.com:0",
		"localhost.example.com:0", "127.0.0.1.nip.io:0", "127.0.0.1", "[::2]:0",
	} {
		if err := CheckLoopbackListen(addr); err == nil {
			t.Errorf("CheckLoopbackListen(%q) accepted it", addr)
		}
		s := NewServer(Config{})
		if base, err := s.Start(addr); err == nil {
			_ = s.Close()
			t.Errorf("Start(%q) listened at %s", addr, base)
		} else if !strings.Contains(err.Error(), "RemoteHosts") {
			t.Errorf("Start(%q): %v does not say how to serve other machines", addr, err)
		}
		if s.Addr() != nil || s.URL() != "" {
			t.Errorf("Start(%q) failed but the server has an address", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "127.0.0.2:8080", "localhost:0", "LOCALHOST:0", "[::1]:0", "[::ffff:127.0.0.1]:0"} {
		if err := CheckLoopbackListen(addr); err != nil {
			t.Errorf("CheckLoopbackListen(%q): %v", addr, err)
		}
	}

	s := NewServer(Config{})
	base, err := s.Start("localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bound, ok := s.Addr().(*net.TCPAddr)
	if !ok || !bound.IP.IsLoopback() || bound.Port == 0 {
		t.Fatalf("Addr() = %v, want the loopback address and port really bound", s.Addr())
	}
	if want := "http://" + bound.String() + "/rest"; base != want {
		t.Errorf("base URL %q, want %q", base, want)
	}
}

// TestAdmin_postNeedsJSON checks that a fault is injected only by a POST
// declaring application/json: a web page can send text/plain, forms and
// multipart anywhere without a CORS preflight.
func TestAdmin_postNeedsJSON(t *testing.T) {
	s, base := start(t, Config{})
	root := strings.TrimSuffix(base, "/rest")
	token := requestToken(t, s, base, adaEmail)
	const fault = `{"endpoint":"verify_token","fault":{"status":503,"retryAfter":"1"}}`
	for _, ct := range []string{"", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x", "application/jsonx", "application/json-patch+json", "text/json"} {
		wantError(t, postAs(t, root+"/_standin/faults", ct, fault), http.StatusUnsupportedMediaType)
		if res := call(t, http.MethodGet, tokenURL(base, token), ""); res.status != http.StatusOK {
			t.Fatalf("after a POST with Content-Type %q the fault is in place: %d", ct, res.status)
		}
	}
	for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON"} {
		if res := postAs(t, root+"/_standin/faults", ct, fault); res.status != http.StatusNoContent {
			t.Errorf("Content-Type %q: %d %s", ct, res.status, res.body)
		}
	}
	if res := call(t, http.MethodGet, tokenURL(base, token), ""); res.status != http.StatusServiceUnavailable {
		t.Errorf("the fault posted as JSON is not in place: %d", res.status)
	}
}
