package provider

import (
	"os"
	"strings"
)

// frameworkLogLevelEnv is the variable terraform-plugin-framework reads for
// the level of its own log lines.
const frameworkLogLevelEnv = "TF_LOG_SDK_FRAMEWORK"

// AlignFrameworkLogLevel sets terraform-plugin-framework's own log level to
// the level Terraform will keep of this provider's logs: TF_LOG_PROVIDER, or
// else TF_LOG, and off when neither is set. It changes nothing when the
// plugin libraries' levels are set directly (any TF_LOG_SDK* variable), when
// a per-provider TF_LOG_PROVIDER_* variable is set, or when the kept level is
// TRACE (or a value Terraform reads as TRACE, such as JSON). Call it only
// when Terraform starts the provider: under -debug the environment is the
// developer's, not the CLI's.
//
// Why: with no level set, the plugin libraries log everything at TRACE and
// leave the filtering to Terraform. The framework writes a line for every
// element of every list and map in a plan or state, and looks its logger up
// through a context that grows by one layer per element, so lines Terraform
// then throws away cost about 10 s per plan for a
// clevermaps_password_reset_requests with 10,000 addresses. With the level
// set here, the framework skips those lines before doing any of that work.
func AlignFrameworkLogLevel() {
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
	_ = os.Setenv(frameworkLogLevelEnv, level) // Cannot fail for a valid name.
}
