package batch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("x: %w", client.ErrOutcomeUnknown), ReasonOutcomeUnknown},
		{fmt.Errorf("x: %w", client.ErrNotSent), ReasonNotSent},
		// A POST given up on 429s is not sent, even though it is also rate limited.
		{errors.Join(client.ErrRateLimited, client.ErrNotSent), ReasonNotSent},
		{context.DeadlineExceeded, ReasonNotSent},
		{context.Canceled, ReasonNotSent},
		{client.ErrNotFound, ReasonRejected},
		{&client.APIError{StatusCode: 400, Message: "bad"}, ReasonRejected},
		{errors.New("something else"), ReasonRejected},
	} {
		if got := Classify(c.err); got.Reason != c.want || got.Detail == "" {
			t.Errorf("Classify(%v) = %+v, want reason %s with a detail", c.err, got, c.want)
		}
	}
}

func TestSettle(t *testing.T) {
	p := PlanMail(Input{Emails: []string{"ok@x.io", "gone@x.io", "lost@x.io", "late@x.io", "kept@x.io", "adopt@x.io"}, AlreadyMailed: []string{"adopt@x.io"}},
		State{Sent: map[string]string{"kept@x.io": at(0)}}, t0)
	o := Settle(p, map[string]Result{
		"ok@x.io":   {At: at(1)},
		"gone@x.io": {Err: client.ErrNotFound},
		"lost@x.io": {Err: client.ErrOutcomeUnknown},
		// late@x.io has no result: never started.
	}, at(2))
	wantSent := map[string]string{"ok@x.io": at(1), "kept@x.io": at(0), "adopt@x.io": at(2)}
	if !maps.Equal(o.Sent, wantSent) {
		t.Errorf("sent %v, want %v", o.Sent, wantSent)
	}
	reasons := map[string]string{}
	for e, u := range o.Unmailed {
		reasons[e] = u.Reason
	}
	wantReasons := map[string]string{"gone@x.io": ReasonRejected, "lost@x.io": ReasonOutcomeUnknown, "late@x.io": ReasonNotSent}
	if !maps.Equal(reasons, wantReasons) || len(o.Failures) != 3 {
		t.Errorf("unmailed %v (failures %d), want %v (3)", reasons, len(o.Failures), wantReasons)
	}
	if o.NobodyMailed() {
		t.Error("NobodyMailed with three addresses sent")
	}
	if !(Outcome{Unmailed: map[string]Unmailed{"a": {Reason: ReasonRejected}}}).NobodyMailed() {
		t.Error("a rejection alone should be nobody mailed")
	}
	if (Outcome{Unmailed: map[string]Unmailed{"a": {Reason: ReasonOutcomeUnknown}}}).NobodyMailed() {
		t.Error("an unknown outcome may have mailed somebody")
	}
}
