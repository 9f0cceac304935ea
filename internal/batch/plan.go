// Package batch decides what a wave of password-reset mails sends, and
// records what happened to each address. It knows nothing of Terraform: the
// provider's clevermaps_password_reset_requests resource and the
// clevermaps_send_password_reset action are thin glue around it.
package batch

import (
	"maps"
	"slices"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/address"
)

// Why an address is to be mailed: the values of the resource's to_mail.
const (
	WhyNew    = "new"    // never mailed by this resource
	WhyRetry  = "retry"  // an earlier apply left it unmailed
	WhyResend = "resend" // its last mail is older than resend_after
)

// Input is what the configuration says about a wave.
type Input struct {
	// Emails are the addresses to mail, in the configuration's order; they
	// may repeat (see Distinct).
	Emails []string
	// AlreadyMailed are addresses mailed outside the resource: they are
	// recorded as sent without a mail.
	AlreadyMailed []string
	// ResendAfter mails an address again once its last mail is this old;
	// zero never does.
	ResendAfter time.Duration
	// RetryUnknown mails again addresses whose outcome is unknown.
	RetryUnknown bool
}

// State is what earlier applies recorded: every address is in exactly one of
// Sent (with the RFC 3339 time the API accepted it) and Unmailed.
type State struct {
	Sent     map[string]string
	Unmailed map[string]Unmailed
}

// Plan is what one apply mails. The plan and the apply compute it in the
// same way, so that the apply mails exactly what the plan showed.
type Plan struct {
	Emails   []string          // distinct, in first order and spelling
	ToMail   []string          // in the order of Emails
	Why      map[string]string // ToMail address -> WhyNew, WhyRetry or WhyResend
	Adopted  []string          // AlreadyMailed addresses to record as sent
	Kept     map[string]string // sent entries that stay, by spelling in Emails
	Unmailed map[string]Unmailed
	// Previous is the last sent time of each WhyResend address, and
	// PreviousUnmailed the entry of each WhyRetry address, which they keep
	// if Restrict takes them out of ToMail.
	Previous         map[string]string
	PreviousUnmailed map[string]Unmailed
}

// Distinct returns emails once each by address.Key (the project's one rule,
// which the stand-in matches accounts by too), in their first order and
// spelling: the resource's emails has set semantics, so a repeated address is
// mailed once.
func Distinct(emails []string) []string {
	seen := make(map[string]struct{}, len(emails))
	return slices.DeleteFunc(slices.Clone(emails), func(e string) bool {
		k := address.Key(e)
		_, dup := seen[k]
		seen[k] = struct{}{}
		return dup
	})
}

// PlanMail decides what to mail given the prior state (empty on create or
// replacement) at time now.
func PlanMail(in Input, prior State, now time.Time) Plan {
	sentAt := make(map[string]string, len(prior.Sent))
	for e, at := range prior.Sent {
		sentAt[address.Key(e)] = at
	}
	left := make(map[string]Unmailed, len(prior.Unmailed))
	for e, u := range prior.Unmailed {
		left[address.Key(e)] = u
	}
	adopt := make(map[string]struct{}, len(in.AlreadyMailed))
	for _, e := range in.AlreadyMailed {
		adopt[address.Key(e)] = struct{}{}
	}
	emails := Distinct(in.Emails)
	p := Plan{
		Emails: emails, Kept: make(map[string]string, len(emails)), Unmailed: map[string]Unmailed{},
		Why: map[string]string{}, Previous: map[string]string{}, PreviousUnmailed: map[string]Unmailed{},
	}
	mail := func(e, why string) {
		p.ToMail = append(p.ToMail, e)
		p.Why[e] = why
	}
	for _, e := range emails {
		k := address.Key(e)
		if at, ok := sentAt[k]; ok {
			if in.ResendAfter > 0 && Due(at, in.ResendAfter, now) {
				mail(e, WhyResend)
				p.Previous[e] = at
			} else {
				p.Kept[e] = at
			}
			continue
		}
		if _, ok := adopt[k]; ok {
			// Listed as mailed elsewhere: also how a person settles an
			// unknown outcome they checked.
			p.Adopted = append(p.Adopted, e)
			continue
		}
		if u, ok := left[k]; ok {
			if u.Reason == ReasonOutcomeUnknown && !in.RetryUnknown {
				p.Unmailed[e] = u
				continue
			}
			mail(e, WhyRetry)
			p.PreviousUnmailed[e] = u
			continue
		}
		mail(e, WhyNew)
	}
	return p
}

// Recipients returns the ToMail addresses mailed for why, in order.
func (p Plan) Recipients(why string) []string {
	var out []string
	for _, e := range p.ToMail {
		if p.Why[e] == why {
			out = append(out, e)
		}
	}
	return out
}

// Restrict keeps only the planned recipients: an address that became due
// after the plan was made waits for the next one, and keeps its entry in
// sent. p is not modified.
func (p Plan) Restrict(planned map[string]string) Plan {
	want := make(map[string]struct{}, len(planned))
	for e := range planned {
		want[address.Key(e)] = struct{}{}
	}
	out := p
	out.ToMail = make([]string, 0, len(planned))
	out.Why = make(map[string]string, len(planned))
	out.Kept = maps.Clone(p.Kept)
	out.Unmailed = maps.Clone(p.Unmailed)
	for _, e := range p.ToMail {
		_, planned := want[address.Key(e)]
		switch at, resend := p.Previous[e]; {
		case planned:
			out.ToMail = append(out.ToMail, e)
			out.Why[e] = p.Why[e]
		case resend:
			out.Kept[e] = at
		default:
			// Plan and apply compute from the same configuration and state,
			// so this does not happen; if it did, the address stays on
			// record rather than being forgotten.
			u, ok := p.PreviousUnmailed[e]
			if !ok {
				u = Unmailed{Reason: ReasonNotSent, Detail: "Not in the plan that was applied; the next plan lists it."}
			}
			out.Unmailed[e] = u
		}
	}
	return out
}

// Due reports whether a mail sent at (RFC 3339) is resendAfter old. A time
// that does not parse is treated as due: it cannot be shown to be recent.
func Due(at string, resendAfter time.Duration, now time.Time) bool {
	t, err := time.Parse(time.RFC3339, at)
	return err != nil || !now.Before(t.Add(resendAfter))
}

// TimeoutRule is the default time limit of an apply: a base plus a share per
// address to mail, so that a large wave against a rate-limited API is not
// cut off by a fixed bound.
type TimeoutRule struct {
	Base, PerAddress time.Duration
}

// DefaultTimeoutRule is the rule the resource documents.
var DefaultTimeoutRule = TimeoutRule{Base: 5 * time.Minute, PerAddress: 250 * time.Millisecond}

// For is the limit for n addresses to mail.
func (r TimeoutRule) For(n int) time.Duration {
	return r.Base + time.Duration(n)*r.PerAddress
}
