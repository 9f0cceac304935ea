package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	outbox := filepath.Join(dir, "outbox.json")
	if err := os.WriteFile(outbox, []byte(`[{"to":"ada@example.com","token":"abcdefghij","sentAt":"2026-12-03T08:12:52.123456Z"},`+
		`{"to":"grace@example.com","token":"xyz","sentAt":"2026-12-03T09:00:00+01:00"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	check := filepath.Join(dir, "check.json")
	if err := os.WriteFile(check, []byte(`{"email":"ada@example.com","full_name":"Ada Lovelace","valid":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	null := filepath.Join(dir, "null.json")
	if err := os.WriteFile(null, []byte("null\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"count", outbox}, "2\n"},
		{[]string{"first", outbox}, "ada@example.com abcdefghij\n"},
		{[]string{"table", outbox}, "  ada@example.com          token abcdef…  sent 2026-12-03T08:12:52Z\n" +
			"  grace@example.com        token xyz…  sent 2026-12-03T08:00:00Z\n"},
		{[]string{"pretty", check}, "{\n  \"email\": \"ada@example.com\",\n  \"full_name\": \"Ada Lovelace\",\n  \"valid\": true\n}\n"},
	} {
		var out bytes.Buffer
		if err := run(tc.args, &out); err != nil {
			t.Errorf("%v: %v", tc.args, err)
		} else if out.String() != tc.want {
			t.Errorf("%v:\n%s\nwant\n%s", tc.args, out.String(), tc.want)
		}
	}

	var out bytes.Buffer
	if err := run([]string{"summary", check, "ada@example.com", "3", "3"}, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "sent 3 mail(s)") || !strings.Contains(s, "sent no new mail") ||
		!strings.Contains(s, "valid and belongs to Ada Lovelace <ada@example.com>") {
		t.Errorf("summary:\n%s", s)
	}
	out.Reset()
	if err := run([]string{"summary", null, "ada@example.com", "3", "4"}, &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "from 3 to 4 mail(s)") || !strings.Contains(s, "is not valid") {
		t.Errorf("summary without a check:\n%s", s)
	}
	if err := run([]string{"first", null}, &out); err == nil {
		t.Error("first of a file that is not an outbox: no error")
	}
}
