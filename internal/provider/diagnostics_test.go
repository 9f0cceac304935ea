package provider

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// TestRateLimitedDiagnostic checks that a call the API kept refusing with 429
// until its deadline is reported as rate limiting for every operation: the
// provider recognises it by client.ErrRateLimited alone.
func TestRateLimitedDiagnostic(t *testing.T) {
	// As the client reports it: the paced transport gave up waiting.
	rateLimited := &client.TransportError{Op: client.OpVerifyToken, Err: fmt.Errorf("%w: the server answered 429 7 time(s)", client.ErrRateLimited)}
	var diags diag.Diagnostics
	verifyTokenDiagnostic(&diags, path.Root("token"), rateLimited)
	requestResetDiagnostic(&diags, path.Root("email"), "ada@example.com", rateLimited)
	if len(diags) != 2 {
		t.Fatalf("got %d diagnostics, want 2: %v", len(diags), diags)
	}
	for _, d := range diags {
		if d.Summary() != "CleverMaps API is rate limiting" {
			t.Errorf("summary %q, want the rate-limiting one", d.Summary())
		}
		for _, want := range []string{"429", "did not act", "timeout"} {
			if !strings.Contains(d.Detail(), want) {
				t.Errorf("detail %q does not say %q", d.Detail(), want)
			}
		}
	}

	// Another status is not rate limiting.
	var other diag.Diagnostics
	verifyTokenDiagnostic(&other, path.Root("token"), &client.APIError{Op: client.OpVerifyToken, StatusCode: http.StatusServiceUnavailable, Attempts: 4})
	if len(other) != 1 || other[0].Summary() == "CleverMaps API is rate limiting" {
		t.Errorf("a 503 was reported as %v", other)
	}

	// Cancellation stays what it is.
	var cancelled diag.Diagnostics
	verifyTokenDiagnostic(&cancelled, path.Root("token"), fmt.Errorf("x: %w", context.Canceled))
	if len(cancelled) != 1 || cancelled[0].Summary() != "CleverMaps API call cancelled" {
		t.Errorf("a cancellation was reported as %v", cancelled)
	}
}
