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
	"unicode"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/hostile"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// secretScanner collects everything a secret could leak into during an
// acceptance test (working directories with state and plan files, CLI and
// provider logs, diagnostics, JSON renderings of plans) and reports any
// occurrence of the secrets, in raw or URL-escaped form.
type secretScanner struct {
	t       *testing.T
	secrets []string
	// pieces, when set, makes a piece of a secret (pieceLen characters in a
	// row) count as a leak too: a truncated secret, or one shown with its
	// whitespace collapsed, never appears whole. Off by default, since short
	// pieces of the older tests' secrets (such as "Password") occur in
	// ordinary text.
	pieces bool
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
		out = append(out, secretRenderings(secret)...)
	}
	return out
}

// errorCheck is a TestCase's ErrorCheck that scans every failing step's
// error and accepts the one *expect matches, counting the steps in *seen.
// plugin-testing hands a step's error to ErrorCheck only when the step has no
// ExpectError, so the steps name their expected error through expect.
func (s *secretScanner) errorCheck(expect **regexp.Regexp, seen *int) func(error) error {
	return func(err error) error {
		*seen++
		s.check("an error diagnostic", []byte(err.Error()))
		if *expect != nil && (*expect).MatchString(err.Error()) {
			return nil
		}
		return err
	}
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
	if s.pieces {
		for _, secret := range s.secrets {
			if piece := leakedPiece(string(data), secret); piece != "" {
				s.t.Errorf("a piece of a secret (%q) appears in %s", piece, where)
			}
		}
	}
}

// secretRenderings are the strings a secret must not show up as: its forms on
// the wire (as is, path-escaped, query-escaped, JSON-escaped as in a request
// body) and as text with its whitespace and unprintable characters collapsed
// into single spaces, the way a cleaned message would show it.
func secretRenderings(secret string) []string {
	j, _ := json.Marshal(secret)
	return []string{
		secret, url.PathEscape(secret), url.QueryEscape(secret), string(j[1 : len(j)-1]),
		strings.Join(strings.FieldsFunc(secret, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " "),
	}
}

// pieceLen is the length of the shortest piece of a secret that leakedPiece
// counts as a leak.
const pieceLen = 8

// leakedPiece returns a piece of secret that text shows (pieceLen characters
// in a row of one of its renderings, or a whole rendering if shorter), or "".
func leakedPiece(text, secret string) string {
	for _, form := range secretRenderings(secret) {
		runes := []rune(form)
		if len(runes) <= pieceLen {
			if form != "" && strings.Contains(text, form) {
				return form
			}
			continue
		}
		for i := 0; i+pieceLen <= len(runes); i++ {
			if piece := string(runes[i : i+pieceLen]); strings.Contains(text, piece) {
				return piece
			}
		}
	}
	return ""
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
		ErrorCheck:               scan.errorCheck(&expect, &errorsSeen),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					api.InjectFault(standin.EndpointVerifyToken, standin.Fault{Drop: true})
					expectError(`Checking the reset token failed`)
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

// springRejection is the message a Spring Boot API gives for a refused
// field, quoting the value it got, after prefix.
func springRejection(prefix, value string) string {
	return prefix + "Field error in object 'resetPasswordDTO' on field 'newPassword': rejected value [" + value + "]; policy"
}

// springRejectionBody is springRejection as the JSON body of a 400.
func springRejectionBody(t *testing.T, prefix, value string) string {
	t.Helper()
	body, err := json.Marshal(map[string]any{"status": 400, "error": "Bad Request", "message": springRejection(prefix, value)})
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// cutFill is text that puts what follows it in springRejection so that the
// cut of a diagnostic's server message (300 characters) falls 10 characters
// into the echoed value.
func cutFill() string {
	before := springRejection("", "")
	return strings.Repeat("x", 300-10-len(before[:strings.Index(before, "[")+1]))
}

// echoCase is a secret a server echoes in a 400's message, and how.
type echoCase struct {
	name, token, password string
	// message builds the server's message from the token and the password.
	message func(token, password string) (prefix, value string)
}

// echoedSecretCases covers the secrets in the shapes that defeated a
// redaction run after the message was cleaned (whitespace that cleaning
// collapses, a value the 300-character cut goes through), and each kind of
// secret: the token as is, path-escaped and query-escaped, and the password.
// The tokens hold a space, a non-ASCII letter and a plus, so that each form
// differs from the others.
func echoedSecretCases() []echoCase {
	pw := func(_, password string) (string, string) { return "", password }
	return []echoCase{
		{"double spaces", "echo-SECRET-tok é+1", "correct  horse  battery  staple", pw},
		{"tab", "echo-SECRET-tok é+2", "correct\thorse\tbattery\tstaple", pw},
		{"non-breaking space", "echo-SECRET-tok é+3", "correct\u00a0horse\u00a0battery\u00a0staple", pw},
		{"long password through the cut", "echo-SECRET-tok é+4", "Long-SECRET-" + strings.Repeat("0123456789abcdef", 5) + "-the-end", // 100 characters, the most allowed
			func(_, password string) (string, string) { return cutFill(), password }},
		{"password", "echo-SECRET-tok é+5", "pw-SECRET-echo-77aa", pw},
		{"token raw", "echo-SECRET-tok é+6", "pw-SECRET-echo-88bb",
			func(token, _ string) (string, string) { return cutFill(), token }},
		{"token path-escaped", "echo-SECRET-tok é+7", "pw-SECRET-echo-99cc",
			func(token, _ string) (string, string) { return cutFill(), url.PathEscape(token) }},
		{"token query-escaped", "echo-SECRET-tok é+8", "pw-SECRET-echo-00dd",
			func(token, _ string) (string, string) { return cutFill(), url.QueryEscape(token) }},
	}
}

// TestAccSecrets_echoedByServer runs a real CLI at TRACE against servers that
// echo secrets back: a 400 whose Spring-style message quotes each secret of
// echoedSecretCases, and a server whose malformed answer header quotes the
// request line (with the path-escaped token), which the retry's WARN line
// used to log unscrubbed. Diagnostics, logs and working files must hold no
// secret, nor any piece of one.
func TestAccSecrets_echoedByServer(t *testing.T) {
	api := newTestAPI(t)
	cases := echoedSecretCases()
	const headerToken = "hdr-SECRET-tok é+~9"
	secrets := []string{headerToken}
	for _, c := range cases {
		secrets = append(secrets, c.token, c.password)
		if err := api.IssueToken(adaEmail, c.token); err != nil {
			t.Fatal(err)
		}
	}
	scan := newSecretScanner(t, secrets...)
	scan.pieces = true
	files := secretFiles{dir: t.TempDir()}
	echo := hostile.HeaderEchoServer(t)

	var expect *regexp.Regexp
	errorsSeen := 0
	var steps []resource.TestStep
	for i, c := range cases {
		tokenFile := writeSecret(t, files, fmt.Sprintf("token%d", i), c.token)
		passwordFile := writeSecret(t, files, fmt.Sprintf("password%d", i), c.password)
		prefix, value := c.message(c.token, c.password)
		body := springRejectionBody(t, prefix, value)
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				api.ClearFaults()
				api.InjectFault(standin.EndpointFinishReset, standin.Fault{Status: 400, Body: body})
				// The message is shown: the scan is not passing on an
				// empty diagnostic.
				expect = regexp.MustCompile(`New password rejected[\s\S]*rejected\s+value\s+\[`)
			},
			Config: providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset" "t" {
  token_wo                = file(%q)
  new_password_wo         = file(%q)
  new_password_wo_version = %d
}
`, tokenFile, passwordFile, i+1),
		})
	}
	steps = append(steps, resource.TestStep{
		PreConfig: func() {
			expect = regexp.MustCompile(`Checking the reset token failed[\s\S]*not\s+valid\s+HTTP\s+\(a\s+malformed\s+header\s+line\)`)
		},
		Config: fmt.Sprintf(`
provider "clevermaps" {
  endpoint = %q
  retry = {
    attempts     = 2
    min_delay_ms = 10
    max_delay_ms = 100
  }
}

data "clevermaps_reset_token" "t" {
  token = file(%q)
}
`, echo, writeSecret(t, files, "header", headerToken)),
	})

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		TerraformVersionChecks:   skipBelowWriteOnly,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		ErrorCheck:               scan.errorCheck(&expect, &errorsSeen),
		Steps:                    steps,
	})

	if errorsSeen != len(steps) {
		t.Fatalf("the error check saw %d failing steps, want %d: the diagnostics were not all scanned", errorsSeen, len(steps))
	}
	scan.scanFiles()
	logData, err := os.ReadFile(scan.logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(logData, []byte("CleverMaps API call failed, retrying")) || !bytes.Contains(logData, []byte("malformed MIME header")) {
		t.Fatal("the TRACE log holds no retry line quoting the malformed header; the scan of it would prove nothing")
	}
}
