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
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
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

// errorCheck scans the error of a failing step, diagnostics included.
func (s *secretScanner) errorCheck(err error) error {
	if err != nil {
		s.check("an error diagnostic", []byte(err.Error()))
	}
	return err
}

type planCheckFunc func(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse)

func (f planCheckFunc) CheckPlan(ctx context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	f(ctx, req, resp)
}
