// Package standintest checks HTTP answers of the CleverMaps password-reset API
// (the stand-in's, or a real server's in a conformance run) against a JSON
// Schema written from the official client's models (contract.schema.json).
// Only tests import it.
package standintest

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed contract.schema.json
var schemaJSON []byte

const schemaURL = "contract.schema.json"

var (
	compileOnce sync.Once
	schemas     map[string]*jsonschema.Schema
	compileErr  error
)

// Schema returns the compiled definition named def (AccountDTO, ErrorBody,
// SendResetPasswordDTO, ...) of contract.schema.json.
func Schema(def string) (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			compileErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(schemaURL, doc); err != nil {
			compileErr = err
			return
		}
		schemas = map[string]*jsonschema.Schema{}
		for _, name := range []string{"AccountDTO", "AccountPreferences", "AccountOnboardingParameters",
			"SendResetPasswordDTO", "ResetPasswordDTO", "ErrorBody"} {
			s, err := c.Compile(schemaURL + "#/$defs/" + name)
			if err != nil {
				compileErr = fmt.Errorf("compile %s: %w", name, err)
				return
			}
			schemas[name] = s
		}
	})
	if compileErr != nil {
		return nil, compileErr
	}
	s, ok := schemas[def]
	if !ok {
		return nil, fmt.Errorf("no schema definition %q", def)
	}
	return s, nil
}

// ValidateJSON validates a JSON document against the definition def.
func ValidateJSON(def string, data []byte) error {
	s, err := Schema(def)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(inst)
}

// Operation names one of the API's operations by method and path.
type Operation string

// The operations of the password-reset API.
const (
	OpRequestReset Operation = "POST /accounts/passwordReset"
	OpVerifyToken  Operation = "GET /accounts/passwordReset/{token}"
	OpFinishReset  Operation = "POST /accounts/passwordReset/{token}"
	OpOther        Operation = "other"
)

// Classify names the operation of a request under the API's base path
// (everything up to and including /rest).
func Classify(method, escapedPath string) Operation {
	i := strings.Index(escapedPath, "/accounts/passwordReset")
	if i < 0 {
		return OpOther
	}
	rest := escapedPath[i+len("/accounts/passwordReset"):]
	switch {
	case rest == "" && method == http.MethodPost:
		return OpRequestReset
	case strings.HasPrefix(rest, "/") && len(rest) > 1 && !strings.Contains(rest[1:], "/"):
		switch method {
		case http.MethodGet:
			return OpVerifyToken
		case http.MethodPost:
			return OpFinishReset
		}
	}
	return OpOther
}

// answer is what an operation may answer with a given status: a body of the
// named schema definition, or none ("").
type answer struct {
	body string
}

// answers lists, per operation, the statuses the contract documents and those
// the stand-in adds by assumption (see DESIGN.md), with their bodies. 405,
// 413 and 429 may come from any operation.
var answers = map[Operation]map[int]answer{
	OpRequestReset: {
		http.StatusCreated:              {body: ""},
		http.StatusNotFound:             {body: "ErrorBody"},
		http.StatusBadRequest:           {body: "ErrorBody"}, // assumed: not in the contract
		http.StatusUnsupportedMediaType: {body: "ErrorBody"}, // assumed: not in the contract
	},
	OpVerifyToken: {
		http.StatusOK:       {body: "AccountDTO"},
		http.StatusNotFound: {body: "ErrorBody"},
	},
	OpFinishReset: {
		http.StatusNoContent:            {body: ""},
		http.StatusNotFound:             {body: "ErrorBody"},
		http.StatusBadRequest:           {body: "ErrorBody"},
		http.StatusUnsupportedMediaType: {body: "ErrorBody"}, // assumed: not in the contract
	},
	OpOther: {
		http.StatusNotFound: {body: "ErrorBody"}, // assumed: not in the contract
	},
}

var anyOperation = map[int]answer{
	http.StatusMethodNotAllowed:      {body: "ErrorBody"}, // assumed: not in the contract
	http.StatusRequestEntityTooLarge: {body: "ErrorBody"}, // assumed: not in the contract
	http.StatusTooManyRequests:       {body: "ErrorBody"}, // assumed: not in the contract
}

// Options loosen CheckResponse for a real server.
type Options struct {
	// AllowUndocumentedStatus accepts statuses outside the contract and the
	// stand-in's assumptions (a real server may answer 503 from a proxy);
	// their bodies are then not checked.
	AllowUndocumentedStatus bool
	// SkipErrorBodies does not check error bodies against the assumed
	// ErrorBody shape, for servers whose error shape is unknown.
	SkipErrorBodies bool
}

// Violation is a response that breaks the contract.
type Violation struct {
	Operation Operation
	Status    int
	Problem   string
}

func (v *Violation) Error() string {
	return fmt.Sprintf("contract violation: %s answered %d: %s", v.Operation, v.Status, v.Problem)
}

// CheckResponse checks one answer to an operation: its status, and the body
// against the schema that status calls for. It never prints the request's
// path, which carries the token.
func CheckResponse(op Operation, status int, header http.Header, body []byte, opts Options) error {
	fail := func(format string, args ...any) error {
		return &Violation{Operation: op, Status: status, Problem: fmt.Sprintf(format, args...)}
	}
	a, ok := answers[op][status]
	if !ok {
		a, ok = anyOperation[status]
	}
	if !ok {
		if opts.AllowUndocumentedStatus {
			return nil
		}
		return fail("the status is neither documented nor a named assumption")
	}
	if status == http.StatusTooManyRequests && header.Get("Retry-After") == "" {
		return fail("429 without Retry-After")
	}
	if a.body == "" {
		if len(body) != 0 {
			return fail("expected no body, got %d bytes", len(body))
		}
		return nil
	}
	if a.body == "ErrorBody" && opts.SkipErrorBodies {
		return nil
	}
	mt, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return fail("Content-Type %q, want application/json", header.Get("Content-Type"))
	}
	if err := ValidateJSON(a.body, body); err != nil {
		return fail("body does not match %s: %v", a.body, err)
	}
	return nil
}

// FaultHeader is the stand-in's mark on answers written by an injected fault
// (standin.FaultHeader; repeated here so that this package does not import
// the stand-in it checks).
const FaultHeader = "X-Standin-Fault"

// Transport is an http.RoundTripper that checks every API answer passing
// through it with CheckResponse and turns a violation into the request's
// error, so that every test using it fails on a response outside the contract,
// including responses the test itself does not look at. Answers marked as
// injected faults and requests outside the API (the stand-in's /_standin/
// admin paths) pass unchecked.
type Transport struct {
	Base    http.RoundTripper // nil means http.DefaultTransport
	Options Options

	mu      sync.Mutex
	checked int
}

// Checked returns how many answers the transport has checked, so that a test
// can show that the checking really happens.
func (t *Transport) Checked() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.checked
}

// RoundTrip sends req and checks the answer.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.Header.Get(FaultHeader) != "" || strings.Contains(req.URL.Path, "/_standin/") {
		return resp, err
	}
	if req.Method == http.MethodHead {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the answer to check it: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	t.mu.Lock()
	t.checked++
	t.mu.Unlock()
	if err := CheckResponse(Classify(req.Method, req.URL.EscapedPath()), resp.StatusCode, resp.Header, body, t.Options); err != nil {
		return nil, err
	}
	return resp, nil
}

// IsViolation reports whether err is or wraps a contract violation.
func IsViolation(err error) bool {
	var v *Violation
	return errors.As(err, &v)
}

// Handler wraps h, a stand-in, and checks every API answer it writes with
// CheckResponse, calling report with each violation. Tests that reach the
// stand-in through a client they do not control (the provider under a CLI)
// use it where Transport cannot be put in. Answers marked as injected faults,
// hijacked (dropped) connections and the /_standin/ admin paths are not
// checked.
func Handler(h http.Handler, report func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/_standin/") || r.Method == http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.hijacked || rec.overflow || rec.header.Get(FaultHeader) != "" {
			return
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if err := CheckResponse(Classify(r.Method, r.URL.EscapedPath()), rec.status, rec.header, rec.body.Bytes(), Options{}); err != nil {
			report(err)
		}
	})
}

// maxRecorded bounds what Handler keeps of a body; API answers are tiny.
const maxRecorded = 1 << 20

// recorder passes a response through while keeping its status, header and
// body for the check.
type recorder struct {
	http.ResponseWriter
	status   int
	header   http.Header
	body     bytes.Buffer
	overflow bool
	hijacked bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
		r.header = r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.body.Len()+len(p) > maxRecorded {
		r.overflow = true
	} else {
		r.body.Write(p)
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection, so that a
// dropped-connection fault can still hijack it.
func (r *recorder) Unwrap() http.ResponseWriter {
	r.hijacked = true // Only Hijack and Flush go this way; a flushed answer is not checked either.
	return r.ResponseWriter
}

// StatusRecorder passes a response through and notes the status the handler
// wrote (200 when it wrote a body without one, 0 when it wrote nothing, as
// when it dropped the connection). Tests use it to log the answers a server
// gave.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

func (w *StatusRecorder) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusRecorder) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets the stand-in reach the connection, to drop it.
func (w *StatusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
