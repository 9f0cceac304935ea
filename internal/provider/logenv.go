package provider

import (
	"os"
	"strings"
)

// frameworkLogLevelEnv is the variable terraform-plugin-framework reads for
// the level of its own log lines.
const frameworkLogLevelEnv = "TF_LOG_SDK_FRAMEWORK"

// QuietFrameworkLogsUnlessRequested turns terraform-plugin-framework's own log
// lines off when nobody asked for logs, and changes nothing when any TF_LOG*
// variable is set.
//
// Why: with no level set, the plugin libraries log at TRACE and leave the
// filtering to Terraform, which discards provider logs unless TF_LOG or
// TF_LOG_PROVIDER is set. So the framework formats and writes a line for
// every element of every list and map in a plan or state, and looks its
// logger up through a context that grows by one layer per element: about
// 10 s per plan for a clevermaps_password_reset_requests with 10,000
// addresses, all of it thrown away (see DESIGN.md). The provider's own log
// lines and the SDK's per-request lines are not affected.
func QuietFrameworkLogsUnlessRequested() {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG") {
			return
		}
	}
	_ = os.Setenv(frameworkLogLevelEnv, "off") // Cannot fail for a valid name.
}
