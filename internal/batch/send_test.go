package batch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

func TestSendProgress_reportsEachTenth(t *testing.T) {
	for _, c := range []struct {
		total   int
		reports []int // done counts at which a report is due
	}{
		{1, []int{1}},
		{3, []int{1, 2, 3}},
		{10, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{25, []int{3, 5, 8, 10, 13, 15, 18, 20, 23, 25}},
		{1000, []int{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000}},
		{1001, []int{101, 201, 301, 401, 501, 601, 701, 801, 901, 1001}},
	} {
		p := NewProgress(c.total)
		var got []int
		for i := range c.total {
			if counts, report := p.Record(nil); report {
				got = append(got, counts.Done())
			} else if i+1 == c.total {
				t.Errorf("total %d: no report at the end", c.total)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.reports) {
			t.Errorf("total %d: reports at %v, want %v", c.total, got, c.reports)
		}
	}
}

func TestSendProgress_countsOutcomes(t *testing.T) {
	p := NewProgress(5)
	p.Record(nil)
	p.Record(client.ErrNotFound)
	p.Record(fmt.Errorf("wrapped: %w", client.ErrOutcomeUnknown))
	p.Record(context.DeadlineExceeded)
	counts, report := p.Record(nil)
	want := Counts{Total: 5, Sent: 2, Failed: 2, Unknown: 1}
	if counts != want || !report || p.Counts() != want {
		t.Errorf("counts %+v (report %v), want %+v", counts, report, want)
	}
	if s := counts.String(); s != "5 of 5 addresses done (100%): 2 sent, 2 failed, 1 unknown" {
		t.Errorf("String() = %q", s)
	}
}

// countingMailer counts the mails it is asked for and fails those in fail.
type countingMailer struct {
	mu    sync.Mutex
	calls map[string]int
	fail  map[string]error
}

func (m *countingMailer) RequestPasswordReset(_ context.Context, email string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls == nil {
		m.calls = map[string]int{}
	}
	m.calls[email]++
	return m.fail[email]
}

func addresses(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%03d@example.com", i)
	}
	return out
}

// TestSend_everyAddressOnce checks that each address is mailed once and
// reported once with its own outcome, whatever the number of workers.
func TestSend_everyAddressOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 4, 100} {
		emails := addresses(37)
		m := &countingMailer{fail: map[string]error{emails[3]: client.ErrNotFound}}
		seen := map[string]int{}
		Send(t.Context(), m, emails, workers, func(email string, err error) {
			seen[email]++
			if want := m.fail[email]; !errors.Is(err, want) || (want == nil && err != nil) {
				t.Errorf("workers %d: %s reported %v, want %v", workers, email, err, want)
			}
		})
		for _, e := range emails {
			if seen[e] != 1 || m.calls[e] != 1 {
				t.Errorf("workers %d: %s reported %d times and mailed %d times, want once each", workers, e, seen[e], m.calls[e])
			}
		}
	}
}

// TestSend_cancelled checks that a run whose context has ended still
// accounts for every address, once, with the context's error, and sends
// nothing.
func TestSend_cancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	emails := addresses(50)
	m := &countingMailer{}
	seen := map[string]int{}
	Send(ctx, mailerHonouringContext{m}, emails, 4, func(email string, err error) {
		seen[email]++
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", email, err)
		}
	})
	for _, e := range emails {
		if seen[e] != 1 {
			t.Errorf("%s reported %d times, want once", e, seen[e])
		}
	}
	if n := len(m.calls); n != 0 {
		t.Errorf("%d addresses mailed after cancellation, want none", n)
	}
}

// mailerHonouringContext sends nothing once ctx is done, as the client does
// (its pacer refuses a cancelled call before it leaves).
type mailerHonouringContext struct{ *countingMailer }

func (m mailerHonouringContext) RequestPasswordReset(ctx context.Context, email string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return m.countingMailer.RequestPasswordReset(ctx, email)
}
