package provider

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
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
		p := newSendProgress(c.total)
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
	p := newSendProgress(5)
	p.Record(nil)
	p.Record(client.ErrNotFound)
	p.Record(fmt.Errorf("wrapped: %w", client.ErrOutcomeUnknown))
	p.Record(context.DeadlineExceeded)
	counts, report := p.Record(nil)
	want := sendCounts{Total: 5, Sent: 2, Failed: 2, Unknown: 1}
	if counts != want || !report || p.Counts() != want {
		t.Errorf("counts %+v (report %v), want %+v", counts, report, want)
	}
	if s := counts.String(); s != "5 of 5 addresses done (100%): 2 sent, 2 failed, 1 unknown" {
		t.Errorf("String() = %q", s)
	}
}

// TestRequestResets_cancelled checks that a run whose context has ended
// still accounts for every address, once, with the context's error, and
// sends nothing.
func TestRequestResets_cancelled(t *testing.T) {
	api := newTestAPI(t)
	c, err := client.New(client.Config{Endpoint: api.URL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	emails := addAccounts(api, 50)
	seen := map[string]int{}
	requestResets(ctx, c, emails, 4, func(email string, err error) {
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
	if n := api.Count(standin.EndpointRequestReset); n != 0 {
		t.Errorf("%d requests sent after cancellation, want none", n)
	}
}
