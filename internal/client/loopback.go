package client

import (
	"net/netip"
	"net/url"
	"strings"
)

// IsLoopbackURL reports whether u's host is this machine's loopback:
// localhost, an address in 127.0.0.0/8, or ::1. Traffic to such a host never
// leaves the machine, so plain http:// there exposes no reset token or
// password to the network; anywhere else it does.
func IsLoopbackURL(u *url.URL) bool {
	host := u.Hostname()
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return addr.Unmap().IsLoopback()
}
