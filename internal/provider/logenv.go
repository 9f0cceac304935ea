package provider

import (
	"os"
	"strings"
)

// frameworkLogLevelEnv is the variable terraform-plugin-framework reads for
// the level of its own log lines.
const frameworkLogLevelEnv = "TF_LOG_SDK_FRAMEWORK"

// QuietFrameworkLogsUnlessRequested turns terraform-plugin-framework's own log
// lines off unless provider logs were asked for: by TF_LOG, any
// TF_LOG_PROVIDER* variable, or the plugin libraries' own TF_LOG_SDK*
// variables. TF_LOG_CORE, TF_LOG_PATH and the like leave provider logs off,
// so they do not count.
//
// Why: with no level set, the plugin libraries log at TRACE and leave the
// filtering to Terraform, which discards provider logs unless asked for
// them. So the framework formats and writes a line for every element of
// every list and map in a plan or state, and looks its logger up through a
// context that grows by one layer per element: about 10 s per plan for a
// clevermaps_password_reset_requests with 10,000 addresses, all of it thrown
// away. The provider's own log lines and the SDK's per-request lines are not
// affected.
func QuietFrameworkLogsUnlessRequested() {
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if value != "" && (name == "TF_LOG" || strings.HasPrefix(name, "TF_LOG_PROVIDER") || strings.HasPrefix(name, "TF_LOG_SDK")) {
			return
		}
	}
	_ = os.Setenv(frameworkLogLevelEnv, "off") // Cannot fail for a valid name.
}
