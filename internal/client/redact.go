package client

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
)

// redacted replaces every secret in text that leaves the client.
const redacted = "[REDACTED]"

// redactString removes every occurrence of each secret from s, in the forms
// in which a secret can show up in a URL or a body: as is, path-escaped,
// query-escaped and as a JSON string's content (how a request body carries
// it, so a server that echoes the body it got shows that form). Empty secrets
// are ignored.
//
// All occurrences are found before anything is replaced, and overlapping ones
// are replaced together, so that no character of any occurrence survives
// (replacing one form after another would leave the tail of an occurrence that
// overlaps one already replaced). The placeholder itself could combine with
// the text beside it into a secret (a secret "]abc" followed by "abc") or
// contain one (a secret "EDAC"); in those rare cases a mask made of a character
// that no form of any secret contains is used instead.
func redactString(s string, secrets ...string) string {
	forms := formsOf(secrets)
	spans := secretSpans(s, forms)
	if len(spans) == 0 {
		return s
	}
	if out := replaceSpans(s, spans, redacted); !containsAny(out, forms) {
		return out
	}
	if mask, ok := fallbackMask(forms); ok {
		return replaceSpans(s, spans, mask)
	}
	// The secrets use every printable ASCII character; nothing of s is safe.
	return ""
}

// formsOf lists, without repeats, every form of the non-empty secrets.
func formsOf(secrets []string) []string {
	var forms []string
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, url.PathEscape(secret), url.QueryEscape(secret), jsonForm(secret)} {
			if !slices.Contains(forms, form) {
				forms = append(forms, form)
			}
		}
	}
	return forms
}

// SecretForms returns secret in every form in which the client may send it
// or a server may echo it (see redactString), so that a caller can mask the
// same forms elsewhere, for example in its own log lines.
func SecretForms(secret string) []string {
	return formsOf([]string{secret})
}

// jsonForm is secret as encoding/json writes it inside a string, quotes
// removed: what the request bodies carry.
func jsonForm(secret string) string {
	b, err := json.Marshal(secret)
	if err != nil || len(b) < 2 {
		return secret
	}
	return string(b[1 : len(b)-1])
}

// span is the byte range [start, end) of a string.
type span struct{ start, end int }

// secretSpans returns the byte ranges of s that some occurrence of a form
// covers, overlapping occurrences merged into one range, in order. Adjacent
// occurrences stay apart, so that each gets its own placeholder.
func secretSpans(s string, forms []string) []span {
	var spans []span
	for _, form := range forms {
		for i := 0; ; {
			j := strings.Index(s[i:], form)
			if j < 0 {
				break
			}
			spans = append(spans, span{i + j, i + j + len(form)})
			i += j + 1 // Look for overlapping occurrences too.
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var merged []span
	for _, sp := range spans {
		if n := len(merged); n > 0 && sp.start < merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// replaceSpans replaces each of the ordered, disjoint spans of s with
// placeholder.
func replaceSpans(s string, spans []span, placeholder string) string {
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.start])
		b.WriteString(placeholder)
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

func containsAny(s string, forms []string) bool {
	return slices.ContainsFunc(forms, func(form string) bool { return strings.Contains(s, form) })
}

// fallbackMask returns a placeholder made of one printable ASCII character
// that no form contains, '*' or '#' if possible. No occurrence of a form can
// then overlap the placeholder, and the text between placeholders holds none.
func fallbackMask(forms []string) (string, bool) {
	unused := func(c byte) bool {
		return !slices.ContainsFunc(forms, func(form string) bool { return strings.IndexByte(form, c) >= 0 })
	}
	candidates := []byte("*#")
	for c := byte('!'); c <= '~'; c++ {
		candidates = append(candidates, c)
	}
	for _, c := range candidates {
		if unused(c) {
			return strings.Repeat(string(c), 3), true
		}
	}
	return "", false
}

// redactedError carries a redacted message and the cause it came from. The
// cause is never a *url.Error (see redactTransportError), so unwrapping it
// cannot reveal the request URL either.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// redactTransportError makes an error from net/http safe to show. Go's
// *url.Error prints the full request URL, and ours carries the reset token in
// its path, so the *url.Error layer is dropped and the remaining message is
// scrubbed of the secrets as a second line of defence.
func redactTransportError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var uerr *url.Error
	for errors.As(err, &uerr) {
		err = uerr.Err
		if err == nil {
			return &redactedError{msg: "request failed"}
		}
	}
	return &redactedError{msg: redactString(err.Error(), secrets...), cause: err}
}
