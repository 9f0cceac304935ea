package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/testca"
)

// goText matches what Describe must never show: Go's qualified type names
// and the wording of Go's own errors.
var goText = regexp.MustCompile(`\*?\b[a-z][a-z0-9]*\.[A-Z][A-Za-z0-9]+|%!|dial tcp|proxyconnect|x509:|tls:|Go struct|context deadline`)

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// TestDescribe_unreachableKinds drives the connection failures that the
// provider's catalogue of diagnostics cannot reach through its own
// configuration (a proxy, a certificate for another name), and builds the
// rest (an expired certificate, no route to the host) as Go reports them,
// and checks the kind and the words of each.
func TestDescribe_unreachableKinds(t *testing.T) {
	ca := testca.New(t)
	_, tlsEndpoint, _ := newTLSStandin(t, ca)
	tlsURL, err := url.Parse(tlsEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.CertPEM)

	call := func(t *testing.T, endpoint string, transport http.RoundTripper) error {
		t.Helper()
		c, err := New(Config{Endpoint: endpoint, MaxAttempts: 1, Transport: transport})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.VerifyResetToken(t.Context(), "tok-DESCRIBE-9d3e")
		if err == nil {
			t.Fatal("the call succeeded")
		}
		return err
	}

	tests := []struct {
		name string
		err  func(t *testing.T) error
		kind UnreachableKind
		want string
	}{
		{"proxy", func(t *testing.T) error {
			proxy := &url.URL{Scheme: "http", Host: closedAddr(t)}
			return call(t, "http://127.0.0.1:9/rest", &http.Transport{Proxy: http.ProxyURL(proxy)})
		}, UnreachableProxy, "HTTPS_PROXY"},
		{"certificate for another name", func(t *testing.T) error {
			// wrong.test reaches the server, whose certificate names only
			// the loopback.
			dialer := &net.Dialer{}
			return call(t, "https://wrong.test/rest", &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
				DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
					return dialer.DialContext(ctx, network, tlsURL.Host)
				},
			})
		}, UnreachableCertName, "not valid for that name"},
		{"expired certificate", func(*testing.T) error {
			return &TransportError{Op: OpVerifyToken, Err: mustClassify(t, &tls.CertificateVerificationError{
				Err: x509.CertificateInvalidError{Reason: x509.Expired},
			})}
		}, UnreachableCertInvalid, "expired"},
		{"no route to the host", func(*testing.T) error {
			return &TransportError{Op: OpVerifyToken, Err: mustClassify(t, &net.OpError{
				Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.EHOSTUNREACH},
			})}
		}, UnreachableNetwork, "no route to host"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err(t)
			var ue *UnreachableError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUnreachable) {
				t.Fatalf("got %v, want an *UnreachableError", err)
			}
			if ue.Kind != tc.kind {
				t.Errorf("kind %d, want %d", ue.Kind, tc.kind)
			}
			text := Describe(err)
			if !strings.Contains(text, tc.want) {
				t.Errorf("Describe says %q, want it to say %q", text, tc.want)
			}
			if m := goText.FindString(text); m != "" {
				t.Errorf("Describe says %q, which holds %q", text, m)
			}
		})
	}
}

// mustClassify is classifyUnreachable for an error it must recognise.
func mustClassify(t *testing.T, err error) error {
	t.Helper()
	ue, ok := classifyUnreachable(err, "api.example.com")
	if !ok {
		t.Fatalf("%v is not classified as unreachable", err)
	}
	return ue
}

// TestDescribe_notUnreachable: failures after a connection was made are
// not connection failures.
func TestDescribe_notUnreachable(t *testing.T) {
	for _, err := range []error{context.DeadlineExceeded, context.Canceled, errors.New("some other failure")} {
		if ue, ok := classifyUnreachable(err, "api.example.com"); ok {
			t.Errorf("%v classified as %v", err, ue)
		}
	}
}

// TestDescribe_timeouts: a request that outlasts the request timeout while
// the call has time left is an *RequestTimeoutError; one cut off by the
// call's own deadline is that deadline, whatever the request timeout.
func TestDescribe_timeouts(t *testing.T) {
	api := standin.NewServer(standin.Config{})
	api.InjectFault(standin.EndpointVerifyToken, standin.Fault{Delay: 2 * time.Second})
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })

	c, err := New(Config{Endpoint: api.URL(), MaxAttempts: 1, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.VerifyResetToken(t.Context(), "tok-1")
	if !errors.Is(err, ErrRequestTimeout) || !strings.Contains(Describe(err), "request timeout of 50ms") {
		t.Errorf("got %v (%q), want a request timeout of 50ms", err, Describe(err))
	}

	c, err = New(Config{Endpoint: api.URL(), MaxAttempts: 1, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = c.VerifyResetToken(ctx, "tok-1")
	if errors.Is(err, ErrRequestTimeout) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(Describe(err), "call's time ran out") {
		t.Errorf("got %v (%q), want the call's deadline", err, Describe(err))
	}
}

// TestDescribe_json: a verification whose JSON does not decode is described
// in JSON's terms, without Go's type names.
func TestDescribe_json(t *testing.T) {
	for body, want := range map[string]string{
		`{"id":5,"email":"a@example.com","fullName":"A"}`: `its field "id" is a number where the API sends a string`,
		`["a"]`:          "it is an array where the API sends an object",
		`{"id":"acc-1",`: "it is not valid JSON",
	} {
		api := standin.NewServer(standin.Config{})
		api.InjectFault(standin.EndpointVerifyToken, standin.Fault{Status: 200, Body: body})
		if _, err := api.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		c, err := New(Config{Endpoint: api.URL(), MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.VerifyResetToken(t.Context(), "tok-1")
		text := Describe(err)
		if !strings.Contains(text, want) {
			t.Errorf("body %s: Describe says %q, want %q", body, text, want)
		}
		if m := goText.FindString(text); m != "" {
			t.Errorf("body %s: Describe says %q, which holds %q", body, text, m)
		}
		_ = api.Close()
	}
}
