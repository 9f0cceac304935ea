package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		check   func(t *testing.T, o options)
	}{
		{"defaults", nil, false, func(t *testing.T, o options) {
			if o.listen != "127.0.0.1:8080" || o.tokenLifetime != time.Hour || o.passwordMin != 1 ||
				o.passwordMax != 100 || o.rateLimit != 0 || o.accountsFile != "" || o.urlFile != "" {
				t.Errorf("defaults = %+v", o)
			}
		}},
		{"all flags", []string{
			"-listen", "127.0.0.1:0", "-accounts", "seed.json", "-token-lifetime", "5m",
			"-password-min", "10", "-password-max", "20", "-rate-limit", "2.5", "-url-file", "url.txt",
			"-account", "x@example.com=Xavier Example", "-account", "y@example.com",
		}, false, func(t *testing.T, o options) {
			if o.listen != "127.0.0.1:0" || o.accountsFile != "seed.json" || o.tokenLifetime != 5*time.Minute ||
				o.passwordMin != 10 || o.passwordMax != 20 || o.rateLimit != 2.5 || o.urlFile != "url.txt" {
				t.Errorf("options = %+v", o)
			}
			want := []standin.Account{{Email: "x@example.com", FullName: "Xavier Example"}, {Email: "y@example.com", FullName: "y"}}
			if len(o.extraAccounts) != 2 || o.extraAccounts[0].Email != want[0].Email || o.extraAccounts[0].FullName != want[0].FullName ||
				o.extraAccounts[1].Email != want[1].Email || o.extraAccounts[1].FullName != want[1].FullName {
				t.Errorf("accounts = %+v, want %+v", o.extraAccounts, want)
			}
		}},
		{"loopback name", []string{"-listen", "localhost:8080"}, false, nil},
		{"IPv6 loopback", []string{"-listen", "[::1]:0"}, false, nil},
		{"every interface", []string{"-listen", "0.0.0.0:18080"}, true, nil},
		{"every interface, no host", []string{"-listen", ":8080"}, true, nil},
		{"every IPv6 interface", []string{"-listen", "[::]:8080"}, true, nil},
		{"LAN address", []string{"-listen", "192.168.1.10:8080"}, true, nil},
		{"host name", []string{"-listen", "build-01.example.com:8080"}, true, nil},
		{"a name that starts like the loopback", []string{"-listen", "127.0.0.1.nip.io:8080"}, true, nil},
		{"every interface with -allow-remote", []string{"-listen", "0.0.0.0:18080", "-allow-remote", "Build-01.example.com", "-allow-remote", "192.168.1.10"}, false, func(t *testing.T, o options) {
			if o.listen != "0.0.0.0:18080" || !slices.Equal(o.allowRemote, []string{"build-01.example.com", "192.168.1.10"}) {
				t.Errorf("listen %q, allowRemote %q", o.listen, o.allowRemote)
			}
		}},
		{"-allow-remote with a port", []string{"-listen", "0.0.0.0:18080", "-allow-remote", "build-01:18080"}, true, nil},
		{"-allow-remote as a URL", []string{"-listen", "0.0.0.0:18080", "-allow-remote", "http://build-01"}, true, nil},
		{"bad account", []string{"-account", "not-an-email"}, true, nil},
		{"account without domain", []string{"-account", "x@=X"}, true, nil},
		{"zero lifetime", []string{"-token-lifetime", "0s"}, true, nil},
		{"min above max", []string{"-password-min", "20", "-password-max", "10"}, true, nil},
		{"min zero", []string{"-password-min", "0"}, true, nil},
		{"max above the contract's 100", []string{"-password-max", "101"}, true, nil},
		{"negative rate", []string{"-rate-limit", "-1"}, true, nil},
		{"unknown flag", []string{"-nope"}, true, nil},
		{"stray argument", []string{"extra"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, o)
			}
		})
	}
	var help bytes.Buffer
	if _, err := parseFlags([]string{"-h"}, &help); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	for _, want := range []string{"-allow-remote HOST", "421", "Content-Type: application/json"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("-h does not mention %q:\n%s", want, help.String())
		}
	}
	// The refusal says how to serve other machines.
	if _, err := parseFlags([]string{"-listen", "0.0.0.0:18080"}, io.Discard); err == nil || !strings.Contains(err.Error(), "-allow-remote HOST") {
		t.Errorf("-listen 0.0.0.0:18080: %v, want an error naming -allow-remote", err)
	}
}

// TestListeningLineShowsTheBoundAddress checks that the line printed at start
// names the address as bound, not the loopback URL derived from it. Binding
// 0.0.0.0 in a test is not allowed, so the line is built from the address.
func TestListeningLineShowsTheBoundAddress(t *testing.T) {
	got := listeningLine(&net.TCPAddr{IP: net.IPv4zero, Port: 18080}, "http://127.0.0.1:18080/rest")
	if want := "clevermaps-standin listening on 0.0.0.0:18080, base URL http://127.0.0.1:18080/rest"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// syncBuffer lets the test read what the server goroutine writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesUntilCancelled(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(`[{"email":"seed@example.com","fullName":"Seed","status":"ENABLED","anonymous":false,"password":"old-password"}]`), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-url-file", urlFile, "-accounts", seed,
			"-account", "extra@example.com=Extra", "-allow-remote", "standin.test"}, &stdout, &stderr)
	}()

	var baseURL string
	for i := 0; ; i++ {
		if b, err := os.ReadFile(urlFile); err == nil {
			baseURL = strings.TrimSpace(string(b))
			break
		}
		if i == 500 {
			t.Fatalf("no URL file; stderr: %s", stderr.String())
		}
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v; stderr: %s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !strings.HasPrefix(baseURL, "http://127.0.0.1:") || !strings.HasSuffix(baseURL, "/rest") {
		t.Fatalf("base URL %q", baseURL)
	}

	for _, email := range []string{"seed@example.com", "extra@example.com"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+"/accounts/passwordReset",
			strings.NewReader(`{"email":"`+email+`"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := checkingClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Errorf("reset for %s: %d", email, resp.StatusCode)
		}
	}
	// The default seed is replaced by -accounts.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+"/accounts/passwordReset",
		strings.NewReader(`{"email":"ada@example.com"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := checkingClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("default account with -accounts: %d", resp.StatusCode)
	}

	// The outbox answers requests addressed to the loopback and to the host
	// -allow-remote names, and no other (DNS rebinding); its faults take JSON only.
	root := strings.TrimSuffix(baseURL, "/rest")
	for host, want := range map[string]int{strings.TrimPrefix(root, "http://"): http.StatusOK, "localhost": http.StatusOK, "standin.test:8080": http.StatusOK, "evil.test": http.StatusMisdirectedRequest} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, root+"/_standin/outbox", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("outbox with Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
	resp, err = http.Post(root+"/_standin/faults", "text/plain", strings.NewReader(`{"endpoint":"other","fault":{"status":500}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("fault posted as text/plain: %d, want 415", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
	hostPort := strings.TrimSuffix(strings.TrimPrefix(baseURL, "http://"), "/rest")
	if want := "clevermaps-standin listening on " + hostPort + ", base URL " + baseURL + "\n"; stdout.String() != want || strings.HasSuffix(hostPort, ":0") {
		t.Errorf("stdout = %q, want %q with the port really bound", stdout.String(), want)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "WARNING: serving other machines that address it as standin.test") {
		t.Errorf("stderr lacks the -allow-remote warning: %s", logs)
	}
	if !strings.Contains(logs, "POST request_reset 201") || !strings.Contains(logs, "POST request_reset 404") {
		t.Errorf("stderr lacks request lines: %s", logs)
	}
	if strings.Contains(logs, "@example.com") {
		t.Errorf("stderr logs request bodies: %s", logs)
	}
}

// checkingClient validates every answer against the API contract
// (standintest), so these tests fail on an answer outside it.
var checkingClient = &http.Client{Transport: &standintest.Transport{}, Timeout: 10 * time.Second}

// TestRunRejectsBadSeed checks that a seed account that breaks the official
// AccountDTO stops the command with an error naming the field, before it
// listens. Every rule is tested in the package (TestContract_decodeAccounts,
// TestContract_validateNamesTheField); here one field that is not one and one
// that breaks a constraint.
func TestRunRejectsBadSeed(t *testing.T) {
	for _, tt := range []struct{ seed, want string }{
		{`[{"email":"a@example.com","fulName":"typo"}]`, `"fulName": is not a field of AccountDTO`},
		{`[{"email":"a@example.com","fullName":"A","phoneNumber":"123"}]`, `phoneNumber: must be at least 6 characters`},
	} {
		seed := filepath.Join(t.TempDir(), "seed.json")
		if err := os.WriteFile(seed, []byte(tt.seed), 0o600); err != nil {
			t.Fatal(err)
		}
		urlFile := filepath.Join(t.TempDir(), "url")
		err := run(t.Context(), []string{"-listen", "127.0.0.1:0", "-accounts", seed, "-url-file", urlFile}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("seed %s: err = %v, want one containing %q", tt.seed, err, tt.want)
		}
		if _, statErr := os.Stat(urlFile); statErr == nil {
			t.Errorf("seed %s: the server started", tt.seed)
		}
	}
}

// TestAccountFlagSatisfiesContract serves the accounts -account makes through
// the JSON Schema of AccountDTO (the built-in ones are checked in the
// package, TestContract_defaultAccountsServedWithinSchema).
func TestAccountFlagSatisfiesContract(t *testing.T) {
	o, err := parseFlags([]string{"-account", "x@example.com", "-account", "y@example.com=Y Example"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	accounts := o.extraAccounts
	s := standin.NewServer(standin.Config{Accounts: accounts})
	base, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, a := range accounts {
		if err := s.IssueToken(a.Email, "tok-"+a.Email); err != nil {
			t.Fatal(err)
		}
		resp, err := checkingClient.Get(base + "/accounts/passwordReset/tok-" + a.Email)
		if err != nil {
			t.Fatalf("%s: %v", a.Email, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", a.Email, resp.StatusCode)
		}
		if err := standintest.ValidateJSON("AccountDTO", body); err != nil {
			t.Errorf("%s: %v", a.Email, err)
		}
	}
}
