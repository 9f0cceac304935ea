package standin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

// The tests in this file are the stand-in's contract tests (make conformance):
// what it serves and what it accepts, against the facts of the official
// client's models.

// TestContract_defaultAccountsServedWithinSchema loads every default account,
// serves each through a real verification (so the checking transport validates
// the 200 answer against AccountDTO) and validates its JSON form directly too.
func TestContract_defaultAccountsServedWithinSchema(t *testing.T) {
	accounts := DefaultAccounts()
	s, base := start(t, Config{Accounts: accounts})
	before := checker.Checked()
	for _, a := range accounts {
		token := "contract-" + a.ID
		if err := s.IssueToken(a.Email, token); err != nil {
			t.Fatal(err)
		}
		res := call(t, http.MethodGet, tokenURL(base, token), "")
		if res.status != http.StatusOK {
			t.Fatalf("%s: status %d", a.Email, res.status)
		}
		if err := standintest.ValidateJSON("AccountDTO", []byte(res.body)); err != nil {
			t.Errorf("%s: %v", a.Email, err)
		}
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", a.Email, err)
		}
	}
	if got := checker.Checked() - before; got < len(accounts) {
		t.Errorf("the checking transport saw %d answers, want at least %d", got, len(accounts))
	}
}

// TestContract_omitsUnset checks that the account that used to break the
// official client (empty project and organization ids) now leaves them out.
func TestContract_omitsUnset(t *testing.T) {
	s, base := start(t, Config{Accounts: DefaultAccounts()})
	if err := s.IssueToken("margaret@example.com", "m-token"); err != nil {
		t.Fatal(err)
	}
	res := call(t, http.MethodGet, tokenURL(base, "m-token"), "")
	var got struct {
		Preferences map[string]any `json:"preferences"`
	}
	if err := json.Unmarshal([]byte(res.body), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lastActiveProject", "lastActiveOrganization"} {
		if v, ok := got.Preferences[k]; ok {
			t.Errorf("preferences.%s = %q is served although unset", k, v)
		}
	}
}

// badAccounts each break exactly one rule of AccountDTO, named by field.
var badAccounts = []struct {
	field   string
	account Account
}{
	{"fullName", Account{Email: "x@example.com"}},
	{"phoneNumber", Account{Email: "x@example.com", FullName: "X", PhoneNumber: "123"}},
	{"phoneNumber", Account{Email: "x@example.com", FullName: "X", PhoneNumber: strings.Repeat("1", 21)}},
	{"status", Account{Email: "x@example.com", FullName: "X", Status: "enabled"}},
	{"preferences.language", Account{Email: "x@example.com", FullName: "X", Preferences: &Preferences{Language: "e"}}},
	{"preferences.language", Account{Email: "x@example.com", FullName: "X", Preferences: &Preferences{Language: "engl"}}},
	{"preferences.lastActiveProject", Account{Email: "x@example.com", FullName: "X", Preferences: &Preferences{LastActiveProject: "proj-1"}}},
	{"preferences.lastActiveProject", Account{Email: "x@example.com", FullName: "X", Preferences: &Preferences{LastActiveProject: "ABCDEFGH12345678"}}},
	{"preferences.lastActiveOrganization", Account{Email: "x@example.com", FullName: "X", Preferences: &Preferences{LastActiveOrganization: "o2b6e9k1m3s5u7w"}}},
}

// TestContract_validateNamesTheField checks Validate against accounts that
// each break one rule, and that the hand-written JSON Schema, an independent
// encoding of the same facts, rejects the same JSON: the two cannot drift
// apart unnoticed.
func TestContract_validateNamesTheField(t *testing.T) {
	for _, tt := range badAccounts {
		t.Run(tt.field, func(t *testing.T) {
			err := tt.account.Validate()
			if err == nil {
				t.Fatalf("Validate accepted %+v", tt.account)
			}
			if !strings.Contains(err.Error(), "field "+tt.field+":") {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
			data, _ := json.Marshal(tt.account.withDefaults().dto())
			if standintest.ValidateJSON("AccountDTO", data) == nil {
				t.Errorf("the JSON Schema accepts %s, which Validate refuses", data)
			}
			defer func() {
				if recover() == nil {
					t.Error("AddAccount accepted an account that breaks the contract")
				}
			}()
			NewServer(Config{}).AddAccount(tt.account)
		})
	}
	good := Account{Email: "x@example.com", FullName: "X", PhoneNumber: "123456",
		Preferences: &Preferences{Language: "cs", LastActiveProject: "abcdefgh12345678"}}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate refused a valid account: %v", err)
	}
	data, _ := json.Marshal(good.withDefaults().dto())
	if err := standintest.ValidateJSON("AccountDTO", data); err != nil {
		t.Errorf("the JSON Schema refuses a valid account: %v", err)
	}
}

func TestContract_decodeAccounts(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"valid", `[{"email":"a@example.com","fullName":"A","password":"p","preferences":{"language":"en"}}]`, ""},
		{"case variant", `[{"email":"a@example.com","FullName":"A"}]`, `seed account field "FullName": is not a field; field names are case-sensitive, the field is "fullName"`},
		{"nested case variant", `[{"email":"a@example.com","fullName":"A","preferences":{"LastActiveProject":"abcdefgh12345678"}}]`, `field preferences."LastActiveProject"`},
		{"unknown field", `[{"email":"a@example.com","fullName":"A","nickname":"a"}]`, `field "nickname": is not a field of AccountDTO`},
		{"explicit empty id pattern", `[{"email":"a@example.com","fullName":"A","preferences":{"lastActiveProject":""}}]`, `field preferences.lastActiveProject: must match`},
		{"short phone", `[{"email":"a@example.com","fullName":"A","phoneNumber":"123"}]`, `field phoneNumber: must be at least 6`},
		{"empty full name", `[{"email":"a@example.com","fullName":""}]`, `field fullName: must be at least 1`},
		{"no email", `[{"fullName":"A"}]`, `email`},
		{"wrong type", `[{"email":"a@example.com","fullName":"A","anonymous":"no"}]`, `field anonymous: must be true or false`},
		{"not an array", `{"email":"a@example.com"}`, `not a JSON array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeAccounts([]byte(tt.json))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestContract_requestFieldNamesAreExact checks that the stand-in, unlike Go's
// encoding/json, does not match field names in another case, and that it
// ignores unknown fields (the request models admit additional properties).
func TestContract_requestFieldNamesAreExact(t *testing.T) {
	s, base := start(t, Config{})
	for _, body := range []string{`{"EMAIL":"ada@example.com"}`, `{"Email":"ada@example.com"}`, `{"email":"x@example.com","eMail":"ada@example.com"}`} {
		e := wantError(t, call(t, http.MethodPost, base+"/accounts/passwordReset", body), http.StatusBadRequest)
		if !strings.Contains(e.Message, `the field is "email"`) {
			t.Errorf("%s: message %q does not name the field", body, e.Message)
		}
	}
	if n := len(s.Outbox()); n != 0 {
		t.Fatalf("wrong-cased fields sent %d mail(s)", n)
	}

	token := requestToken(t, s, base, adaEmail)
	for _, body := range []string{`{"NEWPASSWORD":"correct horse"}`, `{"newPassword":"correct horse","ConsentGranted":true}`} {
		e := wantError(t, call(t, http.MethodPost, tokenURL(base, token), body), http.StatusBadRequest, token)
		if !strings.Contains(e.Message, "case-sensitive") {
			t.Errorf("%s: message %q", body, e.Message)
		}
	}
	if a, _ := s.Account(adaEmail); a.Password != "" || a.ConsentGranted != nil {
		t.Fatalf("a wrong-cased field changed the account: %+v", a)
	}
	if res := call(t, http.MethodGet, tokenURL(base, token), ""); res.status != http.StatusOK {
		t.Fatalf("a refused finish used the token up: verify answered %d", res.status)
	}

	// Unknown fields are ignored.
	if res := call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"ada@example.com","locale":"cs"}`); res.status != http.StatusCreated {
		t.Errorf("an additional property was refused: %d %s", res.status, res.body)
	}
}

// TestContract_contentTypeRequired checks that a POST without
// application/json is refused with 415 and changes nothing.
func TestContract_contentTypeRequired(t *testing.T) {
	s, base := start(t, Config{})
	token := requestToken(t, s, base, adaEmail)
	mailsBefore := len(s.Outbox())
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/json-patch+json"} {
		wantError(t, postAs(t, base+"/accounts/passwordReset", ct, `{"email":"ada@example.com"}`), http.StatusUnsupportedMediaType)
		wantError(t, postAs(t, tokenURL(base, token), ct, `{"newPassword":"correct horse"}`), http.StatusUnsupportedMediaType, token)
	}
	if n := len(s.Outbox()); n != mailsBefore {
		t.Errorf("415 requests sent %d mail(s)", n-mailsBefore)
	}
	if a, _ := s.Account(adaEmail); a.Password != "" {
		t.Error("a 415 request set the password")
	}
	// Parameters such as charset are fine.
	if res := postAs(t, tokenURL(base, token), "application/json; charset=utf-8", `{"newPassword":"correct horse"}`); res.status != http.StatusNoContent {
		t.Errorf("application/json with charset: %d %s", res.status, res.body)
	}
}

// TestContract_resetRevokesOtherTokens checks that a finished reset revokes
// every other outstanding token of the account, and only of that account.
func TestContract_resetRevokesOtherTokens(t *testing.T) {
	s, base := start(t, Config{Accounts: DefaultAccounts()})
	first := requestToken(t, s, base, adaEmail)
	second := requestToken(t, s, base, adaEmail)
	other := requestToken(t, s, base, "grace@example.com")
	if res := call(t, http.MethodPost, tokenURL(base, second), `{"newPassword":"correct horse"}`); res.status != http.StatusNoContent {
		t.Fatalf("finish: %d %s", res.status, res.body)
	}
	wantError(t, call(t, http.MethodGet, tokenURL(base, first), ""), http.StatusNotFound, first)
	wantError(t, call(t, http.MethodPost, tokenURL(base, first), `{"newPassword":"another one"}`), http.StatusNotFound, first)
	if a, _ := s.Account(adaEmail); a.Password != "correct horse" {
		t.Errorf("password = %q: the older token set it again", a.Password)
	}
	if res := call(t, http.MethodGet, tokenURL(base, other), ""); res.status != http.StatusOK {
		t.Errorf("another account's token was revoked: %d", res.status)
	}
}

// TestContract_checkerCatchesViolations shows that the checking transport
// used by this suite can fail: each answer below breaks the contract.
func TestContract_checkerCatchesViolations(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	for _, tt := range []struct {
		name   string
		op     standintest.Operation
		status int
		header http.Header
		body   string
	}{
		{"empty lastActiveProject", standintest.OpVerifyToken, 200, jsonHeader, `{"id":"a","fullName":"A","email":"a@x","preferences":{"lastActiveProject":""}}`},
		{"missing fullName", standintest.OpVerifyToken, 200, jsonHeader, `{"id":"a","email":"a@x"}`},
		{"unknown field", standintest.OpVerifyToken, 200, jsonHeader, `{"id":"a","fullName":"A","email":"a@x","password":"p"}`},
		{"account as text", standintest.OpVerifyToken, 200, http.Header{"Content-Type": {"text/plain"}}, `{"id":"a","fullName":"A","email":"a@x"}`},
		{"201 with a body", standintest.OpRequestReset, 201, jsonHeader, `{}`},
		{"undocumented 200", standintest.OpRequestReset, 200, jsonHeader, `{}`},
		{"500 unmarked", standintest.OpFinishReset, 500, jsonHeader, `{"status":500,"error":"x","message":"y"}`},
		{"error without message", standintest.OpFinishReset, 404, jsonHeader, `{"status":404,"error":"Not Found"}`},
		{"429 without Retry-After", standintest.OpVerifyToken, 429, jsonHeader, `{"status":429,"error":"x","message":"y"}`},
	} {
		if err := standintest.CheckResponse(tt.op, tt.status, tt.header, []byte(tt.body), standintest.Options{}); !standintest.IsViolation(err) {
			t.Errorf("%s: CheckResponse = %v, want a violation", tt.name, err)
		}
	}
}

// TestContract_handlerChecksEveryAnswer shows that standintest.Handler, which
// the provider's acceptance tests wrap around the stand-in, reports an answer
// outside the contract and lets injected faults pass.
func TestContract_handlerChecksEveryAnswer(t *testing.T) {
	var mu sync.Mutex
	var reported []error
	report := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	}
	bad := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("fault") != "" {
			w.Header().Set(FaultHeader, "injected")
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"a","fullName":"A","email":"a@x","preferences":{"lastActiveProject":""}}`))
	})
	ts := httptest.NewServer(standintest.Handler(bad, report))
	defer ts.Close()
	for _, q := range []string{"", "?fault=1"} {
		resp, err := http.Get(ts.URL + "/rest/accounts/passwordReset/tok" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 || !standintest.IsViolation(reported[0]) {
		t.Fatalf("reported %v, want one violation (the unmarked answer)", reported)
	}

	// The real stand-in, wrapped the same way, answers within the contract.
	reported = nil
	mu.Unlock()
	s := NewServer(Config{Accounts: DefaultAccounts(), WrapHandler: func(h http.Handler) http.Handler {
		return standintest.Handler(h, report)
	}})
	base, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	token := requestToken(t, s, base, adaEmail)
	call(t, http.MethodGet, tokenURL(base, token), "")
	call(t, http.MethodPost, tokenURL(base, token), `{"newPassword":"x"}`)
	call(t, http.MethodPost, base+"/accounts/passwordReset", `{"email":"nobody@example.com"}`)
	mu.Lock()
	if len(reported) != 0 {
		t.Errorf("the stand-in's own answers were reported: %v", reported)
	}
}
