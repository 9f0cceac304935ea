package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// A request whose connection was never established cannot have reached the
// server, so a POST that ends there is not sent, not an unknown outcome. The
// batch resource never mails an unknown outcome again (by default), so
// calling such an address unknown strands it unmailed. TestScenarios found
// this on a loaded machine, where dials and waits for a pooled connection
// outlast a short request_timeout_ms; a slow dialer shows it deterministically.
func TestRequestPasswordReset_deadlineBeforeConnectionIsNotSent(t *testing.T) {
	for name, setup := range map[string]func(ctx context.Context) (context.Context, context.CancelFunc, time.Duration){
		// The attempt's request timeout passes while dialing.
		"attempt timeout": func(ctx context.Context) (context.Context, context.CancelFunc, time.Duration) {
			return ctx, func() {}, 100 * time.Millisecond
		},
		// The call's own deadline (the resource's timeout) passes while dialing.
		"call deadline": func(ctx context.Context) (context.Context, context.CancelFunc, time.Duration) {
			ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			return ctx, cancel, 10 * time.Second
		},
	} {
		t.Run(name, func(t *testing.T) {
			api := standin.NewServer(standin.Config{Accounts: []standin.Account{{Email: "ada@example.com", FullName: "Ada", Status: standin.StatusEnabled}}})
			endpoint, err := api.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = api.Close() })
			// A dial that takes 500 ms, as a connect does when the server's
			// accept queue is full or the network drops the first SYN.
			slowDial := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				select {
				case <-time.After(500 * time.Millisecond):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}}
			ctx, cancel, timeout := setup(t.Context())
			defer cancel()
			c, err := New(Config{Endpoint: endpoint, Timeout: timeout, Transport: slowDial, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			err = c.RequestPasswordReset(ctx, "ada@example.com")
			if n := len(api.Journal()); n != 0 {
				t.Fatalf("the server received %d request(s); the test needs a dial that never completes in time", n)
			}
			if !errors.Is(err, ErrNotSent) || errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("got %v (not sent: %v, unknown: %v), want a not-sent error: no connection was ever made",
					err, errors.Is(err, ErrNotSent), errors.Is(err, ErrOutcomeUnknown))
			}
		})
	}
}
