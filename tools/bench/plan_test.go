package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestPlannedToMail(t *testing.T) {
	log := `  # clevermaps_password_reset_requests.wave["18"] will be updated in-place
  ~ resource "clevermaps_password_reset_requests" "wave" {
      ~ emails                 = [
            # (21 unchanged elements hidden)
            "bench-01983@example.com",
          + "bench-02000@example.com",
        ]
      ~ to_mail                = [
          - "bench-00030@example.com",
          - "bench-01983@example.com",
          + "bench-02000@example.com",
        ]
      ~ unmailed               = {} -> (known after apply)
    }
  + resource "clevermaps_password_reset_requests" "new" {
      + to_mail                = [
          + "a@example.com",
          + "b@example.com",
        ]
    }
`
	path := filepath.Join(t.TempDir(), "plan.log")
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []string{"bench-02000@example.com", "a@example.com", "b@example.com"}
	if got := plannedToMail(path); !slices.Equal(got, want) {
		t.Errorf("plannedToMail = %q, want %q", got, want)
	}
}
