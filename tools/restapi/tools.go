//go:build tools

// Package restapi pins Mastercard/terraform-provider-restapi, the generic REST
// provider that `make bench` compares this provider with. `go install` of it
// fails (the proxy refuses its version list), so the Makefile builds it from
// this module instead.
package restapi

import _ "github.com/Mastercard/terraform-provider-restapi"
