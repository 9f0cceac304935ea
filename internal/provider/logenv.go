package provider

import (
	"os"
	"strings"
)

// The variables the plugin libraries read for the levels of their loggers:
// terraform-plugin-go's root SDK logger and its protocol subsystem, which
// writes several lines per RPC; terraform-plugin-framework's subsystem; and
// this provider's own logger (tflog), named after the provider's type name.
const (
	sdkLogLevelEnv       = "TF_LOG_SDK"
	protoLogLevelEnv     = "TF_LOG_SDK_PROTO"
	frameworkLogLevelEnv = "TF_LOG_SDK_FRAMEWORK"
	providerLogLevelEnv  = "TF_LOG_PROVIDER_CLEVERMAPS"
)

// alignedLogLevelEnvs are the variables AlignLogLevels sets.
var alignedLogLevelEnvs = []string{sdkLogLevelEnv, protoLogLevelEnv, frameworkLogLevelEnv, providerLogLevelEnv}

// AlignLogLevels sets the log levels of the plugin libraries and of this
// provider's own logger to the level Terraform will keep of this provider's
// logs: TF_LOG_PROVIDER, or else TF_LOG, and off when neither is set. It
// changes nothing when the plugin libraries' levels are set directly (any
// TF_LOG_SDK* variable), when a per-provider TF_LOG_PROVIDER_* variable is
// set, or when the kept level is TRACE (or a value Terraform reads as TRACE,
// such as JSON). Call it only when Terraform starts the provider: under
// -debug the environment is the developer's, not the CLI's.
//
// Why: with no level set, the plugin libraries log everything at TRACE and
// leave the filtering to Terraform, which parses every line the provider
// writes and then throws it away. terraform-plugin-go writes several lines
// per RPC: a fifth of the provider's CPU when OpenTofu reads 1,000
// clevermaps_reset_token data sources, before the CLI's own cost of parsing
// them. The framework writes a line for every element of every list and map
// in a plan or state, and looks its logger up through a context that grows
// by one layer per element, so lines Terraform then throws away cost about
// 10 s per plan for a clevermaps_password_reset_requests with 10,000
// addresses. With the levels set here, the libraries skip those lines before
// doing any of that work.
func AlignLogLevels() {
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		// Environment names are case-insensitive on Windows.
		name = strings.ToUpper(name)
		if value != "" && (strings.HasPrefix(name, "TF_LOG_SDK") || strings.HasPrefix(name, "TF_LOG_PROVIDER_")) {
			return
		}
	}
	level := os.Getenv("TF_LOG_PROVIDER")
	if level == "" {
		level = os.Getenv("TF_LOG")
	}
	switch level = strings.ToUpper(strings.TrimSpace(level)); level {
	case "":
		level = "OFF"
	case "OFF", "ERROR", "WARN", "INFO", "DEBUG":
	default:
		return // TRACE, JSON or a value Terraform treats as TRACE.
	}
	for _, name := range alignedLogLevelEnvs {
		_ = os.Setenv(name, level) // Cannot fail for a valid name.
	}
}
