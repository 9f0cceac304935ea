package client

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// TestAPIErrorIs checks which sentinels an *APIError matches, so that callers
// can branch on errors.Is without ever reading a status code.
func TestAPIErrorIs(t *testing.T) {
	sentinels := []error{ErrNotFound, ErrRateLimited, ErrPasswordRejected, ErrOutcomeUnknown}
	cases := []struct {
		err  *APIError
		want error // the one sentinel it matches, or nil for none
	}{
		{&APIError{Op: OpVerifyToken, StatusCode: http.StatusNotFound}, ErrNotFound},
		{&APIError{Op: OpRequestReset, StatusCode: http.StatusTooManyRequests, Attempts: 4}, ErrRateLimited},
		{&APIError{Op: OpFinishReset, StatusCode: http.StatusTooManyRequests}, ErrRateLimited},
		{&APIError{Op: OpFinishReset, StatusCode: http.StatusBadRequest}, ErrPasswordRejected},
		{&APIError{Op: OpRequestReset, StatusCode: http.StatusBadRequest}, nil},
		{&APIError{Op: OpVerifyToken, StatusCode: http.StatusServiceUnavailable}, nil},
	}
	for _, c := range cases {
		// Wrapped, as callers see it after fmt.Errorf("...: %w").
		err := fmt.Errorf("context: %w", c.err)
		for _, s := range sentinels {
			if got, want := errors.Is(err, s), errors.Is(c.want, s); got != want {
				t.Errorf("%s %d: errors.Is(err, %q) = %v, want %v", c.err.Op, c.err.StatusCode, s, got, want)
			}
		}
	}
}
