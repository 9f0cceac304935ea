package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

// TestRequestPasswordResetUnderLoad sends 1,000 reset requests, one per
// account, from 16 goroutines while the server refuses every 10th request it
// receives with 503 and Retry-After. Refusals are retried, so every call must
// succeed, and since a refused request sends no mail, each address must get
// exactly one. The server's own records must agree: each address reached it
// and was accepted exactly once, and every other request it counted was a
// refusal it injected.
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
	var rec answerLog
	api := standin.NewServer(standin.Config{Accounts: accounts, WrapHandler: rec.wrap})
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

	// What the server says it did, against what it received: every request
	// it counted was either accepted (once per address: nothing sent twice)
	// or refused by the injected fault (and then retried: nothing lost).
	received := api.Count(standin.EndpointRequestReset)
	answers := rec.wait(t, received)
	journal := api.Journal()
	if len(journal) != received {
		t.Errorf("the journal holds %d requests, the server counted %d", len(journal), received)
	}
	reached := make(map[string]int, calls)
	for i, r := range journal {
		if r.Endpoint != standin.EndpointRequestReset {
			t.Fatalf("request %d went to %s", i+1, r.Endpoint)
		}
		reached[emailOf([]byte(r.Body))]++
	}
	accepted := make(map[string]int, calls)
	refused := 0
	for _, a := range answers {
		switch {
		case a.status == http.StatusCreated && !a.injected:
			accepted[a.email]++
		case a.status == http.StatusServiceUnavailable && a.injected:
			refused++
		default:
			t.Errorf("the server answered a request for %s with %d (injected: %v), neither an acceptance nor the injected refusal", a.email, a.status, a.injected)
		}
	}
	for _, a := range accounts {
		if reached[a.Email] == 0 {
			t.Errorf("no request for %s reached the server", a.Email)
		}
		if n := accepted[a.Email]; n != 1 {
			t.Errorf("the server accepted %d requests for %s, want exactly 1", n, a.Email)
		}
	}
	if n := len(answers); n != received {
		t.Errorf("the server answered %d requests (%d accepted, %d refused) but counted %d", n, n-refused, refused, received)
	}
	// Without a refusal the retries were never exercised.
	if refused == 0 {
		t.Errorf("the server refused no request: the fault was not injected")
	}
	t.Logf("the server received %d requests: %d accepted, %d refused by the injected fault and retried", received, received-refused, refused)
}

// answerLog notes every answer the stand-in writes, as a WrapHandler in
// front of it: the address in the request body, the status, and whether the
// answer was an injected fault (it carries standin.FaultHeader).
type answerLog struct {
	mu      sync.Mutex
	answers []loggedAnswer
}

type loggedAnswer struct {
	email    string
	status   int // 0: none written (the connection was dropped)
	injected bool
}

func (l *answerLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &standintest.StatusRecorder{ResponseWriter: w}
		// Deferred, so that an aborted handler is noted as well.
		defer func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.answers = append(l.answers, loggedAnswer{email: emailOf(body), status: sw.Status, injected: w.Header().Get(standin.FaultHeader) != ""})
		}()
		h.ServeHTTP(sw, r)
	})
}

// wait returns the answers once there are n of them: a handler notes its
// answer as it returns, which may be after the client has read it.
func (l *answerLog) wait(t *testing.T, n int) []loggedAnswer {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		got := slices.Clone(l.answers)
		l.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
	}
}

func emailOf(body []byte) string {
	var req struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(body, &req)
	return req.Email
}
