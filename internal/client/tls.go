package client

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidCACertPEM is wrapped by the errors of ParseCACertPEM.
var ErrInvalidCACertPEM = errors.New("the CA certificates are not usable")

// ParseCACertPEM parses PEM text holding one or more certificates, as a CA
// bundle file does; text around the blocks (comments) is ignored. It fails
// when there is no certificate, when a block is not a certificate (an
// OpenSSL "TRUSTED CERTIFICATE" or, worse, a private key) or does not parse,
// and when the text ends in an incomplete block: silently trusting fewer
// certificates than the person gave would show up only later, as an
// unexplained "unknown authority" in someone else's run.
func ParseCACertPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			hint := ""
			if strings.Contains(block.Type, "PRIVATE KEY") {
				hint = "; a private key never belongs here"
			}
			return nil, fmt.Errorf("%w: PEM block %d is %q, not a CERTIFICATE%s", ErrInvalidCACertPEM, n, shortType(block.Type), hint)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: PEM block %d is not a valid X.509 certificate: %w", ErrInvalidCACertPEM, n, err)
		}
		certs = append(certs, cert)
	}
	if bytes.Contains(rest, []byte("-----BEGIN")) {
		return nil, fmt.Errorf("%w: the text after certificate %d starts a PEM block that does not end (is the -----END line missing?)", ErrInvalidCACertPEM, len(certs))
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no PEM certificate (-----BEGIN CERTIFICATE-----) found", ErrInvalidCACertPEM)
	}
	return certs, nil
}

// shortType bounds a PEM type taken from the input for an error message.
func shortType(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// tlsConfig returns the client's TLS settings: at least TLS 1.2, and the
// system's trusted roots plus the certificates in caCertPEM, if any. Adding
// to the system pool instead of replacing it means that a corporate CA for a
// TLS-inspecting proxy does not stop the API's public certificate from being
// trusted where the proxy lets traffic through untouched. There is
// deliberately no way to turn verification off.
func tlsConfig(caCertPEM []byte) (*tls.Config, error) {
	// Go's client default is already TLS 1.2; stating it keeps the floor
	// from moving with a future default or a copied configuration.
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caCertPEM) == 0 {
		return cfg, nil
	}
	certs, err := ParseCACertPEM(caCertPEM)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// No readable system store (some containers): the given
		// certificates are then all there is to trust.
		pool = x509.NewCertPool()
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
