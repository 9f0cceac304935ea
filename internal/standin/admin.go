package standin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// serveAdmin answers the endpoints under /_standin/ that let people and demos
// look at the outbox and journal and inject faults over HTTP. They are not
// journaled, rate limited or subject to faults, so that looking does not change
// what is looked at. Their POSTs need Content-Type: application/json.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case adminPrefix + "outbox":
		if r.Method != http.MethodGet {
			writeAnswer(w, methodNotAllowed(http.MethodGet))
			return
		}
		writeAnswer(w, jsonAnswer(http.StatusOK, s.Outbox()))
	case adminPrefix + "journal":
		if r.Method != http.MethodGet {
			writeAnswer(w, methodNotAllowed(http.MethodGet))
			return
		}
		writeAnswer(w, jsonAnswer(http.StatusOK, s.Journal()))
	case adminPrefix + "faults":
		switch r.Method {
		case http.MethodPost:
			// A web page may POST text/plain, a form or multipart to any
			// address without asking; application/json needs a CORS preflight,
			// which the stand-in never grants.
			if !isJSON(r.Header.Get("Content-Type")) {
				writeAnswer(w, errorAnswer(http.StatusUnsupportedMediaType, "Content-Type must be application/json"))
				return
			}
			writeAnswer(w, s.injectFaultFromJSON(r))
		case http.MethodDelete:
			s.ClearFaults()
			writeAnswer(w, answer{status: http.StatusNoContent, header: http.Header{}})
		default:
			writeAnswer(w, methodNotAllowed("POST, DELETE"))
		}
	default:
		writeAnswer(w, errorAnswer(http.StatusNotFound, "No endpoint matches the request"))
	}
}

func methodNotAllowed(allow string) answer {
	a := errorAnswer(http.StatusMethodNotAllowed, "Request method is not supported for this endpoint")
	a.header.Set("Allow", allow)
	return a
}

// faultJSON is Fault as the admin endpoint takes it: camelCase, with the delay
// as a Go duration string ("250ms") rather than nanoseconds.
type faultJSON struct {
	Status       int    `json:"status"`
	RetryAfter   string `json:"retryAfter"`
	Body         string `json:"body"`
	ContentType  string `json:"contentType"`
	Delay        string `json:"delay"`
	Drop         bool   `json:"drop"`
	AfterAction  bool   `json:"afterAction"`
	Times        int    `json:"times"`
	Every        int    `json:"every"`
	RedirectTo   string `json:"redirectTo"`
	OversizeBody int    `json:"oversizeBody"`
}

// injectFaultFromJSON handles POST /_standin/faults with a body like
// {"endpoint":"verify_token","fault":{"status":503,"retryAfter":"2","times":1}}.
func (s *Server) injectFaultFromJSON(r *http.Request) answer {
	var req struct {
		Endpoint Endpoint  `json:"endpoint"`
		Fault    faultJSON `json:"fault"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxRequestBody))
	dec.DisallowUnknownFields() // A misspelt field would silently inject the wrong fault.
	if err := dec.Decode(&req); err != nil {
		return errorAnswer(http.StatusBadRequest, "Malformed fault: "+err.Error())
	}
	if !req.Endpoint.valid() {
		return errorAnswer(http.StatusBadRequest, fmt.Sprintf(
			"Unknown endpoint %q: use request_reset, verify_token, finish_reset or other", req.Endpoint))
	}
	f := req.Fault
	var delay time.Duration
	if f.Delay != "" {
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d < 0 {
			return errorAnswer(http.StatusBadRequest, fmt.Sprintf("Invalid delay %q: use a duration like 250ms or 2s", f.Delay))
		}
		delay = d
	}
	s.InjectFault(req.Endpoint, Fault{
		Status:       f.Status,
		RetryAfter:   f.RetryAfter,
		Body:         f.Body,
		ContentType:  f.ContentType,
		Delay:        delay,
		Drop:         f.Drop,
		AfterAction:  f.AfterAction,
		Times:        f.Times,
		Every:        f.Every,
		RedirectTo:   f.RedirectTo,
		OversizeBody: f.OversizeBody,
	})
	return answer{status: http.StatusNoContent, header: http.Header{}}
}
