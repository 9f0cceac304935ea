package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"reflect"
	"strings"
	"syscall"
)

// Describe says what went wrong in a failed call, as a clause for the person
// who runs the tool: "the server answered 500 Internal Server Error: it
// failed while handling the request". It is built from the error's types,
// never from the text of Go's own errors, which speak of dialers, contexts
// and struct fields; only messages the server sent (already cleaned and
// redacted) and the client's own reasons are quoted. It names neither the
// operation nor the endpoint (the caller knows both) and says nothing of
// what to do next, which depends on the caller.
func Describe(err error) string {
	var (
		rl   *RateLimitedError
		rt   *RequestTimeoutError
		ue   *UnreachableError
		ur   *UnexpectedResponseError
		api  *APIError
		resp *ResponseError
		te   *TransportError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrTokenProbablyConsumed):
		return "the first attempt failed in a way that left its outcome unknown, and the reset token no longer existed afterwards"
	case errors.Is(err, context.Canceled):
		return "the operation was cancelled before the call finished"
	case errors.As(err, &rl):
		if rl.Answers429 == 0 {
			return "the server is rate limiting (it answered 429 Too Many Requests and asked to pause), and the call's time ran out before its turn came"
		}
		return fmt.Sprintf("the server is rate limiting: it answered 429 Too Many Requests %s, and the call's time ran out while it waited to send the request again",
			times(rl.Answers429))
	case errors.Is(err, ErrOwnRateLimit):
		return "the configured request rate left no turn for the request before the call's time ran out"
	case errors.As(err, &ue):
		return describeUnreachable(ue)
	case errors.As(err, &rt):
		return fmt.Sprintf("no answer came within the request timeout of %s%s", rt.Timeout, afterAttempts(err))
	case errors.Is(err, context.DeadlineExceeded):
		return "the call's time ran out before it finished"
	case errors.As(err, &ur):
		return fmt.Sprintf("the server answered %d %s, but %s; whatever answered is most likely not the CleverMaps API",
			ur.StatusCode, http.StatusText(ur.StatusCode), ur.Reason)
	case errors.As(err, &api):
		return describeStatus(api) + afterAttempts(err)
	case errors.As(err, &resp):
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			return fmt.Sprintf("the server answered %d %s, a redirect, which is not followed because the request carries secrets",
				resp.StatusCode, http.StatusText(resp.StatusCode))
		}
		return fmt.Sprintf("the server answered %d %s, but the answer could not be used: %s", resp.StatusCode, http.StatusText(resp.StatusCode), resp.Reason)
	case closedConnection(err):
		return "the connection was closed before an answer came" + afterAttempts(err)
	case errors.As(err, new(textproto.ProtocolError)):
		return "the server's answer is not valid HTTP (a malformed header line)" + afterAttempts(err)
	case errors.As(err, &te):
		return "the request failed: " + cleanMessage(te.Err.Error()) + afterAttempts(err)
	}
	return cleanMessage(err.Error())
}

// describeStatus says what an unexpected status means.
func describeStatus(e *APIError) string {
	s := fmt.Sprintf("the server answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	switch code := e.StatusCode; {
	case code == http.StatusBadRequest:
		s += ", refusing the request as invalid"
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		s += ", refusing access"
	case code == http.StatusInternalServerError:
		s += ": it failed while handling the request"
	case code == http.StatusBadGateway || code == http.StatusGatewayTimeout:
		s += ": a gateway in front of the API got no usable answer from it"
	case code == http.StatusServiceUnavailable:
		s += ": the API is temporarily unavailable"
	case code > 500:
		s += ", a server error"
	}
	// A message that only repeats the status says nothing new.
	if e.Message != "" && !strings.EqualFold(e.Message, http.StatusText(e.StatusCode)) {
		s += fmt.Sprintf(" (it said: %q)", e.Message)
	}
	return s
}

// describeUnreachable says why the connection could not be opened.
func describeUnreachable(e *UnreachableError) string {
	switch e.Kind {
	case UnreachableDNS:
		var dnsErr *net.DNSError
		if errors.As(e.Err, &dnsErr) && !dnsErr.IsNotFound {
			return fmt.Sprintf("the host name %s could not be looked up: the name server did not give an answer (%s)", e.Host, cleanMessage(dnsErr.Err))
		}
		return fmt.Sprintf("the host name %s could not be found: the name server says no such host exists", e.Host)
	case UnreachableRefused:
		return fmt.Sprintf("%s refused the connection: nothing accepts connections on that port, or a firewall turns them away", e.Host)
	case UnreachableProxy:
		return fmt.Sprintf("the proxy %s, taken from the HTTPS_PROXY or HTTP_PROXY environment variable, could not be reached", e.Host)
	case UnreachableUntrustedCert:
		return fmt.Sprintf("the certificate %s presented is signed by a certificate authority this machine does not trust", e.Host)
	case UnreachableCertName:
		return fmt.Sprintf("the certificate %s presented is not valid for that name", e.Host)
	case UnreachableCertInvalid:
		return fmt.Sprintf("the certificate %s presented is not valid (expired, not yet valid, or otherwise unusable)", e.Host)
	case UnreachableTLS:
		if errors.Is(e.Err, http.ErrSchemeMismatch) {
			return fmt.Sprintf("the secure (TLS) connection to %s could not be set up: the server there answers in plain HTTP", e.Host)
		}
		return fmt.Sprintf("the secure (TLS) connection to %s could not be set up", e.Host)
	}
	// The operating system's words ("no route to host") are the best
	// there are for the rest.
	var sysErr *os.SyscallError
	if errors.As(e.Err, &sysErr) {
		return fmt.Sprintf("the connection to %s could not be opened (%s)", e.Host, cleanMessage(sysErr.Err.Error()))
	}
	return fmt.Sprintf("the connection to %s could not be opened", e.Host)
}

// classifyUnreachable reports why err, a transport failure, kept the
// connection from being opened, or false when it did not. host is the
// endpoint's host; a proxy's or a name's own address replaces it where
// the error names one.
func classifyUnreachable(err error, host string) (*UnreachableError, bool) {
	var (
		opErr     *net.OpError
		dnsErr    *net.DNSError
		unknownCA x509.UnknownAuthorityError
		nameErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		alert     tls.AlertError
	)
	ue := &UnreachableError{Host: host, Err: err}
	switch {
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		ue.Kind = UnreachableProxy
		if opErr.Addr != nil {
			ue.Host = opErr.Addr.String()
		}
	case errors.As(err, &dnsErr):
		ue.Kind = UnreachableDNS
		if dnsErr.Name != "" {
			ue.Host = dnsErr.Name
		}
	case errors.As(err, &unknownCA):
		ue.Kind = UnreachableUntrustedCert
	case errors.As(err, &nameErr):
		ue.Kind = UnreachableCertName
	case errors.As(err, &invalid) || errors.As(err, &verify):
		ue.Kind = UnreachableCertInvalid
	case errors.Is(err, http.ErrSchemeMismatch) || errors.As(err, &record) || errors.As(err, &alert):
		ue.Kind = UnreachableTLS
	case errors.Is(err, syscall.ECONNREFUSED):
		ue.Kind = UnreachableRefused
	case errors.As(err, &opErr) && opErr.Op == "dial":
		ue.Kind = UnreachableNetwork
	default:
		return nil, false
	}
	return ue, true
}

// closedConnection reports a connection that ended before an answer came.
func closedConnection(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// afterAttempts says how many requests a failed call sent, when the error
// records more than one, as " after N attempts".
func afterAttempts(err error) string {
	n := Attempts(err)
	if n < 2 {
		return ""
	}
	return fmt.Sprintf(" (after %d attempts)", n)
}

// Attempts is how many requests a failed call sent, when its error records
// it, or 0.
func Attempts(err error) int {
	var api *APIError
	if errors.As(err, &api) {
		return api.Attempts
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Attempts
	}
	return 0
}

// times says "once", "twice" or "N times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// jsonProblem says what is wrong with a body that did not decode, without
// Go's type names (encoding/json names the Go struct and field types).
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("it is not valid JSON (it is malformed or breaks off at byte %d)", syntax.Offset)
	case errors.As(err, &typeErr):
		want := article(jsonTypeName(typeErr.Type))
		if typeErr.Field != "" {
			return fmt.Sprintf("its field %q is %s where the API sends %s", typeErr.Field, article(typeErr.Value), want)
		}
		return fmt.Sprintf("it is %s where the API sends %s", article(typeErr.Value), want)
	}
	return "it is not the JSON the API sends"
}

// jsonTypeName names the JSON type that decodes into t.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "value of another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	}
	return "value of another type"
}

// article puts "a" or "an" before a JSON type name ("string", "number",
// "object", "array", "bool", "value of another type").
func article(jsonType string) string {
	if strings.HasPrefix(jsonType, "a") || strings.HasPrefix(jsonType, "o") {
		return "an " + jsonType
	}
	return "a " + jsonType
}
