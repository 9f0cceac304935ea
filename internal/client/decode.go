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

// errorMessage extracts a human-readable message from an error response body.
// The API answers errors with JSON such as {"status":404,"message":"..."};
// proxies in front of it answer with HTML or plain text. JSON fields are
// preferred; an HTML page yields nothing (its markup helps no one); short plain
// text is used as is. The result is a single printable line.
func errorMessage(body []byte) string {
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
				return cleanMessage(s)
			}
		}
		return ""
	}
	if trimmed[0] == '<' {
		return ""
	}
	return cleanMessage(trimmed)
}

// cleanMessage turns s into one printable line of bounded length, so that a
// hostile or broken server cannot inject terminal escapes or pages of text
// into a diagnostic.
func cleanMessage(s string) string {
	var b strings.Builder
	space := false
	runes := 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = b.Len() > 0
			continue
		}
		need := 1
		if space {
			need = 2
		}
		if runes+need > maxMessageLen {
			return b.String() + "…"
		}
		if space {
			b.WriteByte(' ')
			space = false
			runes++
		}
		b.WriteRune(r)
		runes++
	}
	return b.String()
}
