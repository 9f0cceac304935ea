package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// secretScanner collects everything a secret could leak into during an
// acceptance test (working directories with state and plan files, CLI and
// provider logs, diagnostics, JSON renderings of plans) and reports any
// occurrence of the secrets, in raw or URL-escaped form.
type secretScanner struct {
	t       *testing.T
	secrets []string
	// workDir holds the test's working directories (TF_ACC_TEMP_DIR, kept
	// with TF_ACC_PERSIST_WORKING_DIR) and logPath the CLI's and the
	// provider's TRACE log (TF_ACC_LOG_PATH).
	workDir, logPath string
	scanned          int
}

// newSecretScanner points the acceptance framework's working directories and
// logs at places the scanner reads afterwards. It uses t.Setenv, so tests
// using it cannot run in parallel.
func newSecretScanner(t *testing.T, secrets ...string) *secretScanner {
	t.Helper()
	s := &secretScanner{t: t, secrets: secrets, workDir: t.TempDir()}
	s.logPath = filepath.Join(t.TempDir(), "tf.log")
	t.Setenv("TF_ACC_TEMP_DIR", s.workDir)
	t.Setenv("TF_ACC_PERSIST_WORKING_DIR", "1")
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", s.logPath)
	return s
}

func (s *secretScanner) forms() []string {
	var out []string
	for _, secret := range s.secrets {
		out = append(out, secret, url.PathEscape(secret), url.QueryEscape(secret))
	}
	return out
}

// check reports an error for every secret found in data.
func (s *secretScanner) check(where string, data []byte) {
	s.t.Helper()
	s.scanned++
	for _, form := range s.forms() {
		if bytes.Contains(data, []byte(form)) {
			s.t.Errorf("a secret (%d characters) appears in %s", len(form), where)
		}
	}
}

// scanFiles reads every file under the working directories and the log,
// opening plan files (zip archives) to read each entry uncompressed.
func (s *secretScanner) scanFiles() {
	s.t.Helper()
	files := 0
	err := filepath.WalkDir(s.workDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil // Provider plugin links point outside the test.
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		s.check(p, data)
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return err
				}
				entry, err := io.ReadAll(rc)
				_ = rc.Close()
				if err != nil {
					return err
				}
				s.check(p+"!"+f.Name, entry)
			}
		}
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if files == 0 {
		s.t.Fatal("no working-directory files found to scan; is TF_ACC_PERSIST_WORKING_DIR honoured?")
	}
	logData, err := os.ReadFile(s.logPath)
	if err != nil {
		s.t.Fatalf("reading the TRACE log: %v", err)
	}
	if !bytes.Contains(logData, []byte("sending CleverMaps API request")) {
		s.t.Fatal("the TRACE log holds no provider log lines; the scan would prove nothing")
	}
	s.check("the CLI and provider TRACE log", logData)
}

// planFileCheck scans the saved plan file(s) and the JSON rendering of the
// plan while they exist, before apply.
func (s *secretScanner) planFileCheck() plancheck.PlanCheck {
	return planCheckFunc(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
		data, err := json.Marshal(req.Plan)
		if err != nil {
			resp.Error = err
			return
		}
		s.check("the JSON plan", data)
		found := 0
		_ = filepath.WalkDir(s.workDir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, "tfplan") {
				found++
			}
			return nil
		})
		if found == 0 {
			resp.Error = fmt.Errorf("no saved plan file found under %s", s.workDir)
			return
		}
		s.scanFiles()
	})
}

type planCheckFunc func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f planCheckFunc) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}

// TestAccSecrets_errorPaths drives the failures whose Go errors or server
// answers would carry a secret: a dropped connection while verifying (Go's
// *url.Error prints the URL, which holds the token), an ambiguous failure
// while finishing a reset (which also triggers the verification probe), and
// a server that echoes the password in its error message. The resets use the
// write-only arguments, as the stored ones are in state by design. Diagnostics, the
// CLI's and the provider's TRACE logs and all working files must hold none
// of the secrets.
func TestAccSecrets_errorPaths(t *testing.T) {
	api := newTestAPI(t)
	const (
		verifyToken = "verify-SECRET-token-a1b2c3"
		finishToken = "finish-SECRET-token-d4e5f6"
		echoToken   = "echo-SECRET-token-0a9b8c"
		password    = "Password-SECRET-77aa19"
	)
	for _, tok := range []string{verifyToken, finishToken, echoToken} {
		if err := api.IssueToken(adaEmail, tok); err != nil {
			t.Fatal(err)
		}
	}
	scan := newSecretScanner(t, verifyToken, finishToken, echoToken, password)
	files := secretFiles{dir: t.TempDir()}
	files.write(t, "password", password)

	// plugin-testing hands a step's error to ErrorCheck only when the step
	// has no ExpectError, so each step names the error it expects here and
	// ErrorCheck both scans the diagnostics and accepts the expected error.
	var expect *regexp.Regexp
	errorsSeen := 0
	expectError := func(pattern string) { expect = regexp.MustCompile(pattern) }

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   skipBelowWriteOnly,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		ErrorCheck: func(err error) error {
			errorsSeen++
			scan.check("an error diagnostic", []byte(err.Error()))
			if expect != nil && expect.MatchString(err.Error()) {
				return nil
			}
			return err
		},
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					api.InjectFault(standin.EndpointVerifyToken, standin.Fault{Drop: true})
					expectError(`Verifying the reset token failed`)
				},
				Config: providerBlock(api) + fmt.Sprintf(`
data "clevermaps_reset_token" "t" {
  token = trimspace(file(%q))
}
`, writeSecret(t, files, "verify", verifyToken)),
			},
			{
				PreConfig: func() {
					api.ClearFaults()
					api.InjectFault(standin.EndpointFinishReset, standin.Fault{Drop: true})
					expectError(`Unknown whether the password was changed`)
				},
				Config: providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset" "t" {
  token_wo                = trimspace(file(%q))
  new_password_wo         = trimspace(file(%q))
  new_password_wo_version = 1
}
`, writeSecret(t, files, "finish", finishToken), files.path("password")),
			},
			{
				PreConfig: func() {
					api.ClearFaults()
					api.InjectFault(standin.EndpointFinishReset, standin.Fault{
						Status: 400,
						Body:   `{"status":400,"message":"password ` + password + ` is weak; token ` + echoToken + `"}`,
					})
					expectError(`New password rejected`)
				},
				Config: providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset" "t" {
  token_wo                = trimspace(file(%q))
  new_password_wo         = trimspace(file(%q))
  new_password_wo_version = 1
}
`, writeSecret(t, files, "echo", echoToken), files.path("password")),
			},
		},
	})

	if errorsSeen != 3 {
		t.Fatalf("the error check saw %d failing steps, want 3: the diagnostics were not all scanned", errorsSeen)
	}
	scan.scanFiles()
	// The failures did happen on the wire: a dropped verification (retried),
	// an ambiguous finish with its probe and one retry, and a rejection.
	if n := api.Count(standin.EndpointFinishReset); n < 3 {
		t.Errorf("%d finish-reset requests, want at least 3", n)
	}
}

// writeSecret stores value in a file outside the working directory and
// returns its path.
func writeSecret(t *testing.T, f secretFiles, name, value string) string {
	t.Helper()
	f.write(t, name, value)
	return f.path(name)
}
