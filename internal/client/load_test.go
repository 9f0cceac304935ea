package client

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// TestRequestPasswordResetUnderLoad sends 1,000 reset requests, one per
// account, from 16 goroutines while the server refuses every 10th request it
// receives with 503 and Retry-After. Refusals are retried, so every call must
// succeed, and since a refused request sends no mail, each address must get
// exactly one.
func TestRequestPasswordResetUnderLoad(t *testing.T) {
	const (
		calls   = 1000
		workers = 16
		every   = 10
	)
	if testing.Short() {
		t.Skip("load test")
	}
	accounts := make([]standin.Account, calls)
	for i := range accounts {
		accounts[i] = standin.Account{Email: fmt.Sprintf("user%04d@example.com", i), FullName: fmt.Sprintf("User %d", i)}
	}
	api := standin.NewServer(standin.Config{Accounts: accounts})
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{
		Status:     http.StatusServiceUnavailable,
		RetryAfter: "0", // honoured as MinRetryWait
		Every:      every,
	})
	c, err := New(Config{
		Endpoint: api.URL(),
		Timeout:  10 * time.Second,
		// A call fails only if all its attempts land on a refused slot; with
		// twenty attempts that cannot happen in practice.
		MaxAttempts:  20,
		MinRetryWait: time.Millisecond,
		MaxRetryWait: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}

	emails := make(chan string)
	errs := make(chan error, calls)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for email := range emails {
				if err := c.RequestPasswordReset(t.Context(), email); err != nil {
					errs <- fmt.Errorf("%s: %w", email, err)
				}
			}
		})
	}
	for _, a := range accounts {
		emails <- a.Email
	}
	close(emails)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	outbox := api.Outbox()
	if len(outbox) != calls {
		t.Errorf("outbox holds %d mails, want %d", len(outbox), calls)
	}
	perAddress := make(map[string]int, calls)
	for _, m := range outbox {
		perAddress[m.To]++
	}
	for _, a := range accounts {
		if n := perAddress[a.Email]; n != 1 {
			t.Errorf("%s got %d mails, want 1", a.Email, n)
		}
	}

	// The server refuses its requests number 10, 20, 30, …, so after n
	// requests n/10 were refused and n - n/10 succeeded. Every call succeeded
	// exactly once, so n - n/10 = 1000, whose only solution is n = 1111.
	journal := api.Journal()
	refused := 0
	for i, r := range journal {
		if r.Endpoint != standin.EndpointRequestReset {
			t.Fatalf("request %d went to %s", i+1, r.Endpoint)
		}
		if (i+1)%every == 0 {
			refused++
		}
	}
	if got, want := api.Count(standin.EndpointRequestReset), calls+refused; got != want {
		t.Errorf("server saw %d requests, want %d calls + %d refused = %d (1111)", got, calls, refused, want)
	}
}
