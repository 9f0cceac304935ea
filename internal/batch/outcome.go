package batch

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// Why an address was left unmailed: the values of unmailed[*].reason.
const (
	// ReasonNotSent: the API did not act on the request (never sent,
	// refused before acting, or not attempted before the deadline). The next
	// apply mails it.
	ReasonNotSent = "not_sent"
	// ReasonRejected: the API answered that it did not mail, for example
	// because no account has the address. The next apply mails it.
	ReasonRejected = "rejected"
	// ReasonOutcomeUnknown: the request reached the API and its answer
	// leaves open whether a mail went out. Not mailed again unless asked.
	ReasonOutcomeUnknown = "outcome_unknown"
)

// Unmailed is why an address has no mail on record, with a sentence that
// says what happened (not what happens next, so that the action can use it
// too). The tags let the provider read and write it as the element of the
// resource's unmailed map.
type Unmailed struct {
	Reason string `tfsdk:"reason"`
	Detail string `tfsdk:"detail"`
}

// Classify turns a failed request into its Unmailed entry.
func Classify(err error) Unmailed {
	var apiErr *client.APIError
	switch {
	case errors.Is(err, client.ErrOutcomeUnknown):
		return Unmailed{Reason: ReasonOutcomeUnknown, Detail: "The request went out, then " + client.Describe(err) + "; the mail may have been sent."}
	case errors.Is(err, client.ErrNotSent):
		return Unmailed{Reason: ReasonNotSent, Detail: "Not sent, the API did not act on it: " + client.Describe(err) + "."}
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		// Send's error for an address it never started.
		return Unmailed{Reason: ReasonNotSent, Detail: "Not attempted before the operation's timeout or cancellation."}
	case errors.Is(err, client.ErrNotFound):
		return Unmailed{Reason: ReasonRejected, Detail: "No CleverMaps account has this address (the API answered 404)."}
	case errors.As(err, &apiErr):
		return Unmailed{Reason: ReasonRejected, Detail: "The API refused the request: " + client.Describe(err) + "."}
	}
	return Unmailed{Reason: ReasonRejected, Detail: "The request failed: " + client.Describe(err) + "."}
}

// Result is the outcome of one address's request.
type Result struct {
	At  string // RFC 3339 time of the API's acceptance
	Err error
}

// Outcome is what an apply of a Plan leaves: every address of the plan in
// exactly one of Sent and Unmailed, and the failures of this apply.
type Outcome struct {
	Sent     map[string]string
	Unmailed map[string]Unmailed
	Failures map[string]Unmailed // the addresses of ToMail that failed now
}

// Settle records the results of mailing p.ToMail; now (RFC 3339) is the time
// recorded for adopted addresses. An address of ToMail without a result is
// not sent.
func Settle(p Plan, results map[string]Result, now string) Outcome {
	o := Outcome{
		Sent:     maps.Clone(p.Kept),
		Unmailed: maps.Clone(p.Unmailed),
		Failures: map[string]Unmailed{},
	}
	if o.Sent == nil {
		o.Sent = map[string]string{}
	}
	if o.Unmailed == nil {
		o.Unmailed = map[string]Unmailed{}
	}
	for _, e := range p.Adopted {
		o.Sent[e] = now
	}
	for _, e := range p.ToMail {
		res, ok := results[e]
		if !ok {
			res.Err = context.Canceled
		}
		if res.Err == nil {
			o.Sent[e] = res.At
			continue
		}
		u := Classify(res.Err)
		o.Unmailed[e] = u
		o.Failures[e] = u
	}
	return o
}

// NobodyMailed reports whether o shows that no address has, or may have, a
// mail: nothing sent and no outcome unknown.
func (o Outcome) NobodyMailed() bool {
	return len(o.Sent) == 0 && !slices.ContainsFunc(slices.Collect(maps.Values(o.Unmailed)), func(u Unmailed) bool {
		return u.Reason == ReasonOutcomeUnknown
	})
}
