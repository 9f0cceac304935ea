package client

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// The fuzz tests below run their seeds (f.Add and testdata/fuzz/<name>/) with
// every go test; run one for longer with, for example,
//
//	go test ./internal/client/ -run '^$' -fuzz '^FuzzRedactString$' -fuzztime 60s

func FuzzParseRetryAfter(f *testing.F) {
	for _, seed := range []string{
		"0", "5", "007", " 12 ", "-1", "+5", "1.5", "5s", "86401", "18446744073709551616",
		"Fri, 02 Jan 2026 15:05:35 GMT", "Friday, 02-Jan-26 15:05:35 GMT", "Fri Jan  2 15:05:35 2026",
		"Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", "", "soon", "\x00", "9\u00a0",
	} {
		f.Add(seed)
	}
	now := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string) {
		d, ok := parseRetryAfter(value, now)
		switch {
		case !ok && d != 0:
			t.Errorf("parseRetryAfter(%q) = %v, false; want 0 when it fails", value, d)
		case ok && (d < 0 || d > maxRetryAfter):
			t.Errorf("parseRetryAfter(%q) = %v, outside [0, %v]", value, d, maxRetryAfter)
		}
	})
}

func FuzzErrorMessage(f *testing.F) {
	for _, seed := range []string{
		`{"status":404,"error":"Not Found","message":"Account not found"}`,
		`{"detail":"  spaced\n\tout  "}`,
		`{"message":42,"title":"fallback"}`,
		`{"message":"\u001b[31mred\u001b[0m\u202eevil"}`,
		`{"message":`,
		"<html><body><h1>502 Bad Gateway</h1></body></html>",
		"plain text\r\nwith lines\x00and a NUL",
		"\xff\xfe invalid utf-8 \xc3",
		strings.Repeat("é", 400),
		strings.Repeat("word ", 100),
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := errorMessage(body)
		if !utf8.ValidString(msg) {
			t.Fatalf("errorMessage(%q) = %q: not valid UTF-8", body, msg)
		}
		// At most maxMessageLen characters, then possibly an ellipsis.
		if n := utf8.RuneCountInString(strings.TrimSuffix(msg, "…")); n > maxMessageLen {
			t.Errorf("errorMessage(%q) is %d characters long, want at most %d", body, n, maxMessageLen)
		}
		for _, r := range msg {
			if !unicode.IsPrint(r) || r == utf8.RuneError {
				t.Fatalf("errorMessage(%q) = %q contains %U", body, msg, r)
			}
		}
		if strings.HasPrefix(msg, " ") || strings.HasSuffix(msg, " ") || strings.Contains(msg, "  ") {
			t.Errorf("errorMessage(%q) = %q: stray spaces", body, msg)
		}
	})
}

// FuzzSafeMessage checks that no rendering of a secret (its forms on the
// wire, or its text with whitespace collapsed) survives safeMessage, whatever
// text surrounds it and however the server spaced it, and that the result
// keeps its bound.
func FuzzSafeMessage(f *testing.F) {
	for _, seed := range []struct {
		secret, before, after string
		wrap                  bool
	}{
		{"correct  horse  battery  staple", "rejected value [", "]", false},
		{"correct\thorse\u00a0battery", "rejected value [", "]", false},
		{"correct horse battery staple", "rejected value [", "]", true},
		{"Long-SECRET-" + strings.Repeat("0123456789abcdef", 25), "rejected value [", "]", false},
		{"pw-SECRET", strings.Repeat("x", maxMessageLen-12), " tail", false},
		{"ends in…", strings.Repeat("y", maxMessageLen-7) + "ends in", "zz", false},
		{" \x01 SECRET\x7f", "", "", false},
	} {
		f.Add(seed.secret, seed.before, seed.after, seed.wrap)
	}
	f.Fuzz(func(t *testing.T, secret, before, after string, wrap bool) {
		if len(secret) < 4 {
			return
		}
		echoed := secret
		if wrap { // A server that wrapped the line at each space.
			echoed = strings.ReplaceAll(secret, " ", "\r\n\t")
		}
		got := safeMessage(before+echoed+after, secret)
		for _, form := range secretRenderings(secret) {
			if len(form) >= 4 && strings.Contains(got, form) {
				t.Fatalf("safeMessage(%q, %q) = %q still shows %q", before+echoed+after, secret, got, form)
			}
		}
		if n := utf8.RuneCountInString(strings.TrimSuffix(got, "…")); n > maxMessageLen+len(redacted) {
			t.Errorf("safeMessage(…) is %d characters long", n)
		}
	})
}

// secretForms are the forms in which a secret can show up in a URL or a body.
func secretForms(secret string) [3]string {
	return [3]string{secret, url.PathEscape(secret), url.QueryEscape(secret)}
}

// embedSecret builds a text that holds secret twice, in the forms pick
// selects, around arbitrary text; an empty between makes them adjacent.
func embedSecret(secret, before, between, after string, pick uint8) string {
	forms := secretForms(secret)
	return before + forms[pick%3] + between + forms[pick/3%3] + after
}

// FuzzRedactString checks that no form of a secret survives redaction,
// whatever text surrounds it: text that overlaps an occurrence, text that
// would combine with the placeholder into the secret, and a second secret.
func FuzzRedactString(f *testing.F) {
	for _, seed := range []struct {
		secret, other, before, between, after string
		pick                                  uint8
	}{
		{"tok-SECRET-1f9e", "pw-SECRET-77aa", "GET /rest/accounts/passwordReset/", "?", "\n", 0},
		{"s3cret t0ken+/é", "", "path ", " query ", "", 5},
		{"abab", "", "x", "", "ab", 0},              // overlapping occurrences
		{"a/ba", "", "", "", "%2Fba", 0},            // raw and escaped forms overlapping
		{"]abc", "", "", "abc", "", 0},              // the placeholder's end plus text
		{"xyz[", "", "xy", "", "z[", 0},             // text plus the placeholder's start
		{"EDAC", "", "", "", "", 0},                 // inside the placeholder
		{"[REDACTED]", "", "", "", "", 8},           // the placeholder itself
		{"tokentoken", "token", "", "", "", 0},      // one secret inside another
		{"pass word", "word", "", "+", "%20", 4},    // escaped forms
		{"\xff\xfe\xfd\xfc", "", "\xff", "", "", 1}, // invalid UTF-8
	} {
		f.Add(seed.secret, seed.other, seed.before, seed.between, seed.after, seed.pick)
	}
	f.Fuzz(func(t *testing.T, secret, other, before, between, after string, pick uint8) {
		if len(secret) < 4 {
			return
		}
		text := embedSecret(secret, before, between, after, pick)
		got := redactString(text, secret, other)
		for _, s := range []string{secret, other} {
			if len(s) < 4 {
				continue
			}
			for _, form := range secretForms(s) {
				if strings.Contains(got, form) {
					t.Fatalf("redactString(%q, %q, %q) = %q still contains %q", text, secret, other, got, form)
				}
			}
		}
	})
}

// FuzzRedactTransportError wraps an arbitrary error message in the *url.Error
// that net/http returns, whose URL carries the escaped secret, and checks that
// the redacted error shows the secret in none of its forms.
func FuzzRedactTransportError(f *testing.F) {
	for _, seed := range []struct {
		secret, msg string
		pick        uint8
		wrap        bool
	}{
		{"tok-SECRET-1f9e", "dial tcp 127.0.0.1:1: connect: connection refused", 0, false},
		{"tok-SECRET-1f9e", "EOF", 0, true},
		{"s3cret t0ken+/é", "read: connection reset by peer", 4, false},
		{"leak-me-not é+", "", 2, true},
		{"]abc", "abc", 0, false},
	} {
		f.Add(seed.secret, seed.msg, seed.pick, seed.wrap)
	}
	f.Fuzz(func(t *testing.T, secret, msg string, pick uint8, wrap bool) {
		if len(secret) < 4 {
			return
		}
		inner := errors.New(embedSecret(secret, msg, " ", msg, pick))
		var err error = &url.Error{
			Op:  "Post",
			URL: "http://127.0.0.1:1/rest/accounts/passwordReset/" + url.PathEscape(secret),
			Err: inner,
		}
		if wrap {
			err = fmt.Errorf("reading response: %w", err)
		}
		got := redactTransportError(err, secret)
		for _, form := range secretForms(secret) {
			if strings.Contains(got.Error(), form) {
				t.Fatalf("redactTransportError(%q) = %q still contains %q", err, got, form)
			}
		}
		var uerr *url.Error
		if errors.As(got, &uerr) {
			t.Fatalf("redactTransportError(%q) still wraps a *url.Error", err)
		}
	})
}

// TestRedactStringOverlaps pins the cases the fuzz test found or that are
// easy to get wrong: no character of any occurrence may survive, and the
// placeholder must not combine with its neighbours into the secret.
func TestRedactStringOverlaps(t *testing.T) {
	for _, tc := range []struct {
		text    string
		secrets []string
		want    string
	}{
		{"GET /x/tok-SECRET-1f9e failed", []string{"tok-SECRET-1f9e"}, "GET /x/[REDACTED] failed"},
		{"tokentoken", []string{"token"}, "[REDACTED][REDACTED]"},
		{"xabababy", []string{"abab"}, "x[REDACTED]y"},
		{"a/ba%2Fba", []string{"a/ba"}, "[REDACTED]"},
		{"pass+word pass%20word pass word", []string{"pass word"}, "[REDACTED] [REDACTED] [REDACTED]"},
		{"secret-and-pw", []string{"secret-and", "and-pw"}, "[REDACTED]"},
		{"nothing here", []string{"tok-SECRET-1f9e", ""}, "nothing here"},
		{"]abcabc", []string{"]abc"}, "***abc"},
		{"xEDACx", []string{"EDAC"}, "x***x"},
		{"]*ab*ab", []string{"]*ab"}, "###*ab"},
	} {
		got := redactString(tc.text, tc.secrets...)
		if got != tc.want {
			t.Errorf("redactString(%q, %q) = %q, want %q", tc.text, tc.secrets, got, tc.want)
		}
	}
}
