package provider

import (
	"os"
	"strings"
	"testing"
)

// clearLogEnv unsets every TF_LOG* variable for the rest of the test; the
// t.Setenv calls make the testing package restore them afterwards.
func clearLogEnv(t *testing.T) {
	t.Helper()
	t.Setenv(frameworkLogLevelEnv, "")
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "TF_LOG") {
			t.Setenv(name, "")
			if err := os.Unsetenv(name); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestQuietFrameworkLogsUnlessRequested(t *testing.T) {
	t.Run("no log variables", func(t *testing.T) {
		clearLogEnv(t)
		QuietFrameworkLogsUnlessRequested()
		if got := os.Getenv(frameworkLogLevelEnv); got != "off" {
			t.Errorf("%s = %q, want off", frameworkLogLevelEnv, got)
		}
	})
	t.Run("only core logs", func(t *testing.T) {
		clearLogEnv(t)
		t.Setenv("TF_LOG_CORE", "TRACE")
		t.Setenv("TF_LOG_PATH", "/dev/null")
		QuietFrameworkLogsUnlessRequested()
		if got := os.Getenv(frameworkLogLevelEnv); got != "off" {
			t.Errorf("%s = %q, want off", frameworkLogLevelEnv, got)
		}
	})
	for _, name := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_CLEVERMAPS", "TF_LOG_SDK", frameworkLogLevelEnv} {
		t.Run(name+" set", func(t *testing.T) {
			clearLogEnv(t)
			t.Setenv(name, "DEBUG")
			QuietFrameworkLogsUnlessRequested()
			want := ""
			if name == frameworkLogLevelEnv {
				want = "DEBUG"
			}
			if got := os.Getenv(frameworkLogLevelEnv); got != want {
				t.Errorf("%s = %q, want %q", frameworkLogLevelEnv, got, want)
			}
		})
	}
}
