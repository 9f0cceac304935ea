// Package standin is a faithful local stand-in of the CleverMaps password-reset
// API (https://secure.clevermaps.io/rest/accounts/passwordReset). Tests and
// demos run it instead of the real service: it keeps accounts, reset tokens and
// an outbox of "sent" reset mails in memory, journals every request exactly as
// received, and can inject faults (errors, delays, dropped connections,
// redirects, oversized bodies) so that clients can be tested against the
// failures the real service produces only rarely.
package standin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/address"
)

const (
	// APIPrefix is the path under which the API is served, as on the real host.
	APIPrefix = "/rest"

	resetPath       = APIPrefix + "/accounts/passwordReset"
	adminPrefix     = "/_standin/"
	contentTypeJSON = "application/json"

	// maxRequestBody bounds what a request may send; the API's bodies are tiny.
	maxRequestBody = 1 << 20
)

// Config sets up a Server. Zero values select the defaults noted on each field.
type Config struct {
	// Accounts are the accounts present at start.
	Accounts []Account
	// TokenLifetime is how long a reset token stays valid; default 1h.
	TokenLifetime time.Duration
	// PasswordMinLength and PasswordMaxLength bound a new password's length in
	// characters (runes). The defaults, 1 and 100, are all the API's contract
	// states (ResetPasswordDTO has a maximum of 100 and no minimum); a tenant's
	// real policy may demand more, and these settings let a test mirror it.
	// A maximum above the contract's 100 has no effect: longer passwords break
	// the contract and are refused as such.
	PasswordMinLength int
	PasswordMaxLength int
	// RateLimit is the number of API requests per second accepted across all
	// endpoints; 0 is unlimited. Requests past it get 429 with Retry-After and
	// no action is taken. The limiter reads Now, so tests with a fixed clock
	// control it exactly.
	RateLimit float64
	// RateBurst is how many requests may arrive at once above RateLimit;
	// default RateLimit itself (at least 1).
	RateBurst int
	// Latency is how long the server takes for every API request before it
	// acts on it, plus a random share of LatencyJitter. The wait is not cut
	// short when the client gives up: like a real server, the stand-in then
	// still acts (sends the mail, consumes the token) and its answer is lost,
	// which is the ambiguous outcome a client with a short timeout must face.
	// Closing the server ends the wait without acting.
	Latency       time.Duration
	LatencyJitter time.Duration
	// Now is the clock for token expiry, rate limiting and timestamps; default
	// time.Now.
	Now func() time.Time
	// RequestLogger, when set, is called once per API request after it was
	// answered, with the status sent (0 when no answer was sent: a dropped
	// connection or a client that went away). It is never given the path or
	// the body, which carry tokens and passwords.
	RequestLogger func(method string, ep Endpoint, status int)
	// WrapHandler, when set, wraps the handler that Start serves, so that a
	// test can observe every answer on the wire (standintest.Handler checks
	// them against the contract).
	WrapHandler func(http.Handler) http.Handler
	// RemoteHosts opens the stand-in to other machines; leave it empty to keep
	// it to this one. By default Start listens only on a loopback address and
	// ServeHTTP answers only requests whose Host is localhost or a loopback
	// address (any port), with 421 Misdirected Request otherwise, before
	// anything is journaled, counted or done. With RemoteHosts set, Start may
	// listen on any address and requests addressed to one of these host names
	// or IP addresses (no port; see ParseRemoteHost) are served as well.
	// Anyone who reaches the stand-in can read every reset token and new
	// password it has seen. NewServer panics on an entry ParseRemoteHost
	// refuses.
	RemoteHosts []string
}

// Mail is a password-reset mail the stand-in "sent".
type Mail struct {
	To     string    `json:"to"`
	Token  string    `json:"token"`
	SentAt time.Time `json:"sentAt"`
}

// Request is one API request as the stand-in received it.
type Request struct {
	Method string `json:"method"`
	// RawPath is r.RequestURI exactly as received: escaped path plus query.
	RawPath    string      `json:"rawPath"`
	Body       string      `json:"body"`
	Header     http.Header `json:"header"`
	Endpoint   Endpoint    `json:"endpoint"`
	ReceivedAt time.Time   `json:"receivedAt"`
}

// Server is the stand-in. It is an http.Handler, so it can be mounted in an
// httptest.Server, or it can listen by itself with Start. All methods are safe
// for concurrent use.
type Server struct {
	cfg         Config
	remoteHosts []string // cfg.RemoteHosts in canonical form

	mu       sync.Mutex
	accounts map[string]*Account    // by lower-case email: assumption A5 in DESIGN.md
	tokens   map[string]*resetToken // by token
	outbox   []Mail
	journal  []Request
	counts   map[Endpoint]int
	faults   map[Endpoint]*faultState
	limiter  *rateLimiter // nil when unlimited

	// closing is closed by Close, to end latency waits.
	closing   chan struct{}
	closeOnce sync.Once

	// Set by Start, cleared by Close.
	httpServer *http.Server
	baseURL    string
	addr       net.Addr
	cancel     context.CancelFunc
	serving    chan struct{}
}

// resetToken is an issued, not yet used reset token.
type resetToken struct {
	email     string // key into accounts
	expiresAt time.Time
}

// NewServer returns a stand-in holding cfg.Accounts, with cfg's zero values
// replaced by the defaults.
func NewServer(cfg Config) *Server {
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = time.Hour
	}
	if cfg.PasswordMinLength <= 0 {
		cfg.PasswordMinLength = 1
	}
	if cfg.PasswordMaxLength <= 0 {
		cfg.PasswordMaxLength = ContractPasswordMaxLength
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		closing:  make(chan struct{}),
		cfg:      cfg,
		accounts: make(map[string]*Account),
		tokens:   make(map[string]*resetToken),
		counts:   make(map[Endpoint]int),
		faults:   make(map[Endpoint]*faultState),
	}
	for _, h := range cfg.RemoteHosts {
		name, err := ParseRemoteHost(h)
		if err != nil {
			panic("standin: NewServer: " + err.Error())
		}
		s.remoteHosts = append(s.remoteHosts, name)
	}
	if cfg.RateLimit > 0 {
		burst := cfg.RateLimit
		if cfg.RateBurst > 0 {
			burst = float64(cfg.RateBurst)
		}
		s.limiter = &rateLimiter{rate: cfg.RateLimit, burst: max(1, burst)}
	}
	for _, a := range cfg.Accounts {
		s.AddAccount(a)
	}
	return s
}

// AddAccount adds a, replacing any account with the same email (by address.Key:
// case and Unicode normalization do not matter).
// An empty ID is generated, an empty Status becomes ENABLED and missing Links
// get the self link the API serves. The result must satisfy the official
// AccountDTO (see Account.Validate): AddAccount panics otherwise, because an
// account the real API could not serve is a defect of the test or program
// that adds it. Check untrusted accounts with Validate first.
func (s *Server) AddAccount(a Account) {
	if err := a.Validate(); err != nil {
		panic("standin: AddAccount: " + err.Error())
	}
	a = a.withDefaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[address.Key(a.Email)] = &a
}

// Account returns the current state of the account with that email (by
// address.Key), including its password, for assertions.
func (s *Server) Account(email string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[address.Key(email)]
	if !ok {
		return Account{}, false
	}
	return a.clone(), true
}

// IssueToken puts token in place for the account with that email, as if a reset
// mail carrying it had been sent, and adds that Mail to the outbox. Tests use it
// for tokens with characters that generated tokens never contain.
func (s *Server) IssueToken(email, token string) error {
	if token == "" {
		return errors.New("standin: empty token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[address.Key(email)]
	if !ok {
		return fmt.Errorf("standin: no account with email %q", email)
	}
	s.issueLocked(a, token)
	return nil
}

// issueLocked records token for a and "sends" the mail. s.mu must be held.
func (s *Server) issueLocked(a *Account, token string) {
	now := s.cfg.Now()
	s.tokens[token] = &resetToken{email: address.Key(a.Email), expiresAt: now.Add(s.cfg.TokenLifetime)}
	s.outbox = append(s.outbox, Mail{To: a.Email, Token: token, SentAt: now})
}

// Outbox returns a copy of all mails sent, in send order.
func (s *Server) Outbox() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(make([]Mail, 0, len(s.outbox)), s.outbox...)
}

// MailsTo returns the mails sent to email (in any case), in send order.
func (s *Server) MailsTo(email string) []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	var mails []Mail
	for _, m := range s.outbox {
		if address.Same(m.To, email) {
			mails = append(mails, m)
		}
	}
	return mails
}

// Journal returns a copy of every API request received since the start or the
// last ResetJournal, in order, including those answered with a fault or 429.
func (s *Server) Journal() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := make([]Request, len(s.journal))
	for i, r := range s.journal {
		r.Header = r.Header.Clone()
		j[i] = r
	}
	return j
}

// Count returns the number of journal entries for ep.
func (s *Server) Count(ep Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[ep]
}

// ResetJournal forgets all journal entries and counts.
func (s *Server) ResetJournal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.journal = nil
	clear(s.counts)
}

// InjectFault makes ep misbehave as f describes, replacing any fault on ep and
// starting its Times and Every counts afresh.
func (s *Server) InjectFault(ep Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[ep] = &faultState{fault: f}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// Start listens on addr ("" means 127.0.0.1:0, a free loopback port), serves
// in the background and returns the base URL, e.g.
// http://127.0.0.1:41234/rest. Close stops it. Unless Config.RemoteHosts is
// set, addr must be a loopback address (CheckLoopbackListen), checked before
// anything listens, and the address bound must be one too.
func (s *Server) Start(addr string) (baseURL string, err error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpServer != nil {
		return "", errors.New("standin: server already started")
	}
	local := len(s.remoteHosts) == 0
	if local {
		if err := CheckLoopbackListen(addr); err != nil {
			return "", fmt.Errorf("standin: %w; set Config.RemoteHosts to serve other machines", err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("standin: listen: %w", err)
	}
	if local {
		if err := checkBoundLoopback(ln.Addr()); err != nil {
			_ = ln.Close()
			return "", fmt.Errorf("standin: listen %s: %w", addr, err)
		}
	}
	// Cancelling the base context ends injected delays when the server closes.
	ctx, cancel := context.WithCancel(context.Background())
	var handler http.Handler = s
	if s.cfg.WrapHandler != nil {
		handler = s.cfg.WrapHandler(s)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	serving := make(chan struct{})
	go func() {
		defer close(serving)
		_ = srv.Serve(ln) // Always ErrServerClosed or a listener error after Close.
	}()
	s.httpServer, s.cancel, s.serving = srv, cancel, serving
	s.addr = ln.Addr()
	s.baseURL = "http://" + urlHost(ln.Addr()) + APIPrefix
	return s.baseURL, nil
}

// Addr returns the address the server is listening on after Start, exactly as
// bound (0.0.0.0:18080 when it listens on every interface), or nil before.
// The base URL may name another: one that a client on this machine can dial.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// urlHost returns the listener's address as a URL host that a client on this
// machine can dial: an unspecified IP (0.0.0.0, ::), which only
// Config.RemoteHosts allows, becomes the loopback.
func urlHost(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	ip := tcp.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// URL returns the base URL including /rest after Start, or "" before.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// Close stops a server started with Start, closing open connections and ending
// injected delays. It is a no-op when the server is not running.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	s.mu.Lock()
	srv, cancel, serving := s.httpServer, s.cancel, s.serving
	s.httpServer, s.cancel, s.serving, s.baseURL, s.addr = nil, nil, nil, "", nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	cancel()
	<-serving
	return err
}

// route is what a request's method and path select.
type route struct {
	ep    Endpoint
	token string // decoded token for the token endpoints
	allow string // the Allow header when the path exists but not for this method
	json  bool   // whether the request declares a JSON body
}

// classify maps a request to its endpoint. The token segment is taken from the
// escaped path and unescaped exactly once, so tokens containing '+', '%', ' ',
// '@' or ':' survive a client's url.PathEscape, and an escaped "/" stays part of
// the token while an unescaped one makes a different path.
func classify(r *http.Request) route {
	path := r.URL.EscapedPath()
	if path == resetPath {
		if r.Method == http.MethodPost {
			return route{ep: EndpointRequestReset}
		}
		return route{ep: EndpointOther, allow: http.MethodPost}
	}
	segment, ok := strings.CutPrefix(path, resetPath+"/")
	if !ok || segment == "" || strings.Contains(segment, "/") {
		return route{ep: EndpointOther}
	}
	token, err := url.PathUnescape(segment)
	if err != nil {
		return route{ep: EndpointOther}
	}
	switch r.Method {
	case http.MethodGet:
		return route{ep: EndpointVerifyToken, token: token}
	case http.MethodPost:
		return route{ep: EndpointFinishReset, token: token}
	}
	return route{ep: EndpointOther, allow: "GET, POST"}
}

// ServeHTTP answers the API under /rest and the admin endpoints under
// /_standin/, for requests addressed to a host it serves (Config.RemoteHosts).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.hostAllowed(r.Host) {
		// Refused before the body is read or anything is journaled, counted,
		// rate limited or faulted: the request is not for this server.
		writeAnswer(w, misdirected(r.Host))
		return
	}
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}

	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	tooLarge := len(body) > maxRequestBody
	rt := classify(r)
	rt.json = isJSON(r.Header.Get("Content-Type"))
	now := s.cfg.Now()

	s.mu.Lock()
	s.journal = append(s.journal, Request{
		Method:     r.Method,
		RawPath:    r.RequestURI,
		Body:       string(body[:min(len(body), maxRequestBody)]),
		Header:     r.Header.Clone(),
		Endpoint:   rt.ep,
		ReceivedAt: now,
	})
	s.counts[rt.ep]++
	limited, retryAfter := false, 0
	if s.limiter != nil {
		limited, retryAfter = s.limiter.limit(now)
	}
	var fault *Fault
	if fs := s.faults[rt.ep]; !limited && fs != nil && fs.take() {
		f := fs.fault
		fault = &f
	}
	s.mu.Unlock()

	status := 0
	if logf := s.cfg.RequestLogger; logf != nil {
		// Deferred so that a dropped connection, which aborts the handler, is
		// logged as well.
		defer func() { logf(r.Method, rt.ep, status) }()
	}

	if !s.latency() {
		panic(http.ErrAbortHandler)
	}

	handle := func() answer {
		switch {
		case readErr != nil:
			return errorAnswer(http.StatusBadRequest, "The request body could not be read")
		case tooLarge:
			return errorAnswer(http.StatusRequestEntityTooLarge, "The request body is too large")
		}
		return s.handle(rt, body)
	}

	switch {
	case limited:
		a := errorAnswer(http.StatusTooManyRequests, "Too many requests, try again later")
		a.header.Set("Retry-After", strconv.Itoa(retryAfter))
		status = writeAnswer(w, a)
	case fault == nil:
		status = writeAnswer(w, handle())
	default:
		var a answer
		if fault.AfterAction {
			a = handle()
		}
		if !sleep(r.Context(), fault.Delay) {
			// The client went away or the server is closing. Returning normally
			// would let net/http send an empty 200; aborting sends nothing.
			panic(http.ErrAbortHandler)
		}
		if fault.answers() {
			status = writeFault(w, *fault)
			return
		}
		if !fault.AfterAction {
			a = handle()
		}
		status = writeAnswer(w, a)
	}
}

// isJSON reports whether a Content-Type header declares application/json,
// with or without parameters such as charset=utf-8.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == contentTypeJSON
}

// latency waits for the configured per-request latency, ignoring the
// client's cancellation on purpose (see Config.Latency). It reports false when
// the server is closing.
func (s *Server) latency() bool {
	d := s.cfg.Latency
	if j := s.cfg.LatencyJitter; j > 0 {
		d += mrand.N(j) //nolint:gosec // Simulated jitter needs no cryptographic randomness.
	}
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closing:
		return false
	}
}

// handle performs the real API operation for rt.
func (s *Server) handle(rt route, body []byte) answer {
	switch {
	case rt.allow != "":
		a := errorAnswer(http.StatusMethodNotAllowed, "Request method is not supported for this endpoint")
		a.header.Set("Allow", rt.allow)
		return a
	case (rt.ep == EndpointRequestReset || rt.ep == EndpointFinishReset) && !rt.json:
		// Checked before the body is looked at: the API declares application/json,
		// and a body of another type is not read, so nothing is done.
		return errorAnswer(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	case rt.ep == EndpointRequestReset:
		return s.requestReset(body)
	case rt.ep == EndpointVerifyToken:
		return s.verifyToken(rt.token)
	case rt.ep == EndpointFinishReset:
		return s.finishReset(rt.token, body)
	}
	return errorAnswer(http.StatusNotFound, "No endpoint matches the request")
}

// requestReset is POST /rest/accounts/passwordReset: it "sends" a reset mail
// with a new token to an existing account.
func (s *Server) requestReset(body []byte) answer {
	req, err := SendResetPasswordModel.DecodeRequest(body)
	if err != nil {
		return errorAnswer(http.StatusBadRequest, err.Error())
	}
	email, _ := req["email"].(string)
	if email == "" {
		// Assumed: the contract requires a string, not a non-empty one.
		return errorAnswer(http.StatusBadRequest, "Email must not be empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[address.Key(email)]
	if !ok {
		return errorAnswer(http.StatusNotFound, "Account not found")
	}
	s.issueLocked(a, newToken())
	return answer{status: http.StatusCreated, header: http.Header{}}
}

// verifyToken is GET /rest/accounts/passwordReset/{token}: it returns the
// token's account without consuming the token.
func (s *Server) verifyToken(token string) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.tokenAccountLocked(token)
	if a == nil {
		return errorAnswer(http.StatusNotFound, "Password reset token not found")
	}
	return jsonAnswer(http.StatusOK, a.dto())
}

// finishReset is POST /rest/accounts/passwordReset/{token}: it sets the new
// password, consumes the token and revokes every other outstanding token of
// the account, so that an older mail cannot set the password again. The body
// is checked against the contract first (as the API's request binding would,
// before its handler runs) and the token looked up before the password policy
// is checked, so a password the policy refuses does not use the token up.
func (s *Server) finishReset(token string, body []byte) answer {
	req, err := ResetPasswordModel.DecodeRequest(body)
	if err != nil {
		return errorAnswer(http.StatusBadRequest, err.Error())
	}
	newPassword, _ := req["newPassword"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.tokenAccountLocked(token)
	if a == nil {
		return errorAnswer(http.StatusNotFound, "Password reset token not found")
	}
	minLen, maxLen := s.cfg.PasswordMinLength, s.cfg.PasswordMaxLength
	if !between(utf8.RuneCountInString(newPassword), minLen, maxLen) {
		return errorAnswer(http.StatusBadRequest, fmt.Sprintf(
			"Password does not meet the requirements: it must be between %d and %d characters long", minLen, maxLen))
	}
	a.Password = newPassword
	if v, ok := req["consentGranted"].(bool); ok {
		a.ConsentGranted = &v
	}
	key := address.Key(a.Email)
	for t, rt := range s.tokens {
		if rt.email == key {
			delete(s.tokens, t)
		}
	}
	return answer{status: http.StatusNoContent, header: http.Header{}}
}

func between(n, lo, hi int) bool { return lo <= n && n <= hi }

// tokenAccountLocked returns the account a valid token belongs to, or nil for
// an unknown, used or expired token. s.mu must be held.
func (s *Server) tokenAccountLocked(token string) *Account {
	t, ok := s.tokens[token]
	if !ok {
		return nil
	}
	if !s.cfg.Now().Before(t.expiresAt) {
		delete(s.tokens, token)
		return nil
	}
	return s.accounts[t.email]
}

// newToken returns a fresh token as the real API makes them: 32 random bytes,
// base64url without padding.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails since Go 1.24.
	return base64.RawURLEncoding.EncodeToString(b)
}

// answer is a response prepared before it is written, so that an AfterAction
// fault can perform the action and still replace its answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// apiError is the API's JSON error shape. Its message never carries the token
// or the password: both may end up in logs.
type apiError struct {
	Status  int    `json:"status"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

func errorAnswer(status int, message string) answer {
	return jsonAnswer(status, apiError{Status: status, Error: http.StatusText(status), Message: message})
}

func jsonAnswer(status int, v any) answer {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the package's own types are marshalled here.
		panic("standin: marshal response: " + err.Error())
	}
	return answer{status: status, header: http.Header{"Content-Type": {contentTypeJSON}}, body: body}
}

// writeAnswer writes a and returns its status.
func writeAnswer(w http.ResponseWriter, a answer) int {
	h := w.Header()
	for k, v := range a.header {
		h[k] = v
	}
	if a.status != http.StatusNoContent {
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
	return a.status
}

// rateLimiter is a token bucket driven by the server's clock.
type rateLimiter struct {
	rate, burst float64
	tokens      float64
	last        time.Time
	started     bool
}

// limit takes one request from the bucket at now. When the bucket is empty it
// reports true and the whole seconds (at least 1) until a request will pass.
func (l *rateLimiter) limit(now time.Time) (limited bool, retryAfter int) {
	if !l.started {
		l.started, l.tokens, l.last = true, l.burst, now
	}
	if elapsed := now.Sub(l.last).Seconds(); elapsed > 0 {
		l.tokens = min(l.burst, l.tokens+elapsed*l.rate)
		l.last = now
	}
	if l.tokens >= 1 {
		l.tokens--
		return false, 0
	}
	return true, max(1, int(math.Ceil((1-l.tokens)/l.rate)))
}
