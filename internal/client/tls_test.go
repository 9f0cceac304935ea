package client

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/testca"
)

// quietLog discards the test servers' reports of refused handshakes.
var quietLog = log.New(io.Discard, "", 0)

// tlsTestPassword is a distinctive password for the TLS failure tests.
const tlsTestPassword = "pw-TLS-SECRET-5c1d"

// newTLSStandin serves a fresh stand-in over TLS with ca's server
// certificate, HTTP/2 enabled as a real API front would have it. protoMajor
// receives the HTTP major version of the last request served.
func newTLSStandin(t *testing.T, ca *testca.CA) (api *standin.Server, endpoint string, protoMajor *atomic.Int32) {
	t.Helper()
	api = standin.NewServer(standin.Config{Accounts: []standin.Account{
		{ID: "acc-ada", FullName: "Ada Lovelace", Email: testEmail, Status: "ENABLED"},
	}})
	protoMajor = new(atomic.Int32)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protoMajor.Store(int32(r.ProtoMajor)) //nolint:gosec // 1, 2 or 3.
		api.ServeHTTP(w, r)
	}))
	srv.EnableHTTP2 = true
	srv.TLS = ca.ServerTLSConfig()
	srv.Config.ErrorLog = quietLog // Refused handshakes are expected.
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return api, srv.URL + standin.APIPrefix, protoMajor
}

func newTLSClient(t *testing.T, endpoint string, caPEM []byte) *Client {
	t.Helper()
	c, err := New(Config{
		Endpoint:  endpoint,
		UserAgent: "terraform-provider-clevermaps/test",
		Timeout:   5 * time.Second,
		// A failed handshake is not retried here, so that each test sees
		// exactly one.
		MaxAttempts: 1,
		CACertPEM:   caPEM,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCACertPEM_trustsTheGivenCA: against a server whose certificate a CA of
// the test signed, calls fail with an unknown-authority error (redacted:
// neither the token in the path nor the password in the body shows, and the
// server received no request) until that CA is given in CACertPEM; then they
// succeed, over HTTP/2 as before.
func TestCACertPEM_trustsTheGivenCA(t *testing.T) {
	ca := testca.New(t)
	api, endpoint, protoMajor := newTLSStandin(t, ca)
	if err := api.IssueToken(testEmail, testToken); err != nil {
		t.Fatal(err)
	}

	untrusting := newTLSClient(t, endpoint, nil)
	for name, call := range map[string]func() error{
		"verify": func() error { _, err := untrusting.VerifyResetToken(t.Context(), testToken); return err },
		"finish": func() error {
			return untrusting.FinishPasswordReset(t.Context(), testToken, FinishResetRequest{NewPassword: tlsTestPassword})
		},
	} {
		err := call()
		var unknown x509.UnknownAuthorityError
		var te *TransportError
		if !errors.As(err, &unknown) || !errors.As(err, &te) {
			t.Fatalf("%s without the CA: got %v (%T), want a *TransportError for an unknown authority", name, err, err)
		}
		msg := err.Error()
		for _, secret := range []string{testToken, url.PathEscape(testToken), url.QueryEscape(testToken), tlsTestPassword} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: the error shows a secret: %s", name, msg)
			}
		}
		if !strings.Contains(msg, "unknown authority") {
			t.Errorf("%s: the error does not say what is wrong: %s", name, msg)
		}
		// A refused handshake comes before any request: a POST that ends
		// there is known not to have acted, not of unknown outcome.
		if name == "finish" && (!errors.Is(err, ErrNotSent) || errors.Is(err, ErrOutcomeUnknown)) {
			t.Errorf("finish: a refused handshake is not reported as not sent: %v", err)
		}
	}
	if n := len(api.Journal()); n != 0 {
		t.Fatalf("the server received %d request(s) over unverified TLS, want none", n)
	}

	acct, err := newTLSClient(t, endpoint, ca.CertPEM).VerifyResetToken(t.Context(), testToken)
	if err != nil {
		t.Fatalf("with the CA the token check failed: %v", err)
	}
	if acct.Email != testEmail {
		t.Errorf("account %+v, want %s", acct, testEmail)
	}
	if got := protoMajor.Load(); got != 2 {
		t.Errorf("the request used HTTP/%d, want HTTP/2 (the transport's own TLS settings must not turn it off)", got)
	}
}

// TestTLS_refusesOldVersions: a server that speaks at most TLS 1.1 is
// refused before any request is sent, even with its CA trusted. A plain
// tls.Dial limited to 1.1 proves the server does answer handshakes, so the
// refusal comes from the client's floor and not from a broken server.
func TestTLS_refusesOldVersions(t *testing.T) {
	ca := testca.New(t)
	var served atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{ca.Server},
		MinVersion:   tls.VersionTLS10, //nolint:gosec // The point of the test.
		MaxVersion:   tls.VersionTLS11,
	}
	srv.Config.ErrorLog = quietLog
	srv.StartTLS()
	t.Cleanup(srv.Close)

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM)
	conn, err := tls.Dial("tcp", srv.Listener.Addr().String(), &tls.Config{
		RootCAs: roots, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11, //nolint:gosec // The control.
	})
	if err != nil {
		t.Fatalf("control: a TLS 1.1 client cannot reach the server either, so the test proves nothing: %v", err)
	}
	if v := conn.ConnectionState().Version; v != tls.VersionTLS11 {
		t.Fatalf("control: negotiated %s, want TLS 1.1", tls.VersionName(v))
	}
	_ = conn.Close()

	c := newTLSClient(t, srv.URL+"/rest", ca.CertPEM)
	_, err = c.VerifyResetToken(t.Context(), testToken)
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("a TLS 1.1 server was not refused: got %v (%T)", err, err)
	}
	if !strings.Contains(err.Error(), "version") {
		t.Errorf("the error does not name the protocol version: %v", err)
	}
	if n := served.Load(); n != 0 {
		t.Errorf("the server answered %d request(s) over TLS 1.1", n)
	}
}

// TestCACertPEM_addsToSystemRoots: the given CA is added to the system's
// roots, not put in their place, so that a server signed by a CA of the
// system store stays trusted. The system store is read once per process, so
// the check runs in a child process whose store is one test CA
// (SSL_CERT_FILE), with a second test CA given in CACertPEM.
func TestCACertPEM_addsToSystemRoots(t *testing.T) {
	if os.Getenv("CLEVERMAPS_TLS_CHILD") == "1" {
		systemRootsChild(t)
		return
	}
	systemCA, givenCA := testca.New(t), testca.New(t)
	_, systemURL, _ := newTLSStandin(t, systemCA)
	_, givenURL, _ := newTLSStandin(t, givenCA)
	dir := t.TempDir()
	systemFile := filepath.Join(dir, "system.pem")
	if err := os.WriteFile(systemFile, systemCA.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCACertPEM_addsToSystemRoots$", "-test.v")
	cmd.Env = append(os.Environ(),
		"CLEVERMAPS_TLS_CHILD=1",
		"SSL_CERT_FILE="+systemFile,
		// An empty directory, so that the machine's own store stays out.
		"SSL_CERT_DIR="+t.TempDir(),
		"CLEVERMAPS_TLS_SYSTEM_URL="+systemURL,
		"CLEVERMAPS_TLS_GIVEN_URL="+givenURL,
		"CLEVERMAPS_TLS_GIVEN_PEM="+string(givenCA.CertPEM),
	)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestCACertPEM_addsToSystemRoots") {
		t.Fatalf("child process: %v\n%s", err, out)
	}
}

func systemRootsChild(t *testing.T) {
	systemURL, givenURL := os.Getenv("CLEVERMAPS_TLS_SYSTEM_URL"), os.Getenv("CLEVERMAPS_TLS_GIVEN_URL")
	givenPEM := []byte(os.Getenv("CLEVERMAPS_TLS_GIVEN_PEM"))
	check := func(name, endpoint string, caPEM []byte, wantOK bool) {
		// An unknown token is a 404, which is an answer: the handshake
		// worked. Only a transport error means it did not.
		_, err := newTLSClient(t, endpoint, caPEM).VerifyResetToken(t.Context(), "tok-unknown")
		var te *TransportError
		if gotOK := !errors.As(err, &te); gotOK != wantOK {
			t.Errorf("%s: handshake ok = %v, want %v (%v)", name, gotOK, wantOK, err)
		}
	}
	// Controls: the system store is the one this test set up.
	check("system CA, nothing given", systemURL, nil, true)
	check("given CA, nothing given", givenURL, nil, false)
	// The point: both are trusted when one is given.
	check("given CA, given", givenURL, givenPEM, true)
	check("system CA, other CA given", systemURL, givenPEM, true)
}

func TestParseCACertPEM(t *testing.T) {
	ca1, ca2 := testca.New(t), testca.New(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	certBody := strings.TrimSuffix(string(ca1.CertPEM), "-----END CERTIFICATE-----\n")
	bundle := "# Issuer: first test CA\n" + string(ca1.CertPEM) + "\n# Issuer: second test CA\n" + string(ca2.CertPEM)

	for _, tt := range []struct {
		name, pem string
		want      int    // certificates, when valid
		errPart   string // part of the error, when not
	}{
		{name: "one certificate", pem: string(ca1.CertPEM), want: 1},
		{name: "bundle with comments", pem: bundle, want: 2},
		{name: "empty", pem: "", errPart: "no PEM certificate"},
		{name: "not PEM", pem: "hello, this is not a certificate", errPart: "no PEM certificate"},
		{name: "private key", pem: string(keyPEM), errPart: `"EC PRIVATE KEY", not a CERTIFICATE; a private key never belongs here`},
		{name: "certificate then key", pem: string(ca1.CertPEM) + string(keyPEM), errPart: "PEM block 2"},
		{name: "OpenSSL trusted certificate", pem: strings.ReplaceAll(string(ca1.CertPEM), "CERTIFICATE", "TRUSTED CERTIFICATE"), errPart: `"TRUSTED CERTIFICATE"`},
		{name: "no END line", pem: certBody, errPart: "does not end"},
		{name: "second one cut off", pem: string(ca2.CertPEM) + certBody, errPart: "after certificate 1"},
		{name: "not DER inside", pem: "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n", errPart: "not a valid X.509 certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := ParseCACertPEM([]byte(tt.pem))
			if tt.errPart == "" {
				if err != nil || len(certs) != tt.want {
					t.Fatalf("got %d certificate(s), %v; want %d", len(certs), err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrInvalidCACertPEM) || !strings.Contains(err.Error(), tt.errPart) {
				t.Fatalf("got %v, want an ErrInvalidCACertPEM containing %q", err, tt.errPart)
			}
			if strings.Contains(err.Error(), string(keyPEM[40:80])) {
				t.Errorf("the error shows key material: %v", err)
			}
			if _, err := New(Config{Endpoint: ProductionEndpoint, CACertPEM: []byte(tt.pem)}); tt.pem != "" && !errors.Is(err, ErrInvalidCACertPEM) {
				t.Errorf("New accepted the same PEM: %v", err)
			}
		})
	}
}

func TestCACertPEM_withReplacedTransport(t *testing.T) {
	ca := testca.New(t)
	_, err := New(Config{Endpoint: ProductionEndpoint, CACertPEM: ca.CertPEM, Transport: http.DefaultTransport})
	if err == nil {
		t.Fatal("CA certificates were accepted for a transport they cannot reach")
	}
}
