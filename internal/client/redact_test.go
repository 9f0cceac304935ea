package client

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// leakWindow is the length of the shortest piece of a secret that counts as a
// leak: a truncated secret, or one rendered with its whitespace collapsed,
// shows pieces, never the whole.
const leakWindow = 8

// secretRenderings are the strings a secret must not show up as: its forms on
// the wire (as is, path-escaped, query-escaped, JSON-escaped) and as text with
// its whitespace and unprintable characters collapsed into single spaces, the
// way a cleaned message shows it. Written
// independently of the code under test.
func secretRenderings(secret string) []string {
	j, _ := json.Marshal(secret)
	return []string{
		secret, url.PathEscape(secret), url.QueryEscape(secret), string(j[1 : len(j)-1]),
		strings.Join(strings.FieldsFunc(secret, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " "),
	}
}

// leakedPiece returns a piece of secret that text shows (any leakWindow
// characters in a row of one of its renderings, or a whole rendering if
// shorter), or "".
func leakedPiece(text, secret string) string {
	for _, form := range secretRenderings(secret) {
		runes := []rune(form)
		if len(runes) <= leakWindow {
			if form != "" && strings.Contains(text, form) {
				return form
			}
			continue
		}
		for i := 0; i+leakWindow <= len(runes); i++ {
			if piece := string(runes[i : i+leakWindow]); strings.Contains(text, piece) {
				return piece
			}
		}
	}
	return ""
}

// springRejection is the message a Spring Boot API gives for a refused field,
// quoting the value it got.
func springRejection(prefix, value string) string {
	return prefix + "Field error in object 'resetPasswordDTO' on field 'newPassword': rejected value [" + value + "]; policy"
}

// echoServer answers every finish-reset call with 400 and a Spring-style
// message that echoes what it received, in the form echo picks from the
// token as it arrived in the path, the token decoded, the new password and
// the raw request body.
func echoServer(t *testing.T, echo func(pathToken, token, password, body string) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body struct {
			NewPassword string `json:"newPassword"`
		}
		_ = json.Unmarshal(raw, &body)
		escaped := r.URL.EscapedPath()
		pathToken := escaped[strings.LastIndexByte(escaped, '/')+1:]
		token, _ := url.PathUnescape(pathToken)
		msg, _ := json.Marshal(map[string]any{"status": 400, "error": "Bad Request", "message": echo(pathToken, token, body.NewPassword, string(raw))})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(msg)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestServerEchoNeverShowsASecret makes a server echo the call's secrets in
// the message of a 400, in every form and in the shapes that defeated a
// redaction run after cleaning: whitespace that cleaning collapses, and a
// secret that the 300-character cut goes through. The error must show the
// message, and no piece of any secret.
func TestServerEchoNeverShowsASecret(t *testing.T) {
	const token = "tok-SECRET é+x:y"
	// fill puts the echoed value so that the message's cut at maxMessageLen
	// characters falls 10 characters into it.
	before := springRejection("", "")
	fill := strings.Repeat("x", maxMessageLen-10-len(before[:strings.Index(before, "[")+1]))
	long := "Long-SECRET-" + strings.Repeat("0123456789abcdef", 25) // 412 characters
	for _, tc := range []struct {
		name, password string
		echo           func(pathToken, token, password, body string) string
	}{
		{"password", "pw-SECRET-77aa", func(_, _, pw, _ string) string { return springRejection("", pw) }},
		{"double spaces", "correct  horse  battery  staple", func(_, _, pw, _ string) string { return springRejection("", pw) }},
		{"tabs", "correct\thorse\tbattery\tstaple", func(_, _, pw, _ string) string { return springRejection("", pw) }},
		{"non-breaking spaces", "correct\u00a0horse\u00a0battery\u00a0staple", func(_, _, pw, _ string) string { return springRejection("", pw) }},
		{"leading and trailing space", " spaced-SECRET-pw ", func(_, _, pw, _ string) string { return springRejection("", pw) }},
		{"control characters", "ctl\x01SECRET\x7fpw", func(_, _, pw, _ string) string { return springRejection("", pw) }},
		{"long password past the cut", long, func(_, _, pw, _ string) string { return springRejection("", pw) }},
		{"password straddling the cut", "pw-SECRET-77aa", func(_, _, pw, _ string) string { return springRejection(fill, pw) }},
		// A server that wraps long lines: only cleaning turns the echo back
		// into the secret, so only a redaction after cleaning finds it.
		{"password wrapped across lines", "correct horse battery staple", func(_, _, pw, _ string) string {
			return springRejection("", strings.ReplaceAll(pw, " ", "\r\n "))
		}},
		{"request body echoed as text", `pw-"SECRET"<&>`, func(_, _, _, body string) string { return "cannot read " + body }},
		{"token raw", "pw-SECRET-77aa", func(_, tok, _, _ string) string { return springRejection(fill, tok) }},
		{"token path-escaped", "pw-SECRET-77aa", func(pt, _, _, _ string) string { return springRejection(fill, pt) }},
		{"token query-escaped", "pw-SECRET-77aa", func(_, tok, _, _ string) string {
			return springRejection(fill, url.QueryEscape(tok))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := echoServer(t, tc.echo)
			c := newTestClient(t, srv.URL+"/rest")
			err := c.FinishPasswordReset(t.Context(), token, FinishResetRequest{NewPassword: tc.password})
			var apiErr *APIError
			if !errors.As(err, &apiErr) || !errors.Is(err, ErrPasswordRejected) {
				t.Fatalf("got %T %v, want an *APIError matching ErrPasswordRejected", err, err)
			}
			// The message is shown (the check below would pass on an empty
			// one), and within its bound.
			if !strings.Contains(apiErr.Message, "[") || utf8.RuneCountInString(strings.TrimSuffix(apiErr.Message, "…")) > maxMessageLen {
				t.Errorf("message %q: want the server's words, at most %d characters", apiErr.Message, maxMessageLen)
			}
			t.Logf("error: %v", err)
			for _, secret := range []string{token, tc.password} {
				if piece := leakedPiece(err.Error(), secret); piece != "" {
					t.Errorf("error %q shows %q, a piece of a secret", err, piece)
				}
			}
		})
	}
}

// TestRedactBeforeAndAfterCleaning pins the order of safeMessage's steps on the cases
// that each step exists for.
func TestRedactBeforeAndAfterCleaning(t *testing.T) {
	for _, tc := range []struct {
		text, secret, want string
	}{
		// Redacted before cleaning: cleaning would collapse the spaces.
		{"value [a  b  SECRET]", "a  b  SECRET", "value [[REDACTED]]"},
		{"value [a\u00a0SECRET]", "a\u00a0SECRET", "value [[REDACTED]]"},
		// Redacted after cleaning: cleaning joins the pieces.
		{"value [a\n  SECRET]", "a SECRET", "value [[REDACTED]]"},
		// And in the cleaned form of a secret with unusual whitespace.
		{"value [a\n\tSECRET]", "a\tSECRET", "value [[REDACTED]]"},
		// Cut last: the placeholder may be cut, the secret never.
		{strings.Repeat("x", maxMessageLen-4) + " SECRET-tail", "SECRET-tail", strings.Repeat("x", maxMessageLen-4) + " [RE…"},
	} {
		if got := safeMessage(tc.text, tc.secret); got != tc.want {
			t.Errorf("safeMessage(%q, %q) = %q, want %q", tc.text, tc.secret, got, tc.want)
		}
	}
}
