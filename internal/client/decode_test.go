package client

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanMessage_countsCharacters(t *testing.T) {
	long := strings.Repeat("é", maxMessageLen+50)
	got := cleanMessage(long)
	if n := utf8.RuneCountInString(strings.TrimSuffix(got, "…")); n != maxMessageLen {
		t.Errorf("kept %d characters, want %d", n, maxMessageLen)
	}
	if !strings.HasSuffix(got, "…") {
		t.Errorf("a shortened message must end in an ellipsis: %q", got[len(got)-10:])
	}
	if got := cleanMessage(strings.Repeat("é", maxMessageLen)); got != strings.Repeat("é", maxMessageLen) {
		t.Errorf("a message of exactly %d characters was changed", maxMessageLen)
	}
	if got := cleanMessage("  two\n\tlines \x1b[31m red "); got != "two lines [31m red" {
		t.Errorf("got %q", got)
	}
}
