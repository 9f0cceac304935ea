package standin

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// The stand-in serves live reset tokens (GET /_standin/outbox) and the
// passwords set with them (GET /_standin/journal), so by default it is kept to
// this machine in three ways:
//
//   - Start listens only on a loopback address;
//   - ServeHTTP answers only requests addressed to a loopback name or address,
//     which defeats DNS rebinding: a web page whose domain an attacker points
//     at 127.0.0.1 still sends its own domain in the Host header;
//   - admin POSTs need Content-Type: application/json, which a web page can
//     send cross-origin only after a CORS preflight the stand-in never grants.
//
// Config.RemoteHosts is the one explicit way out of the first two.

// CheckLoopbackListen reports, without listening, whether addr (host:port, as
// for net.Listen) names a loopback host: localhost, an address in 127.0.0.0/8
// or ::1. An empty host (":8080") and unspecified addresses (0.0.0.0, ::) mean
// every interface and are refused, and so is any other name, whatever it
// resolves to today.
func CheckLoopbackListen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		return fmt.Errorf("listen address %q listens on every interface, not only the loopback", addr)
	}
	if !isLoopbackHost(host) {
		return fmt.Errorf("listen address %q is not a loopback address (localhost, 127.0.0.0/8, [::1])", addr)
	}
	return nil
}

// isLoopbackHost reports whether host, without port or brackets, is localhost
// or a loopback IP address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// checkBoundLoopback checks the address a listener really bound: "localhost"
// passes CheckLoopbackListen but resolves through the system, which could
// point it elsewhere.
func checkBoundLoopback(addr net.Addr) error {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return fmt.Errorf("bound %s, which is not a loopback address", addr)
	}
	return nil
}

// hostName returns the host of a Host header value without port, brackets or
// a trailing dot, in canonical form: an IP address as netip prints it, a name
// in lower case. It returns "" when there is no host.
func hostName(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().String()
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// ParseRemoteHost checks one Config.RemoteHosts entry, a host name or IP
// address without port or scheme, and returns it in canonical form.
func ParseRemoteHost(h string) (string, error) {
	h = strings.TrimSpace(h)
	if inner, ok := strings.CutPrefix(h, "["); ok {
		h, _ = strings.CutSuffix(inner, "]")
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap().String(), nil
	}
	if h == "" || h == "." {
		return "", errors.New("remote host is empty")
	}
	for _, c := range h {
		if c == ':' {
			return "", fmt.Errorf("remote host %q: give it without a port (every port is served) or scheme", h)
		}
		if !isHostNameChar(c) {
			return "", fmt.Errorf("remote host %q: give a host name or an IP address only", h)
		}
	}
	return strings.ToLower(strings.TrimSuffix(h, ".")), nil
}

func isHostNameChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
}

// hostAllowed reports whether a request addressed to hostport (its Host
// header) may be served: a loopback name or address with any port, or one of
// the configured remote hosts.
func (s *Server) hostAllowed(hostport string) bool {
	name := hostName(hostport)
	if name == "" {
		return false
	}
	if isLoopbackHost(name) {
		return true
	}
	return slices.Contains(s.remoteHosts, name)
}

// misdirected answers a request addressed to a host the stand-in does not
// serve. 421 says the request reached a server that does not answer for that
// authority; the host is quoted, so nothing it contains is interpreted.
func misdirected(hostport string) answer {
	return errorAnswer(http.StatusMisdirectedRequest, fmt.Sprintf(
		"The stand-in answers only requests addressed to localhost or a loopback address, not to host %q; "+
			"to serve other names, start it with that host allowed (clevermaps-standin -allow-remote HOST)", hostport))
}
