package guides

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// repoRoot is the checkout, seen from this package.
const repoRoot = "../../.."

// TestAccGuideCI runs examples/ci/pipeline.sh, the script of the guide "In
// CI", unchanged with the CLI in TF_ACC_TERRAFORM_PATH (make testacc:
// OpenTofu 1.12.6; make testacc-terraform: Terraform 1.5.7) and the
// provider built from this tree, against the stand-in API. It checks what
// the guide says of each run: the exit codes of plan -detailed-exitcode and
// of the script, the to_mail review from show -json, the approval gate, the
// saved plan applied, the postcondition, and the progress lines at
// TF_LOG_PROVIDER=INFO.
func TestAccGuideCI(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: runs with TF_ACC set (make testacc, make testacc-terraform)")
	}
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must point at the CLI to test with; run the acceptance tests through make")
	}

	api := standin.NewServer(standin.Config{Accounts: []standin.Account{
		{ID: "acc-ada", FullName: "Ada Lovelace", Email: "ada@example.com", Status: "ENABLED"},
		{ID: "acc-grace", FullName: "Grace Hopper", Email: "grace@example.com", Status: "ENABLED"},
	}})
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })

	bin := t.TempDir()
	buildProvider(t, filepath.Join(bin, "plugins"))
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(bin, "jq")); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(bin, "dev.tfrc")
	writeDevOverrides(t, cliConfig, filepath.Join(bin, "plugins"))

	work := t.TempDir()
	for _, name := range []string{"main.tf", "emails.json", "to-mail.jq", "pipeline.sh"} {
		copyFile(t, filepath.Join(repoRoot, "examples/ci", name), filepath.Join(work, name))
	}

	run := func(reviewAbove int, extraEnv ...string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "pipeline.sh")
		cmd.Dir = work
		cmd.Env = append(cleanEnv(),
			"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
			"TF="+cli,
			"REVIEW_ABOVE="+strconv.Itoa(reviewAbove),
			"TF_CLI_CONFIG_FILE="+cliConfig,
			"TF_VAR_endpoint="+api.URL(),
			"CHECKPOINT_DISABLE=1",
			"TF_IN_AUTOMATION=1",
		)
		cmd.Env = append(cmd.Env, extraEnv...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("pipeline.sh: %v", err)
		}
		return code, stripColor(out.String())
	}
	toMail := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(work, "to-mail.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	expectMails := func(step string, want map[string]int) {
		t.Helper()
		got := map[string]int{}
		for _, m := range api.Outbox() {
			got[m.To]++
		}
		if !maps.Equal(got, want) {
			t.Fatalf("%s: mails per address %v, want %v", step, got, want)
		}
	}
	const wave = "clevermaps_password_reset_requests.wave"

	// 1. The first run plans three new addresses, applies the saved plan,
	// and fails on the postcondition: nobody@example.com has no account.
	// The progress lines show at TF_LOG_PROVIDER=INFO.
	code, out := run(50, "TF_LOG_PROVIDER=INFO")
	if code != 1 {
		t.Fatalf("first run: exit code %d, want 1 (the postcondition)\n%s", code, out)
	}
	if want := "ada@example.com\tnew\t" + wave + "\ngrace@example.com\tnew\t" + wave + "\nnobody@example.com\tnew\t" + wave + "\n"; toMail() != want {
		t.Errorf("first run: to-mail.tsv\n%s\nwant\n%s", toMail(), want)
	}
	for _, want := range []string{
		"Resource postcondition failed",
		"Not mailed: nobody@example.com (rejected)",
		"clevermaps_password_reset_requests: 3 of 3 addresses done (100%): 2 sent, 1 failed, 0 unknown",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("first run: the output lacks %q\n%s", want, out)
		}
	}
	expectMails("first run", map[string]int{"ada@example.com": 1, "grace@example.com": 1})

	// 2. With the account created, the next plan retries only that address;
	// above REVIEW_ABOVE it waits for approval and applies nothing.
	api.AddAccount(standin.Account{ID: "acc-nobody", FullName: "No Body", Email: "nobody@example.com", Status: "ENABLED"})
	code, out = run(0)
	if code != 3 {
		t.Fatalf("run above REVIEW_ABOVE: exit code %d, want 3\n%s", code, out)
	}
	if want := "nobody@example.com\tretry\t" + wave + "\n"; toMail() != want {
		t.Errorf("run above REVIEW_ABOVE: to-mail.tsv\n%s\nwant\n%s", toMail(), want)
	}
	expectMails("run above REVIEW_ABOVE", map[string]int{"ada@example.com": 1, "grace@example.com": 1})

	// 3. Within REVIEW_ABOVE the saved plan is applied: one mail to the
	// retried address, and the postcondition holds.
	if code, out = run(50); code != 0 {
		t.Fatalf("run within REVIEW_ABOVE: exit code %d, want 0\n%s", code, out)
	}
	expectMails("run within REVIEW_ABOVE", map[string]int{"ada@example.com": 1, "grace@example.com": 1, "nobody@example.com": 1})

	// 4. Nothing left to do: plan -detailed-exitcode says 0, the refresh
	// notwithstanding, and nobody is mailed.
	if code, out = run(50); code != 0 || !strings.Contains(out, "Nothing to do.") {
		t.Fatalf("run with nothing to do: exit code %d, want 0 and \"Nothing to do.\"\n%s", code, out)
	}
	expectMails("run with nothing to do", map[string]int{"ada@example.com": 1, "grace@example.com": 1, "nobody@example.com": 1})

	// 5. A second wave beside the first: the review lists only the
	// resource that changes, not the unchanged wave's to_mail (which is what
	// its last apply mailed).
	api.AddAccount(standin.Account{ID: "acc-alan", FullName: "Alan Turing", Email: "alan@example.com", Status: "ENABLED"})
	second := `resource "clevermaps_password_reset_requests" "second" {
  emails = ["alan@example.com"]
}
`
	if err := os.WriteFile(filepath.Join(work, "second.tf"), []byte(second), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out = run(50); code != 0 {
		t.Fatalf("run with a second wave: exit code %d, want 0\n%s", code, out)
	}
	if want := "alan@example.com\tnew\tclevermaps_password_reset_requests.second\n"; toMail() != want {
		t.Errorf("run with a second wave: to-mail.tsv\n%s\nwant\n%s", toMail(), want)
	}
	expectMails("run with a second wave", map[string]int{
		"ada@example.com": 1, "grace@example.com": 1, "nobody@example.com": 1, "alan@example.com": 1,
	})

	// 6. An address known only at apply (here an ID that terraform_data
	// makes up then): the review cannot list it, so the run waits for
	// approval whatever REVIEW_ABOVE is.
	third := `resource "terraform_data" "account" {}

resource "clevermaps_password_reset_requests" "third" {
  emails = ["${terraform_data.account.id}@example.com"]
}
`
	if err := os.WriteFile(filepath.Join(work, "third.tf"), []byte(third), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out = run(50); code != 3 {
		t.Fatalf("run with an address known only at apply: exit code %d, want 3\n%s", code, out)
	}
	if want := "?\tunknown\tclevermaps_password_reset_requests.third\n"; toMail() != want {
		t.Errorf("run with an address known only at apply: to-mail.tsv\n%s\nwant\n%s", toMail(), want)
	}
	expectMails("run with an address known only at apply", map[string]int{
		"ada@example.com": 1, "grace@example.com": 1, "nobody@example.com": 1, "alan@example.com": 1,
	})
}

// buildProvider builds the provider into dir, under the name dev_overrides
// looks for.
func buildProvider(t *testing.T, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "terraform-provider-clevermaps"), ".")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
}

// writeDevOverrides writes a CLI configuration that serves the provider in
// dir to both CLIs' addresses of clevermaps/clevermaps, and installs nothing
// else (as scripts/lib.sh does for make demo).
func writeDevOverrides(t *testing.T, file, dir string) {
	t.Helper()
	config := `provider_installation {
  dev_overrides {
    "registry.opentofu.org/clevermaps/clevermaps" = "` + dir + `"
    "registry.terraform.io/clevermaps/clevermaps" = "` + dir + `"
  }
  direct {
    exclude = ["*/*/*"]
  }
}
`
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, info.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

// cleanEnv is this process's environment without what would change how the
// CLI runs: its logging, CLI configuration and the acceptance tests' own
// variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || name == "TF" || name == "REVIEW_ABOVE" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func stripColor(s string) string { return ansiEscape.ReplaceAllString(s, "") }
