package client

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxMessageLen bounds, in characters, how much of a server's error message
// is repeated in a diagnostic.
const maxMessageLen = 300

// errorMessage extracts a human-readable message from an error response body
// and makes it safe to show (see safeMessage). The API answers errors with
// JSON such as {"status":404,"message":"..."}; proxies in front of it answer
// with HTML or plain text. JSON fields are preferred; an HTML page yields
// nothing (its markup helps no one); short plain text is used as is. The
// result is a single printable line that holds none of the secrets.
func errorMessage(body []byte, secrets ...string) string {
	return safeMessage(rawErrorMessage(body), secrets...)
}

// rawErrorMessage is the message errorMessage shows, before anything is
// cleaned or redacted.
func rawErrorMessage(body []byte) string {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return ""
	}
	if trimmed[0] == '{' {
		var e struct {
			Message any `json:"message"`
			Detail  any `json:"detail"`
			Error   any `json:"error"`
			Title   any `json:"title"`
		}
		if json.Unmarshal([]byte(trimmed), &e) != nil {
			return ""
		}
		for _, v := range []any{e.Message, e.Detail, e.Error, e.Title} {
			if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
				return s
			}
		}
		return ""
	}
	if trimmed[0] == '<' {
		return ""
	}
	return trimmed
}

// safeMessage turns text a server sent into one printable line of bounded
// length that holds none of the secrets.
//
// The order matters. The secrets are looked for in the text as received
// first, because cleaning changes them: a password with two spaces in a row,
// a tab or a non-breaking space would no longer match itself once the
// whitespace is collapsed. Cleaning can also join text into a secret (a
// server that wrapped the secret across lines), so the cleaned text is
// redacted again, looking also for each secret as cleaning would render it.
// The cut comes last, so that it can shorten a placeholder but never leave a
// readable prefix of a secret that a later search would no longer recognise.
func safeMessage(s string, secrets ...string) string {
	s = redactString(s, secrets...)
	s = collapseMessage(s)
	all := withCleanedForms(secrets)
	s = redactString(s, all...)
	// The ellipsis the cut adds could complete a secret that ends in one
	// with the text before it.
	return redactString(truncateMessage(s, maxMessageLen), all...)
}

// withCleanedForms returns the secrets followed by each one as
// collapseMessage renders it, where that differs.
func withCleanedForms(secrets []string) []string {
	out := make([]string, 0, 2*len(secrets))
	out = append(out, secrets...)
	for _, s := range secrets {
		if c := collapseMessage(s); c != s {
			out = append(out, c)
		}
	}
	return out
}

// cleanMessage turns s into one printable line of bounded length, so that a
// hostile or broken server cannot inject terminal escapes or pages of text
// into a diagnostic. Text that may hold a secret goes through safeMessage
// instead.
func cleanMessage(s string) string {
	return truncateMessage(collapseMessage(s), maxMessageLen)
}

// collapseMessage turns s into one printable line: runs of whitespace and
// non-printable characters become one space, and none is kept at either end.
func collapseMessage(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// truncateMessage cuts s after limit characters, marking the cut with an
// ellipsis and dropping a space it would leave before it.
func truncateMessage(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}
