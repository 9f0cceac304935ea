package provider

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The fast paths of frontServer (fastpath.go) promise to answer exactly as
// the framework would. These tests hold them to it: two provider servers,
// configured alike against a stand-in on 127.0.0.1, one with the fast paths
// and one without (noFastPaths), get the same random requests, and their
// answers must agree in every field: diagnostics (severity, summary, detail,
// attribute path), states as values of the schema type, private bytes (nil
// and empty told apart), and whatever else the response type has. Each case
// also asks the fast path itself, directly, whether it answers, and its own
// answer must agree as well; a test fails if the fast path never (or
// always) answered, since it would then prove nothing.
//
// Flags (or environment variables):
//
//	-fastpath.seed S   FASTPATH_SEED   seed (default: from the clock, logged);
//	                                   case i of a test depends only on S and i
//	-fastpath.count N  FASTPATH_COUNT  random cases per test (default 400)

var (
	flagFastPathSeed  = flag.Uint64("fastpath.seed", 0, "seed of the TestFastPaths_* cases (default from the clock, or FASTPATH_SEED)")
	flagFastPathCount = flag.Int("fastpath.count", -1, "random cases per TestFastPaths_* test (default 400, or FASTPATH_COUNT)")
)

// The kinds of cases, which select each test's random stream.
const (
	fastPathTokenValidate = iota + 1
	fastPathTokenRead
	fastPathRefresh
	fastPathBatchPlan
)

// fastPathRun is one test's cases: the seed, the counts, and the failures.
type fastPathRun struct {
	t                  *testing.T
	seed               uint64
	count              int
	kind               uint64
	answered, declined int
	failures           int
}

func newFastPathRun(t *testing.T, kind uint64) *fastPathRun {
	t.Helper()
	run := &fastPathRun{t: t, kind: kind, count: 400}
	if v := os.Getenv("FASTPATH_COUNT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			t.Fatalf("FASTPATH_COUNT=%q is not a count", v)
		}
		run.count = n
	}
	if *flagFastPathCount >= 0 {
		run.count = *flagFastPathCount
	}
	run.seed = uint64(time.Now().UnixNano()) //nolint:gosec // A seed, any bits will do.
	source := "from the clock"
	if v := os.Getenv("FASTPATH_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("FASTPATH_SEED=%q is not a seed", v)
		}
		run.seed, source = s, "from FASTPATH_SEED"
	}
	if *flagFastPathSeed != 0 {
		run.seed, source = *flagFastPathSeed, "from -fastpath.seed"
	}
	t.Logf("%d random cases from seed %d (%s); replay with -fastpath.seed=%d", run.count, run.seed, source, run.seed)
	return run
}

// rand is case i's random source.
func (run *fastPathRun) rand(i int) *rand.Rand {
	return rand.New(rand.NewPCG(run.seed, run.kind<<32|uint64(i))) //nolint:gosec // Test inputs, not secrets.
}

func (run *fastPathRun) record(answered bool) {
	if answered {
		run.answered++
	} else {
		run.declined++
	}
}

// check fails case i if the answers differed.
func (run *fastPathRun) check(i int, input string, d answerDiff) {
	run.t.Helper()
	if len(d) == 0 {
		return
	}
	if len(input) > 4000 {
		input = input[:4000] + "…"
	}
	run.t.Errorf("case %d (seed %d) differs from the framework:\n%s\ninput: %s", i, run.seed, strings.Join(d, "\n"), input)
	run.failures++
	if run.failures >= 10 {
		run.t.Fatalf("stopping after %d failing cases", run.failures)
	}
}

// finish logs the counts and fails a run in which the fast path did not
// both answer and decline often enough to have been tested.
func (run *fastPathRun) finish() {
	run.t.Helper()
	run.t.Logf("%d cases: the fast path answered %d and declined %d", run.answered+run.declined, run.answered, run.declined)
	if run.count < 100 {
		return
	}
	if run.answered < run.count/10 {
		run.t.Errorf("the fast path answered only %d of %d cases: the generator does not test it", run.answered, run.count)
	}
	if run.declined < run.count/25 {
		run.t.Errorf("the fast path declined only %d of %d cases: the generator does not test its limits", run.declined, run.count)
	}
}

// fastPathServers configures two provider servers alike against endpoint:
// fast with its fast paths, slow with the framework alone.
func fastPathServers(t *testing.T, endpoint string) (fast, slow *protocolServer) {
	t.Helper()
	ctx := t.Context()
	var sresp provider.SchemaResponse
	(&clevermapsProvider{}).Schema(ctx, provider.SchemaRequest{}, &sresp)
	providerType, ok := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema is not an object")
	}
	retryType, ok := providerType.AttributeTypes["retry"].(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema has no retry object")
	}
	attrs := map[string]tftypes.Value{
		"endpoint": str(endpoint),
		// No retries: a 5xx answer is final at once, for both alike.
		"retry": tftypes.NewValue(retryType, withNulls(retryType, map[string]tftypes.Value{
			"attempts": tftypes.NewValue(tftypes.Number, 0),
		})),
	}
	fast, slow = newProtocolServer(t, attrs), newProtocolServer(t, attrs)
	if fast.front == nil || slow.front == nil {
		t.Fatal("NewProtocol6Server no longer returns a *frontServer")
	}
	slow.front.noFastPaths = true
	return fast, slow
}

// silentStandIn is an endpoint for tests that must send nothing.
func silentStandIn(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected API request %s %s", r.Method, r.URL.Path)
		http.Error(w, "unexpected", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/rest"
}

// ---------------------------------------------------------------------------
// Comparing answers.

// answerDiff lists how the fast server's answer differs from the
// framework's.
type answerDiff []string

func (d *answerDiff) add(format string, args ...any) { *d = append(*d, fmt.Sprintf(format, args...)) }

func (d *answerDiff) errors(fast, fw error) {
	if fast != nil || fw != nil {
		d.add("call errors: %v, the framework %v", fast, fw)
	}
}

// diagnostics compares two lists of diagnostics regardless of order: the
// framework's schema walks visit attributes in map order.
func (d *answerDiff) diagnostics(what string, fast, fw []*tfprotov6.Diagnostic) {
	if len(fast) != len(fw) {
		d.add("%s: %d diagnostics, the framework %d:\n%sthe framework:\n%s", what, len(fast), len(fw), diagText(fast), diagText(fw))
		return
	}
	a, b := sortedDiagnostics(fast), sortedDiagnostics(fw)
	for i := range a {
		x, y := a[i], b[i]
		if x.Severity != y.Severity || x.Summary != y.Summary || x.Detail != y.Detail || !x.Attribute.Equal(y.Attribute) {
			d.add("%s: diagnostic\n%sthe framework's\n%s", what, diagText(a[i:i+1]), diagText(b[i:i+1]))
		}
	}
}

func sortedDiagnostics(diags []*tfprotov6.Diagnostic) []*tfprotov6.Diagnostic {
	key := func(d *tfprotov6.Diagnostic) string {
		return fmt.Sprintf("%d\x00%s\x00%s\x00%s", d.Severity, d.Attribute.String(), d.Summary, d.Detail)
	}
	return slices.SortedFunc(slices.Values(diags), func(a, b *tfprotov6.Diagnostic) int { return strings.Compare(key(a), key(b)) })
}

// value compares two encoded values of typ.
func (d *answerDiff) value(what string, typ tftypes.Type, fast, fw *tfprotov6.DynamicValue) {
	if fast == nil || fw == nil {
		if fast != nil || fw != nil {
			d.add("%s: %v, the framework %v", what, fast, fw)
		}
		return
	}
	a, errA := fast.Unmarshal(typ)
	b, errB := fw.Unmarshal(typ)
	switch {
	case errA != nil || errB != nil:
		d.add("%s: decoding: %v, the framework's: %v", what, errA, errB)
	case !a.Equal(b):
		d.add("%s:\n  %s\nthe framework:\n  %s", what, a, b)
	}
}

// bytes compares private state exactly: nil and empty differ.
func (d *answerDiff) bytes(what string, fast, fw []byte) {
	if !bytes.Equal(fast, fw) || (fast == nil) != (fw == nil) {
		d.add("%s: %q (nil: %t), the framework %q (nil: %t)", what, fast, fast == nil, fw, fw == nil)
	}
}

// rest compares what is left of two responses once the fields compared
// above are cleared, so that a field a later protocol version adds is
// compared too.
func (d *answerDiff) rest(what string, fast, fw any) {
	if !reflect.DeepEqual(fast, fw) {
		d.add("%s, other fields: %+v, the framework %+v", what, fast, fw)
	}
}

func (d *answerDiff) validateResponse(what string, fast, fw *tfprotov6.ValidateDataResourceConfigResponse) {
	if fast == nil || fw == nil {
		d.add("%s: response %v, the framework %v", what, fast, fw)
		return
	}
	d.diagnostics(what, fast.Diagnostics, fw.Diagnostics)
	a, b := *fast, *fw
	a.Diagnostics, b.Diagnostics = nil, nil
	d.rest(what, a, b)
}

func (d *answerDiff) readDataSourceResponse(what string, typ tftypes.Type, fast, fw *tfprotov6.ReadDataSourceResponse) {
	if fast == nil || fw == nil {
		d.add("%s: response %v, the framework %v", what, fast, fw)
		return
	}
	d.diagnostics(what, fast.Diagnostics, fw.Diagnostics)
	d.value(what+": state", typ, fast.State, fw.State)
	a, b := *fast, *fw
	a.Diagnostics, b.Diagnostics, a.State, b.State = nil, nil, nil, nil
	d.rest(what, a, b)
}

func (d *answerDiff) readResourceResponse(what string, typ tftypes.Type, fast, fw *tfprotov6.ReadResourceResponse) {
	if fast == nil || fw == nil {
		d.add("%s: response %v, the framework %v", what, fast, fw)
		return
	}
	d.diagnostics(what, fast.Diagnostics, fw.Diagnostics)
	d.value(what+": new state", typ, fast.NewState, fw.NewState)
	d.bytes(what+": private", fast.Private, fw.Private)
	a, b := *fast, *fw
	a.Diagnostics, b.Diagnostics, a.NewState, b.NewState, a.Private, b.Private = nil, nil, nil, nil, nil, nil
	d.rest(what, a, b)
}

func (d *answerDiff) planResponse(what string, typ tftypes.Type, fast, fw *tfprotov6.PlanResourceChangeResponse) {
	if fast == nil || fw == nil {
		d.add("%s: response %v, the framework %v", what, fast, fw)
		return
	}
	d.diagnostics(what, fast.Diagnostics, fw.Diagnostics)
	d.value(what+": planned state", typ, fast.PlannedState, fw.PlannedState)
	d.bytes(what+": planned private", fast.PlannedPrivate, fw.PlannedPrivate)
	pathsOf := func(ps []*tftypes.AttributePath) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.String()
		}
		slices.Sort(out)
		return out
	}
	if a, b := pathsOf(fast.RequiresReplace), pathsOf(fw.RequiresReplace); !slices.Equal(a, b) {
		d.add("%s: requires replace %v, the framework %v", what, a, b)
	}
	a, b := *fast, *fw
	a.Diagnostics, b.Diagnostics, a.PlannedState, b.PlannedState = nil, nil, nil, nil
	a.PlannedPrivate, b.PlannedPrivate, a.RequiresReplace, b.RequiresReplace = nil, nil, nil, nil
	d.rest(what, a, b)
}

// ---------------------------------------------------------------------------
// Random inputs.

const (
	lowerDigits = "abcdefghijklmnopqrstuvwxyz0123456789"
	tokenChars  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
)

func randomString(r *rand.Rand, chars string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return string(b)
}

func pick[T any](r *rand.Rand, options ...T) T { return options[r.IntN(len(options))] }

// insertAt puts part into s at a random byte position.
func insertAt(r *rand.Rand, s, part string) string {
	i := r.IntN(len(s) + 1)
	return s[:i] + part + s[i:]
}

// randomToken is a reset token, acceptable or not (see tokenProblem).
func randomToken(r *rand.Rand) string {
	base := randomString(r, tokenChars, 8+r.IntN(40))
	switch r.IntN(16) {
	case 0, 1, 2, 3:
		return base
	case 4:
		return ""
	case 5:
		return insertAt(r, base, pick(r, "\n", "\t", "\r", "\x00", "\x1b", "\x7f", "\u0085"))
	case 6:
		return insertAt(r, base, pick(r, "/", `\`))
	case 7:
		return insertAt(r, base, pick(r, "?", "#", "?a=b"))
	case 8:
		return insertAt(r, base, pick(r, "%", "%2F", "%41"))
	case 9:
		return pick(r, insertAt(r, base, ".."), ".", "..", "."+base, base+".", insertAt(r, base, "."))
	case 10:
		return pick(r, " "+base, base+" ", "\u00a0"+base, base+"\u3000", "\t"+base, base+"\u2028")
	case 11:
		// Both sides of the limit.
		n := maxTokenLength - 2 + r.IntN(5)
		return (base + strings.Repeat("x", n))[:n]
	case 12:
		return insertAt(r, base, pick(r, "\xff", "\xc3", "\xed\xa0\x80", "\xe2\x82"))
	case 13:
		return insertAt(r, base, pick(r, "ö", "日本語", "🙂", "\u200b", "é", "Ω"))
	case 14:
		// Characters the client escapes.
		return insertAt(r, base, pick(r, " ", "+", "=", ":", "@", "&", ";", "a b", "~"))
	}
	return insertAt(r, insertAt(r, base, pick(r, "/", "..", "?")), pick(r, "\n", " ", "%"))
}

// randomTokenConfigValue is a configured token: usually a string, sometimes
// null or unknown.
func randomTokenConfigValue(r *rand.Rand, token func() string) tftypes.Value {
	switch n := r.IntN(100); {
	case n < 5:
		return tftypes.NewValue(tftypes.String, nil)
	case n < 10:
		return tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	}
	return str(token())
}

// addComputedTokenAttrs sometimes sets a computed attribute in a reset
// token configuration, which the framework's validation refuses.
func addComputedTokenAttrs(r *rand.Rand, typ tftypes.Object, attrs map[string]tftypes.Value) {
	if r.IntN(100) >= 8 {
		return
	}
	switch r.IntN(5) {
	case 0:
		attrs["valid"] = tftypes.NewValue(tftypes.Bool, true)
	case 1:
		attrs["account_id"] = str("k3v9q2m7x4p8r1ta")
	case 2:
		attrs["email"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	case 3:
		if pt, ok := typ.AttributeTypes["preferences"].(tftypes.Object); ok {
			attrs["preferences"] = tftypes.NewValue(pt, withNulls(pt, nil))
		}
	default:
		if ot, ok := typ.AttributeTypes["onboarding"].(tftypes.Object); ok {
			attrs["onboarding"] = tftypes.NewValue(ot, withNulls(ot, map[string]tftypes.Value{
				"intro_shown": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str("map")}),
			}))
		}
	}
}

// ---------------------------------------------------------------------------
// clevermaps_reset_token.

func TestFastPaths_tokenValidate(t *testing.T) {
	run := newFastPathRun(t, fastPathTokenValidate)
	fast, slow := fastPathServers(t, silentStandIn(t))
	typ := fast.dataSourceTypes[resetTokenTypeName]
	ctx := t.Context()
	for i := range run.count {
		r := run.rand(i)
		attrs := map[string]tftypes.Value{"token": randomTokenConfigValue(r, func() string { return randomToken(r) })}
		addComputedTokenAttrs(r, typ, attrs)
		config := dynamicValue(t, typ, attrs)
		req := func() *tfprotov6.ValidateDataResourceConfigRequest {
			return &tfprotov6.ValidateDataResourceConfigRequest{TypeName: resetTokenTypeName, Config: config}
		}
		direct, answered := fast.front.validateResetToken(ctx, req())
		run.record(answered)
		fastResp, fastErr := fast.ValidateDataResourceConfig(ctx, req())
		fwResp, fwErr := slow.ValidateDataResourceConfig(ctx, req())
		var d answerDiff
		d.errors(fastErr, fwErr)
		d.validateResponse("ValidateDataResourceConfig", fastResp, fwResp)
		if answered {
			d.validateResponse("the fast path's own answer", direct, fwResp)
		}
		run.check(i, tftypes.NewValue(typ, withNulls(typ, attrs)).String(), d)
	}
	run.finish()
}

// tokenAnswer is how the token stand-in answers one token.
type tokenAnswer struct {
	status int
	header map[string]string
	body   string
	kind   string // for the log
}

// tokenStandIn answers GET /rest/accounts/passwordReset/{token} with the
// answer registered for the token, so that both servers get the same one.
type tokenStandIn struct {
	url string

	mu      sync.Mutex
	answers map[string]tokenAnswer
	misses  []string
	served  map[string]int // by kind
}

func newTokenStandIn(t *testing.T) *tokenStandIn {
	t.Helper()
	s := &tokenStandIn{answers: map[string]tokenAnswer{}, served: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/rest"
	return s
}

func (s *tokenStandIn) set(token string, a tokenAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[token] = a
}

func (s *tokenStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.URL.Path, "/rest/accounts/passwordReset/")
	s.mu.Lock()
	a, known := s.answers[token]
	if !ok || !known || r.Method != http.MethodGet {
		s.misses = append(s.misses, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		http.Error(w, "no answer registered", http.StatusTeapot)
		return
	}
	s.served[a.kind]++
	s.mu.Unlock()
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// randomAccountJSON is an account as the API might serve it, its optional
// parts present, null, empty or absent (see client.Account).
func randomAccountJSON(r *rand.Rand) string {
	maybe := func(percent int) bool { return r.IntN(100) < percent }
	acct := map[string]any{}
	if maybe(95) {
		acct["id"] = randomString(r, lowerDigits, 16)
	}
	if maybe(90) {
		acct["fullName"] = pick(r, "Ada Lovelace", "Jiří Novák", "李小龍", "", "O'Brien \"Quote\"", "Ada\nLovelace")
	}
	if maybe(95) {
		acct["email"] = randomString(r, lowerDigits, 6) + "@example.com"
	}
	switch r.IntN(4) {
	case 1:
		acct["consentGranted"] = true
	case 2:
		acct["consentGranted"] = false
	case 3:
		acct["consentGranted"] = nil
	}
	if maybe(90) {
		acct["status"] = pick(r, "ENABLED", "DISABLED", "")
	}
	if maybe(85) {
		acct["anonymous"] = maybe(30)
	}
	switch r.IntN(4) {
	case 1:
		acct["phoneNumber"] = "+420777" + randomString(r, "0123456789", 6)
	case 2:
		acct["phoneNumber"] = ""
	case 3:
		acct["phoneNumber"] = nil
	}
	switch r.IntN(5) {
	case 1:
		acct["preferences"] = nil
	case 2:
		acct["preferences"] = map[string]any{}
	case 3, 4:
		p := map[string]any{}
		if maybe(70) {
			p["language"] = pick(r, "en", "cs", "")
		}
		if maybe(60) {
			p["lastActiveProject"] = randomString(r, lowerDigits, 16)
		}
		if maybe(60) {
			p["lastActiveOrganization"] = randomString(r, lowerDigits, 16)
		}
		if maybe(70) {
			p["sendNewsletter"] = maybe(50)
		}
		acct["preferences"] = p
	}
	list := func() (any, bool) {
		switch r.IntN(5) {
		case 0:
			return nil, false
		case 1:
			return nil, true
		case 2:
			return []string{}, true
		}
		l := make([]string, 1+r.IntN(4))
		for i := range l {
			l[i] = pick(r, "dashboard", "map", "filters", "export", "indicators", "")
		}
		return l, true
	}
	switch r.IntN(5) {
	case 1:
		acct["onboarding"] = nil
	case 2:
		acct["onboarding"] = map[string]any{}
	case 3, 4:
		o := map[string]any{}
		if l, ok := list(); ok {
			o["introShown"] = l
		}
		if l, ok := list(); ok {
			o["tipsShown"] = l
		}
		acct["onboarding"] = o
	}
	if maybe(40) {
		acct["links"] = []any{map[string]any{"rel": "self", "href": "/rest/accounts/x"}}
	}
	if maybe(10) {
		acct["createdAt"] = "2024-01-01T00:00:00Z" // a field the provider does not read
	}
	b, err := json.Marshal(acct)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// randomTokenAnswer is one of the answers the API, or something in front
// of it, may give to a token check. 429 is left out: the client waits it out
// and slows down every later request.
func randomTokenAnswer(r *rand.Rand) tokenAnswer {
	jsonHeader := map[string]string{"Content-Type": "application/json"}
	textHeader := map[string]string{"Content-Type": "text/plain"}
	switch n := r.IntN(100); {
	case n < 50:
		return tokenAnswer{http.StatusOK, jsonHeader, randomAccountJSON(r), "200 account"}
	case n < 62:
		return tokenAnswer{http.StatusNotFound, jsonHeader, pick(r, `{"status":404,"message":"Token not found"}`, ""), "404"}
	case n < 68:
		return tokenAnswer{http.StatusInternalServerError, jsonHeader,
			pick(r, `{"message":"Internal error"}`, `{"error":"boom"}`, `{"detail":"\u001b[31mred\u001b[0m"}`, "oops"), "500"}
	case n < 72:
		return tokenAnswer{http.StatusBadGateway, map[string]string{"Content-Type": "text/html"}, "<html><body>Bad gateway</body></html>", "502"}
	case n < 75:
		return tokenAnswer{http.StatusServiceUnavailable, map[string]string{"Retry-After": "1"}, "maintenance", "503"}
	case n < 80:
		return tokenAnswer{http.StatusBadRequest, textHeader,
			pick(r, "bad token", "line one\nline two\ttab", strings.Repeat("long message ", 40)), "400"}
	case n < 84:
		return tokenAnswer{pick(r, http.StatusUnauthorized, http.StatusForbidden, http.StatusGone, http.StatusTeapot), jsonHeader, `{"title":"refused"}`, "4xx"}
	case n < 90:
		return tokenAnswer{http.StatusOK, jsonHeader,
			pick(r, `{"id": "abc", "fullName": `, `[1, 2]`, `"account"`, `{"anonymous": "no"}`,
				`{"onboarding": {"introShown": "map"}}`, `{"preferences": []}`, `{"id": 42}`), "200 malformed"}
	case n < 93:
		return tokenAnswer{http.StatusOK, jsonHeader, "", "200 empty"}
	case n < 95:
		return tokenAnswer{http.StatusOK, jsonHeader, "null", "200 null"}
	case n < 97:
		return tokenAnswer{http.StatusFound, map[string]string{"Location": "/elsewhere"}, "", "302"}
	}
	return tokenAnswer{pick(r, http.StatusNoContent, http.StatusCreated), jsonHeader, "", "2xx other"}
}

func TestFastPaths_tokenRead(t *testing.T) {
	run := newFastPathRun(t, fastPathTokenRead)
	standIn := newTokenStandIn(t)
	fast, slow := fastPathServers(t, standIn.url)
	typ := fast.dataSourceTypes[resetTokenTypeName]
	ctx := t.Context()
	for i := range run.count {
		r := run.rand(i)
		token := func() string {
			if r.IntN(100) < 10 {
				return randomToken(r) // mostly refused before anything is sent
			}
			return fmt.Sprintf("%s-%d", randomString(r, tokenChars, 8+r.IntN(24)), i)
		}
		attrs := map[string]tftypes.Value{"token": randomTokenConfigValue(r, token)}
		addComputedTokenAttrs(r, typ, attrs)
		var tok string
		var answer tokenAnswer
		if v := attrs["token"]; v.IsKnown() && !v.IsNull() {
			_ = v.As(&tok)
			answer = randomTokenAnswer(r)
			standIn.set(tok, answer)
		}
		config := dynamicValue(t, typ, attrs)
		capabilities := pick(r, nil, &tfprotov6.ReadDataSourceClientCapabilities{DeferralAllowed: true})
		req := func() *tfprotov6.ReadDataSourceRequest {
			return &tfprotov6.ReadDataSourceRequest{TypeName: resetTokenTypeName, Config: config, ClientCapabilities: capabilities}
		}
		direct, answered := fast.front.readResetToken(ctx, req())
		run.record(answered)
		fastResp, fastErr := fast.ReadDataSource(ctx, req())
		fwResp, fwErr := slow.ReadDataSource(ctx, req())
		var d answerDiff
		d.errors(fastErr, fwErr)
		d.readDataSourceResponse("ReadDataSource", typ, fastResp, fwResp)
		if answered {
			d.readDataSourceResponse("the fast path's own answer", typ, direct, fwResp)
		}
		run.check(i, fmt.Sprintf("token %q, answer %+v", tok, answer), d)
	}
	run.finish()
	standIn.mu.Lock()
	defer standIn.mu.Unlock()
	t.Logf("stand-in answers by kind: %v", standIn.served)
	if len(standIn.misses) > 0 {
		t.Errorf("the stand-in had no answer for %d requests, such as %q", len(standIn.misses), standIn.misses[0])
	}
}

// ---------------------------------------------------------------------------
// clevermaps_password_reset_requests states and configurations.

// batchSettings are the configurable attributes of the batch resource.
type batchSettings struct {
	emails        []string
	alreadyMailed []string          // nil: null
	triggers      map[string]string // nil: null
	concurrency   int64             // 0: null
	resendAfter   string            // "": null
	maxNewEmails  *int64            // nil: null (configurations only)
	retryUnknown  *bool             // nil: null (configurations only)
	timeouts      map[string]string // nil: null; a missing key is null
}

func (s batchSettings) clone() batchSettings {
	c := s
	c.emails = slices.Clone(s.emails)
	c.alreadyMailed = slices.Clone(s.alreadyMailed)
	if s.triggers != nil {
		c.triggers = make(map[string]string, len(s.triggers))
		for k, v := range s.triggers {
			c.triggers[k] = v
		}
	}
	return c
}

// batchResults are the computed attributes of the batch resource.
type batchResults struct {
	id       string
	toMail   map[string]string // nil: null
	sent     map[string]string
	unmailed map[string]unmailedEntry
}

// batchGen builds values of the batch resource's schema type.
type batchGen struct {
	typ tftypes.Object
	now time.Time
}

func (g batchGen) value(s batchSettings, res *batchResults) tftypes.Value {
	strList := func(l []string) tftypes.Value {
		if l == nil {
			return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil)
		}
		vs := make([]tftypes.Value, len(l))
		for i, e := range l {
			vs[i] = str(e)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vs)
	}
	strMap := func(m map[string]string) tftypes.Value {
		if m == nil {
			return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, nil)
		}
		vs := make(map[string]tftypes.Value, len(m))
		for k, v := range m {
			vs[k] = str(v)
		}
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, vs)
	}
	attrs := map[string]tftypes.Value{
		"emails":         strList(s.emails),
		"already_mailed": strList(s.alreadyMailed),
		"triggers":       strMap(s.triggers),
	}
	if s.concurrency != 0 {
		attrs["concurrency"] = tftypes.NewValue(tftypes.Number, s.concurrency)
	}
	if s.resendAfter != "" {
		attrs["resend_after"] = str(s.resendAfter)
	}
	if s.maxNewEmails != nil {
		attrs["max_new_emails"] = tftypes.NewValue(tftypes.Number, *s.maxNewEmails)
	}
	if s.retryUnknown != nil {
		attrs["retry_unknown_outcomes"] = tftypes.NewValue(tftypes.Bool, *s.retryUnknown)
	}
	if tt, ok := g.typ.AttributeTypes["timeouts"].(tftypes.Object); ok && s.timeouts != nil {
		to := map[string]tftypes.Value{}
		for k, v := range s.timeouts {
			to[k] = str(v)
		}
		attrs["timeouts"] = tftypes.NewValue(tt, withNulls(tt, to))
	}
	if res != nil {
		attrs["id"] = str(res.id)
		attrs["to_mail"] = strMap(res.toMail)
		attrs["sent"] = strMap(res.sent)
		um, _ := g.typ.AttributeTypes["unmailed"].(tftypes.Map)
		ut, _ := um.ElementType.(tftypes.Object)
		entries := make(map[string]tftypes.Value, len(res.unmailed))
		for k, u := range res.unmailed {
			entries[k] = tftypes.NewValue(ut, map[string]tftypes.Value{"reason": str(u.Reason), "detail": str(u.Detail)})
		}
		attrs["unmailed"] = tftypes.NewValue(um, entries)
	}
	return tftypes.NewValue(g.typ, withNulls(g.typ, attrs))
}

// randomAddress is a new address; the same address may later be spelled
// with other letter case.
func randomAddress(r *rand.Rand, i int) string {
	return fmt.Sprintf("%s.%d@%s.example.com", randomString(r, lowerDigits, 3+r.IntN(6)), i, pick(r, "corp", "mail", "team"))
}

// respell changes the letter case of some letters of an address.
func respell(r *rand.Rand, e string) string {
	b := []byte(e)
	for range 1 + r.IntN(3) {
		j := r.IntN(len(b))
		if b[j] >= 'a' && b[j] <= 'z' {
			b[j] -= 'a' - 'A'
		}
	}
	return string(b)
}

var resendDurations = []string{"10m", "1h", "90m", "24h", "168h"}

// sentTime is an RFC 3339 time that is due under resendAfter or not. It
// keeps at least 30 seconds from the moment it becomes due, under any of
// resendDurations (all whole minutes), so that the few seconds the test
// takes cannot change what is due.
func (g batchGen) sentTime(r *rand.Rand, resendAfter time.Duration, due bool) string {
	var t time.Time
	switch {
	case resendAfter <= 0:
		t = g.now.Add(-time.Duration(r.IntN(60*24*30))*time.Minute - 30*time.Second)
	case due:
		t = g.now.Add(-resendAfter - time.Duration(1+r.IntN(60*72))*time.Minute - 30*time.Second)
	default:
		t = g.now.Add(-resendAfter + time.Duration(1+r.IntN(int(resendAfter/time.Minute)-1))*time.Minute - 30*time.Second)
	}
	t = t.Add(-time.Duration(t.Nanosecond())) // RFC 3339 without fractions cuts them anyway
	switch r.IntN(20) {
	case 0:
		return t.In(time.FixedZone("CEST", 2*60*60)).Format(time.RFC3339)
	case 1:
		if resendAfter <= 0 || due {
			return pick(r, "yesterday", "", "2024-13-01T00:00:00Z") // unparsable: due
		}
	}
	return t.UTC().Format(time.RFC3339)
}

var unmailedDetails = []string{
	"Not sent, the API did not act on it: request-reset: server answered 429 Too Many Requests.",
	"No CleverMaps account has this address (the API answered 404).",
	"The request reached the API but its answer was lost (timeout); the mail may have been sent.",
	"Not attempted before the operation's timeout or cancellation.",
	"",
}

// prior is a random state of the batch resource. Half the states are
// settled: every address mailed and not yet due, or with an unknown outcome,
// which is what a plan without changes sees most of the time.
func (g batchGen) prior(r *rand.Rand) (batchSettings, batchResults) {
	maybe := func(percent int) bool { return r.IntN(100) < percent }
	n := 1 + r.IntN(1+r.IntN(50))
	var s batchSettings
	for i := range n {
		s.emails = append(s.emails, randomAddress(r, i))
	}
	if maybe(5) { // a repeat, maybe spelled otherwise
		s.emails = append(s.emails, respell(r, pick(r, s.emails...)))
	}
	var resend time.Duration
	switch n := r.IntN(100); {
	case n < 3:
		s.resendAfter = pick(r, "0s", "-1h", "soon", "1d")
	case n < 50:
		s.resendAfter = pick(r, resendDurations...)
		resend, _ = time.ParseDuration(s.resendAfter)
	}
	maxNew := int64(defaultMaxNewEmails)
	if maybe(40) {
		maxNew = pick[int64](r, 0, 1, 10, 1000, 10000)
	}
	retry := maybe(30)
	s.maxNewEmails, s.retryUnknown = &maxNew, &retry
	if maybe(40) {
		s.concurrency = 1 + r.Int64N(256)
	}
	if maybe(50) {
		s.triggers = map[string]string{"wave": pick(r, "1", "2", "spring")}
		if maybe(30) {
			s.triggers["team"] = "ops"
		}
	}
	if maybe(30) {
		s.timeouts = map[string]string{}
		if maybe(70) {
			s.timeouts["create"] = pick(r, "30m", "2h")
		}
		if maybe(50) {
			s.timeouts["update"] = pick(r, "45m", "1h")
		}
	}

	res := batchResults{id: randomString(r, "0123456789abcdef", 16), sent: map[string]string{}, unmailed: map[string]unmailedEntry{}}
	settled := maybe(50)
	seen := map[string]bool{}
	var candidates []string // for already_mailed
	for _, e := range s.emails {
		if seen[emailKey(e)] {
			continue
		}
		seen[emailKey(e)] = true
		spelled := e
		if maybe(15) {
			spelled = respell(r, e)
		}
		status := r.IntN(100)
		if settled {
			status = pick(r, 0, 0, 0, 0, 60)
		}
		switch {
		case status < 40:
			res.sent[spelled] = g.sentTime(r, resend, false)
		case status < 55:
			res.sent[spelled] = g.sentTime(r, resend, true)
		case status < 65:
			res.unmailed[spelled] = unmailedEntry{Reason: reasonOutcomeUnknown, Detail: pick(r, unmailedDetails...)}
		case status < 85:
			res.unmailed[spelled] = unmailedEntry{Reason: pick(r, reasonNotSent, reasonRejected, reasonOutcomeUnknown), Detail: pick(r, unmailedDetails...)}
		case status < 95:
			// Neither sent nor unmailed: new.
		default:
			candidates = append(candidates, e) // adopted if listed in already_mailed
		}
		if maybe(10) {
			candidates = append(candidates, e)
		}
	}
	if maybe(10) { // entries of addresses no longer listed
		res.sent[randomAddress(r, 100)] = g.sentTime(r, resend, maybe(50))
	}
	if maybe(5) {
		res.unmailed[randomAddress(r, 101)] = unmailedEntry{Reason: reasonNotSent, Detail: "x"}
	}
	switch n := r.IntN(100); {
	case n < 10:
		s.alreadyMailed = []string{}
	case n < 40:
		s.alreadyMailed = candidates
		if s.alreadyMailed == nil {
			s.alreadyMailed = []string{}
		}
		if maybe(30) {
			s.alreadyMailed = append(s.alreadyMailed, randomAddress(r, 102)) // not in emails: ignored
		}
	}
	switch n := r.IntN(100); {
	case n < 10:
		// null
	case n < 50:
		res.toMail = map[string]string{}
	default:
		res.toMail = map[string]string{}
		for _, e := range s.emails {
			if maybe(30) {
				res.toMail[e] = pick(r, toMailNew, toMailRetry, toMailResend)
			}
		}
	}
	return s, res
}

// configOf is a configuration for a prior state: the same settings, or
// with the defaulted attributes left out, or with one change.
func (g batchGen) configOf(r *rand.Rand, prior batchSettings) batchSettings {
	c := prior.clone()
	if r.IntN(100) < 30 {
		switch r.IntN(3) {
		case 0:
			c.maxNewEmails = nil
		case 1:
			c.retryUnknown = nil
		default:
			c.maxNewEmails, c.retryUnknown = nil, nil
		}
	}
	if r.IntN(100) >= 40 {
		return c
	}
	switch r.IntN(11) {
	case 0:
		c.emails = append(c.emails, randomAddress(r, 200))
	case 1:
		if len(c.emails) > 1 {
			i := r.IntN(len(c.emails))
			c.emails = slices.Delete(c.emails, i, i+1)
		}
	case 2:
		i, j := r.IntN(len(c.emails)), r.IntN(len(c.emails))
		c.emails[i], c.emails[j] = c.emails[j], c.emails[i]
	case 3:
		i := r.IntN(len(c.emails))
		c.emails[i] = respell(r, c.emails[i])
	case 4:
		switch {
		case c.alreadyMailed == nil:
			c.alreadyMailed = []string{pick(r, c.emails...)}
		case r.IntN(2) == 0:
			c.alreadyMailed = nil
		default:
			c.alreadyMailed = append(c.alreadyMailed, pick(r, c.emails...))
		}
	case 5:
		if c.triggers == nil || r.IntN(3) == 0 {
			c.triggers = map[string]string{"wave": "next"}
		} else {
			c.triggers = nil
		}
	case 6:
		c.concurrency = pick[int64](r, 0, 1, 8, 256)
	case 7:
		c.resendAfter = pick(r, append([]string{""}, resendDurations...)...)
	case 8:
		v := pick[int64](r, 0, 5, defaultMaxNewEmails, 20000)
		c.maxNewEmails = &v
	case 9:
		v := prior.retryUnknown == nil || !*prior.retryUnknown
		c.retryUnknown = &v
	default:
		if c.timeouts == nil {
			c.timeouts = map[string]string{"create": "1h"}
		} else {
			c.timeouts = nil
		}
	}
	return c
}

// withUnknownAttribute makes one configurable attribute of a batch
// configuration unknown, as a reference to something not yet created does.
func withUnknownAttribute(r *rand.Rand, config tftypes.Value) tftypes.Value {
	var attrs map[string]tftypes.Value
	if err := config.As(&attrs); err != nil {
		panic(err)
	}
	name := pick(r, "emails", "already_mailed", "triggers", "resend_after", "max_new_emails", "retry_unknown_outcomes", "concurrency")
	if name == "emails" && r.IntN(2) == 0 {
		// One address unknown.
		var emails []tftypes.Value
		if err := attrs[name].As(&emails); err == nil && len(emails) > 0 {
			emails[r.IntN(len(emails))] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
			attrs[name] = tftypes.NewValue(attrs[name].Type(), emails)
			return tftypes.NewValue(config.Type(), attrs)
		}
	}
	attrs[name] = tftypes.NewValue(attrs[name].Type(), tftypes.UnknownValue)
	return tftypes.NewValue(config.Type(), attrs)
}

// randomPrivate is a resource's private state: usually none, sometimes
// what the framework or a provider keeps there, or something broken.
func randomPrivate(r *rand.Rand) []byte {
	switch n := r.IntN(100); {
	case n < 55:
		return nil
	case n < 70:
		return []byte{}
	case n < 80:
		return []byte(`{"note":"eyJhIjoxfQ=="}`) // {"a":1}
	case n < 86:
		return []byte(`{".import_before_read":"dHJ1ZQ=="}`) // true
	case n < 92:
		return []byte(`{"schema_version":"1"}`) // terraform-plugin-sdk's
	case n < 96:
		return []byte(`{}`)
	}
	return []byte("not json")
}

// batchSchemaOf is the batch resource's type and which attributes are
// computed, from the provider's schema.
func batchSchemaOf(t *testing.T, ps *protocolServer) *tfCore {
	t.Helper()
	schemas, err := ps.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || hasErrors(schemas.Diagnostics) {
		t.Fatalf("GetProviderSchema: %v %v", err, diagText(schemas.Diagnostics))
	}
	rs := schemas.ResourceSchemas[batchTypeName]
	core := &tfCore{t: t, typ: objectType(rs), computed: map[string]bool{}}
	for _, a := range rs.Block.Attributes {
		core.computed[a.Name] = a.Computed
	}
	return core
}

// ---------------------------------------------------------------------------
// Refresh of clevermaps_password_reset_request(s).

// randomSingleState is a state of clevermaps_password_reset_request.
func randomSingleState(r *rand.Rand, typ tftypes.Object) tftypes.Value {
	maybe := func(percent int) bool { return r.IntN(100) < percent }
	attrs := map[string]tftypes.Value{
		"id":           str(randomString(r, "0123456789abcdef", 16)),
		"email":        str(respell(r, randomAddress(r, 0))),
		"requested_at": str(time.Now().Add(-time.Duration(r.IntN(1000)) * time.Hour).UTC().Format(time.RFC3339)),
	}
	if maybe(50) {
		attrs["triggers"] = tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"v": str(pick(r, "1", "2"))})
	}
	if maybe(40) {
		attrs["resend_after"] = str(pick(r, resendDurations...))
	}
	if tt, ok := typ.AttributeTypes["timeouts"].(tftypes.Object); ok && maybe(30) {
		to := map[string]tftypes.Value{}
		for name := range tt.AttributeTypes {
			if maybe(70) {
				to[name] = str(pick(r, "30s", "5m"))
			}
		}
		attrs["timeouts"] = tftypes.NewValue(tt, withNulls(tt, to))
	}
	for name := range attrs {
		if _, ok := typ.AttributeTypes[name]; !ok {
			delete(attrs, name) // the schema changed; leave the rest null
		}
	}
	return tftypes.NewValue(typ, withNulls(typ, attrs))
}

func TestFastPaths_refresh(t *testing.T) {
	run := newFastPathRun(t, fastPathRefresh)
	fast, slow := fastPathServers(t, silentStandIn(t))
	core := batchSchemaOf(t, fast)
	ctx := t.Context()
	for i := range run.count {
		r := run.rand(i)
		g := batchGen{typ: core.typ, now: timeNow()}
		typeName := pick(r, batchTypeName, requestTypeName)
		typ := fast.resourceTypes[typeName]
		var state tftypes.Value
		switch {
		case r.IntN(100) < 2:
			state = tftypes.NewValue(typ, nil)
		case typeName == batchTypeName:
			s, res := g.prior(r)
			state = g.value(s, &res)
		default:
			state = randomSingleState(r, typ)
		}
		dv, err := tfprotov6.NewDynamicValue(typ, state)
		if err != nil {
			t.Fatal(err)
		}
		current := &dv
		private := randomPrivate(r)
		capabilities := pick(r, nil, &tfprotov6.ReadResourceClientCapabilities{DeferralAllowed: true})
		req := func() *tfprotov6.ReadResourceRequest {
			return &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: current, Private: slices.Clone(private), ClientCapabilities: capabilities}
		}
		direct, answered := fast.front.readUnchanged(req())
		run.record(answered)
		fastResp, fastErr := fast.ReadResource(ctx, req())
		fwResp, fwErr := slow.ReadResource(ctx, req())
		var d answerDiff
		d.errors(fastErr, fwErr)
		d.readResourceResponse("ReadResource", typ, fastResp, fwResp)
		if answered {
			d.readResourceResponse("the fast path's own answer", typ, direct, fwResp)
		}
		run.check(i, fmt.Sprintf("%s, private %q, state %s", typeName, private, state), d)
	}
	run.finish()
}

// ---------------------------------------------------------------------------
// Plans of clevermaps_password_reset_requests.

func TestFastPaths_batchPlan(t *testing.T) {
	run := newFastPathRun(t, fastPathBatchPlan)
	fast, slow := fastPathServers(t, silentStandIn(t))
	core := batchSchemaOf(t, fast)
	ctx := t.Context()
	// unchangedDeclined counts the plans the fast path declined although
	// nothing was configured differently (something due, new, to retry or
	// to adopt, or a default to apply): the cases its own rules decide.
	var creates, answeredWithSent, unchangedDeclined int
	for i := range run.count {
		r := run.rand(i)
		g := batchGen{typ: core.typ, now: timeNow()}
		settings, res := g.prior(r)
		prior := g.value(settings, &res)
		if r.IntN(100) < 3 {
			prior = tftypes.NewValue(core.typ, nil) // create
			creates++
		}
		config := g.value(g.configOf(r, settings), nil)
		if r.IntN(100) < 4 {
			config = withUnknownAttribute(r, config)
		}
		// As Terraform core proposes it.
		proposed := core.proposedNew(prior, config)
		private := randomPrivate(r)
		if r.IntN(2) == 0 {
			private = nil // fewer declines for private data alone
		}
		capabilities := pick(r, nil, &tfprotov6.PlanResourceChangeClientCapabilities{DeferralAllowed: true})
		priorDV, proposedDV, configDV := core.dynamic(prior), core.dynamic(proposed), core.dynamic(config)
		req := func() *tfprotov6.PlanResourceChangeRequest {
			return &tfprotov6.PlanResourceChangeRequest{
				TypeName: batchTypeName, PriorState: priorDV, ProposedNewState: proposedDV, Config: configDV,
				PriorPrivate: slices.Clone(private), ClientCapabilities: capabilities,
			}
		}
		direct, answered := fast.front.planUnchangedBatch(ctx, req())
		run.record(answered)
		if !answered && !prior.IsNull() && proposed.Equal(prior) && len(private) == 0 {
			unchangedDeclined++
		}
		fastResp, fastErr := fast.PlanResourceChange(ctx, req())
		fwResp, fwErr := slow.PlanResourceChange(ctx, req())
		var d answerDiff
		d.errors(fastErr, fwErr)
		d.planResponse("PlanResourceChange", core.typ, fastResp, fwResp)
		if answered {
			d.planResponse("the fast path's own answer", core.typ, direct, fwResp)
			if fwResp != nil && len(fwResp.Diagnostics) > 0 {
				d.add("the fast path answered where the framework has diagnostics:\n%s", diagText(fwResp.Diagnostics))
			}
			if fwResp != nil {
				d.value("the framework's plan against the prior state", core.typ, fwResp.PlannedState, priorDV)
			}
			if len(res.sent) > 0 && settings.resendAfter != "" {
				answeredWithSent++
			}
		} else if fwErr == nil && fwResp != nil && fwResp.PlannedState == nil && !hasErrors(fwResp.Diagnostics) {
			d.add("the framework planned nothing and reported no error")
		}
		run.check(i, fmt.Sprintf("private %q\nprior %s\nconfig %s", private, prior, config), d)
	}
	run.finish()
	t.Logf("%d creates; %d answered plans had sent addresses under resend_after; %d unchanged plans declined",
		creates, answeredWithSent, unchangedDeclined)
	if run.count >= 100 && answeredWithSent == 0 {
		t.Errorf("no answered plan had addresses sent under resend_after: the generator does not test what is due")
	}
	if run.count >= 100 && unchangedDeclined < run.count/20 {
		t.Errorf("only %d unchanged plans were declined: the generator does not test what the fast path must decline", unchangedDeclined)
	}
}

// TestBatchSchemaIsModelled keeps the unchanged-plan fast path in use: it
// answers nothing while the batch schema has a default or plan modifier it
// does not model.
func TestBatchSchemaIsModelled(t *testing.T) {
	info := batchSchema()
	if len(info.unmodelled) > 0 {
		t.Errorf("planUnchangedBatch cannot model: %v", info.unmodelled)
	}
	for _, name := range []string{"max_new_emails", "retry_unknown_outcomes"} {
		if _, ok := info.defaults[name]; !ok {
			t.Errorf("the default of %s is not modelled", name)
		}
	}
}
