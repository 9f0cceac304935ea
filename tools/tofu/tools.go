//go:build tools

// Package tofu pins the OpenTofu CLI that the acceptance tests run against.
// The Makefile builds it from this module so that no prebuilt binary is needed.
package tofu

import _ "github.com/opentofu/opentofu/cmd/tofu"
