package batch

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// Mailer sends one password-reset mail; *client.Client is one.
type Mailer interface {
	RequestPasswordReset(ctx context.Context, email string) error
}

// Progress counts the outcomes of a run of password-reset requests and
// says when a progress report is due: each time the run completes another
// tenth of its addresses, which includes the last address. The action
// clevermaps_send_password_reset turns the reports into progress events;
// the batch resource can turn them into INFO log lines. It is safe for
// concurrent use, so workers may record outcomes directly; callers that need
// reports in order should record from one goroutine.
type Progress struct {
	mu     sync.Mutex
	counts Counts
}

// Counts is how far a run has come. Unknown counts requests whose
// outcome is unknown (the server may have sent the mail); Failed counts the
// others that did not succeed, including those never attempted because the
// run was cancelled or timed out.
type Counts struct {
	Total, Sent, Failed, Unknown int
}

func NewProgress(total int) *Progress {
	return &Progress{counts: Counts{Total: total}}
}

// Record counts the outcome of one request (err nil means the API accepted
// it) and returns the counts that include it, and whether they complete
// another tenth of the run and so deserve a report.
func (p *Progress) Record(err error) (Counts, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	before := p.counts.tenths()
	switch {
	case err == nil:
		p.counts.Sent++
	case errors.Is(err, client.ErrOutcomeUnknown):
		p.counts.Unknown++
	default:
		p.counts.Failed++
	}
	return p.counts, p.counts.tenths() > before
}

// Counts returns the counts so far.
func (p *Progress) Counts() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts
}

// Done is how many requests have an outcome.
func (c Counts) Done() int { return c.Sent + c.Failed + c.Unknown }

// tenths is how many whole tenths of the run are done, 10 at the end. With
// fewer than ten addresses every address completes at least one tenth.
func (c Counts) tenths() int {
	if c.Total <= 0 {
		return 10
	}
	return c.Done() * 10 / c.Total
}

// String reads as a progress line, for example "250 of 1000 addresses done
// (25%): 248 sent, 1 failed, 1 unknown".
func (c Counts) String() string {
	pct := 100
	if c.Total > 0 {
		pct = c.Done() * 100 / c.Total
	}
	return fmt.Sprintf("%d of %d addresses done (%d%%): %d sent, %d failed, %d unknown",
		c.Done(), c.Total, pct, c.Sent, c.Failed, c.Unknown)
}

// Send requests a password-reset mail for every address, with at
// most workers requests of its own in flight (the client's rate limit and
// concurrency bound apply on top, across the whole provider). It calls done
// with each address's outcome as it arrives, always from the calling
// goroutine, so done may report progress in order without locking.
// Addresses not attempted because ctx ended get ctx's error. It returns when
// every address has had its call to done.
func Send(ctx context.Context, c Mailer, emails []string, workers int, done func(email string, err error)) {
	type result struct {
		email string
		err   error
	}
	jobs := make(chan string)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(max(workers, 1), len(emails)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for email := range jobs {
				results <- result{email, c.RequestPasswordReset(ctx, email)}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		for i, email := range emails {
			select {
			case jobs <- email:
			case <-ctx.Done():
				for _, rest := range emails[i:] {
					results <- result{rest, ctx.Err()}
				}
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	for r := range results {
		done(r.email, r.err)
	}
}
