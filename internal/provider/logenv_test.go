package provider

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tfsdklog"
)

// clearLogEnv unsets every TF_LOG* variable for the rest of the test; the
// Setenv calls make the testing package restore them afterwards.
func clearLogEnv(tb testing.TB) {
	tb.Helper()
	for _, name := range alignedLogLevelEnvs {
		tb.Setenv(name, "") // So that what AlignLogLevels sets is undone.
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(strings.ToUpper(name), "TF_LOG") {
			tb.Setenv(name, "")
			if err := os.Unsetenv(name); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// productionLogContext returns a context that logs as the provider does
// when Terraform starts it with no TF_LOG* variable set: an SDK root logger
// in the request's context (which tf6server adds in production) and the
// levels AlignLogLevels chooses. Without the logger the framework's logging
// would cost nothing in a benchmark, whatever its level.
func productionLogContext(tb testing.TB) context.Context {
	tb.Helper()
	clearLogEnv(tb)
	AlignLogLevels()
	return tfsdklog.NewRootSDKLogger(tb.Context(), tfsdklog.WithLevelFromEnv("TF_LOG_SDK"))
}

func TestAlignLogLevels(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string // every aligned variable afterwards; "" is unset
	}{
		{"nothing asked for", nil, "OFF"},
		{"only core logs", map[string]string{"TF_LOG_CORE": "TRACE", "TF_LOG_PATH": "/dev/null"}, "OFF"},
		{"TF_LOG debug", map[string]string{"TF_LOG": "debug"}, "DEBUG"},
		{"TF_LOG off", map[string]string{"TF_LOG": "off"}, "OFF"},
		{"TF_LOG trace", map[string]string{"TF_LOG": "TRACE"}, ""},
		{"TF_LOG json", map[string]string{"TF_LOG": "JSON"}, ""},
		{"TF_LOG unknown value", map[string]string{"TF_LOG": "verbose"}, ""},
		{"TF_LOG_PROVIDER wins over TF_LOG", map[string]string{"TF_LOG": "TRACE", "TF_LOG_PROVIDER": "INFO"}, "INFO"},
		{"TF_LOG_PROVIDER off", map[string]string{"TF_LOG": "TRACE", "TF_LOG_PROVIDER": "OFF"}, "OFF"},
		{"per-provider variable", map[string]string{"TF_LOG_PROVIDER_OTHER": "DEBUG"}, ""},
		{"SDK level set", map[string]string{"TF_LOG_SDK_MUX": "DEBUG"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearLogEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			AlignLogLevels()
			for _, name := range alignedLogLevelEnvs {
				if got := os.Getenv(name); got != tt.want {
					t.Errorf("%s = %q, want %q", name, got, tt.want)
				}
			}
		})
	}
	// A level set by hand for one of them is left alone, and so are the others.
	clearLogEnv(t)
	t.Setenv(frameworkLogLevelEnv, "WARN")
	AlignLogLevels()
	if got := os.Getenv(frameworkLogLevelEnv); got != "WARN" {
		t.Errorf("%s = %q, want the WARN set by hand", frameworkLogLevelEnv, got)
	}
	if got := os.Getenv(protoLogLevelEnv); got != "" {
		t.Errorf("%s = %q, want it unset", protoLogLevelEnv, got)
	}
}
