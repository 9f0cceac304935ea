// Package client is a small client for the anonymous password-reset endpoints
// of the CleverMaps REST API. It knows HTTP, JSON and the API's error model and
// nothing of Terraform, so that it can be tested and reused on its own.
//
// Reset tokens and passwords are secrets. The client never puts them in a log
// line or an error: Go's own *url.Error prints the full request URL, and the
// token travels in the URL path, so every transport error is redacted before it
// leaves this package.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// ProductionEndpoint is CleverMaps' production API; StagingEndpoint is its
// staging environment. Neither is a default: a Config names its endpoint, so
// that nothing reaches real people's mailboxes by accident.
const (
	ProductionEndpoint = "https://secure.clevermaps.io/rest"
	StagingEndpoint    = "https://staging.dev.clevermaps.io/rest"
)

// Defaults for the settings a Config leaves at zero.
const (
	DefaultTimeout               = 30 * time.Second
	DefaultMaxAttempts           = 4
	DefaultMinRetryWait          = 500 * time.Millisecond
	DefaultMaxRetryWait          = 30 * time.Second
	DefaultMaxConcurrentRequests = 16
)

// maxBodySize caps how much of a response body is read. The API's answers
// are a few hundred bytes; anything bigger is a misbehaving server or proxy.
const maxBodySize = 1 << 20

// Logger receives the client's log lines. Fields never hold secrets. The
// provider passes an adapter to terraform-plugin-log.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}
func (nopLogger) Warn(context.Context, string, map[string]any)  {}

// Config holds the settings of a Client. Zero values select the defaults.
type Config struct {
	// Endpoint is the API's base URL, for example StagingEndpoint. It is
	// required.
	Endpoint string
	// UserAgent is sent with every request.
	UserAgent string
	// Timeout bounds each single attempt from the moment it is handed to the
	// network until its body is read; not the wait for its turn, nor the
	// whole call with retries (the caller's context bounds those).
	Timeout time.Duration
	// MaxAttempts is the most requests one call may send, the first included.
	MaxAttempts int
	// MinRetryWait and MaxRetryWait bound the wait between attempts;
	// MaxRetryWait also caps a server's Retry-After.
	MinRetryWait time.Duration
	MaxRetryWait time.Duration
	// RequestsPerSecond limits the request rate of the whole client; Burst is
	// how many requests may go at once above that rate. 0 means adaptive:
	// unlimited until the server answers 429, then paced at a rate learned
	// from its answers.
	RequestsPerSecond float64
	Burst             int
	// MaxConcurrentRequests bounds the requests in flight (0 means the default).
	MaxConcurrentRequests int
	// Logger receives debug and warning lines; nil discards them.
	Logger Logger
	// CACertPEM holds PEM certificates trusted in addition to the system's
	// roots, for networks whose TLS-inspecting proxy signs with its own CA
	// (see ParseCACertPEM for what is accepted). Empty means the system
	// roots alone. Only the default transport uses it.
	CACertPEM []byte
	// Transport replaces the pooled default transport (tests use it).
	Transport http.RoundTripper
}

// Client calls the CleverMaps password-reset API. It is safe for concurrent
// use, and all its calls share one connection pool and one rate limit.
type Client struct {
	base      *url.URL
	timeout   time.Duration
	userAgent string
	http      *retryablehttp.Client
	log       Logger
	pacer     *pacer
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := ParseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.MinRetryWait == 0 && cfg.MaxRetryWait == 0 {
		cfg.MinRetryWait, cfg.MaxRetryWait = DefaultMinRetryWait, DefaultMaxRetryWait
	}
	if cfg.MaxConcurrentRequests == 0 {
		cfg.MaxConcurrentRequests = DefaultMaxConcurrentRequests
	}
	switch {
	case cfg.Timeout < 0:
		return nil, errors.New("timeout must not be negative")
	case cfg.MaxAttempts < 1:
		return nil, errors.New("max attempts must be at least 1")
	case cfg.MinRetryWait < 0 || cfg.MaxRetryWait < cfg.MinRetryWait:
		return nil, errors.New("retry waits must satisfy 0 <= min <= max")
	case cfg.RequestsPerSecond < 0 || cfg.Burst < 0 || cfg.MaxConcurrentRequests < 0:
		return nil, errors.New("rate limit settings must not be negative")
	}
	if cfg.Logger == nil {
		cfg.Logger = nopLogger{}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-clevermaps"
	}

	transport := cfg.Transport
	if transport != nil && len(cfg.CACertPEM) > 0 {
		return nil, errors.New("CA certificates apply to the default transport only, not to a replaced one")
	}
	if transport == nil {
		tlsCfg, err := tlsConfig(cfg.CACertPEM)
		if err != nil {
			return nil, err
		}
		pooled := cleanhttp.DefaultPooledTransport()
		// cleanhttp's proxy, dial and idle settings stay; ForceAttemptHTTP2
		// keeps HTTP/2 with a TLS configuration of our own.
		pooled.TLSClientConfig = tlsCfg
		// Keep enough idle connections for every request that may be in
		// flight, so that Terraform's parallel walks reuse them instead of
		// opening (and TLS-handshaking) a new one each time.
		pooled.MaxIdleConnsPerHost = cfg.MaxConcurrentRequests
		pooled.MaxConnsPerHost = cfg.MaxConcurrentRequests
		transport = pooled
	}

	c := &Client{
		base:      base,
		timeout:   cfg.Timeout,
		userAgent: cfg.UserAgent,
		log:       cfg.Logger,
		pacer:     newPacer(cfg.RequestsPerSecond, cfg.Burst, cfg.MaxConcurrentRequests),
	}
	c.http = &retryablehttp.Client{
		HTTPClient: &http.Client{
			// The attempt timeout is applied by the paced transport once a
			// request leaves the queue: http.Client.Timeout would also count
			// the time spent waiting for a rate-limit token or a free slot.
			Transport: &pacedTransport{
				next:     transport,
				pacer:    c.pacer,
				timeout:  cfg.Timeout,
				maxPause: cfg.MaxRetryWait,
				log:      cfg.Logger,
			},
			// Redirects are never followed: the path carries a secret that
			// must not travel to whatever host a Location header names.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		// The library's own logger prints full URLs; the hooks below log
		// redacted lines instead.
		Logger:          nil,
		RetryWaitMin:    cfg.MinRetryWait,
		RetryWaitMax:    cfg.MaxRetryWait,
		RetryMax:        cfg.MaxAttempts - 1,
		CheckRetry:      c.checkRetry,
		Backoff:         backoff,
		ErrorHandler:    retryablehttp.PassthroughErrorHandler,
		RequestLogHook:  c.logRequest,
		ResponseLogHook: c.logResponse,
	}
	return c, nil
}

// Host is the endpoint's host, with its port when the endpoint gives one,
// for messages that say which API a call went to. It never contains a path,
// which may carry a reset token.
func (c *Client) Host() string {
	return c.base.Host
}

// ParseEndpoint checks that endpoint is an absolute http or https URL without
// credentials, query or fragment, and returns it without a trailing slash.
func ParseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(endpoint)
	switch {
	case endpoint == "":
		return nil, errors.New("the endpoint is empty")
	case err != nil:
		return nil, fmt.Errorf("the endpoint is not a valid URL: %w", redactTransportError(err))
	case u.Scheme != "http" && u.Scheme != "https":
		if u.Scheme == "" {
			return nil, errors.New("the endpoint has no scheme; it must start with https:// or http://")
		}
		return nil, fmt.Errorf("the endpoint's scheme %q is not supported; use https or http", u.Scheme)
	case u.Host == "":
		return nil, errors.New("the endpoint has no host")
	case u.User != nil:
		return nil, errors.New("the endpoint must not contain credentials (user:password@); the password-reset API is anonymous")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, errors.New("the endpoint must not contain a query string")
	case u.Fragment != "":
		return nil, errors.New("the endpoint must not contain a fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

// urlFor joins path segments to the base URL, escaping each one exactly once.
func (c *Client) urlFor(segments ...string) *url.URL {
	u := *c.base
	path, raw := u.Path, u.EscapedPath()
	for _, s := range segments {
		path += "/" + s
		raw += "/" + url.PathEscape(s)
	}
	u.Path, u.RawPath = path, raw
	return &u
}

// response is a fully read, size-capped response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one API call with retries. secrets are scrubbed from any error it
// returns. A transport failure comes back as *TransportError.
func (c *Client) do(ctx context.Context, ci *callInfo, method string, u *url.URL, payload any, secrets ...string) (*response, error) {
	var body []byte
	if payload != nil {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return nil, fmt.Errorf("%s: encoding request: %w", ci.op, err)
		}
	}
	// The retry hook logs transport errors, which can quote what the server
	// sent back (a malformed header echoing the request line, say): it needs
	// the call's secrets to scrub them.
	ci.secrets = secrets
	ctx = withCallInfo(ctx, ci)
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), bodyOrNil(body))
	if err != nil {
		return nil, &TransportError{Op: ci.op, Err: redactTransportError(err, secrets...)}
	}
	// NewRequest parses the string again; keep the exact escaping we chose.
	req.URL = u
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		return nil, &TransportError{Op: ci.op, Err: c.transportCause(ctx, err, secrets...), Attempts: ci.attempts}
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
	if err != nil {
		return nil, &TransportError{Op: ci.op, Err: c.transportCause(ctx, fmt.Errorf("reading response: %w", err), secrets...), Attempts: ci.attempts}
	}
	if len(data) > maxBodySize {
		return nil, &ResponseError{Op: ci.op, StatusCode: resp.StatusCode, Reason: fmt.Sprintf("the response body is larger than %d bytes", maxBodySize)}
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, &ResponseError{Op: ci.op, StatusCode: resp.StatusCode, Reason: "the server answered with a redirect, which is not followed because the request carries secrets; check that the endpoint is the API's base URL"}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// transportCause makes a transport failure safe to show (see
// redactTransportError) and types what callers tell people apart: a
// connection that could not be opened (*UnreachableError), an attempt that
// outlasted the request timeout while the call still had time
// (*RequestTimeoutError), and the end of the call's own context, which
// replaces whatever the transport made of it unless the error already says
// why the call waited until then (rate limiting).
func (c *Client) transportCause(ctx context.Context, err error, secrets ...string) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) &&
		!errors.Is(err, ErrRateLimited) && !errors.Is(err, ErrOwnRateLimit) {
		err = ctxErr
	}
	safe := redactTransportError(err, secrets...)
	switch {
	case ctx.Err() != nil:
		return safe
	case errors.Is(err, context.DeadlineExceeded):
		return &RequestTimeoutError{Timeout: c.timeout, Cause: safe}
	}
	if ue, ok := classifyUnreachable(safe, c.base.Host); ok {
		return ue
	}
	return safe
}

func bodyOrNil(b []byte) any {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

// apiError builds the error for an unexpected status.
func (c *Client) apiError(ci *callInfo, r *response, secrets ...string) *APIError {
	return &APIError{
		Op:         ci.op,
		StatusCode: r.status,
		Message:    errorMessage(r.body, secrets...),
		Attempts:   ci.attempts,
	}
}

// checkRetry wraps the retry policy with a log line that says why a call is
// (not) repeated.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, checkErr := checkRetry(ctx, resp, err)
	ci := callInfoFrom(ctx)
	if retry {
		// A POST is retried only after an attempt the server certainly did
		// not act on, so nothing is outstanding while the client waits: a
		// call cancelled during that wait has a known outcome.
		ci.sent.Store(false)
	}
	// retryablehttp asks after the last attempt too; a line saying
	// "retrying" then would announce a request that never comes.
	if retry && ci.attempts <= c.http.RetryMax {
		fields := map[string]any{"operation": string(ci.op), "attempt": ci.attempts}
		if resp != nil {
			fields["status"] = resp.StatusCode
			if ra := resp.Header.Get("Retry-After"); ra != "" {
				// The server chose this text; it gets the same care as
				// its error messages.
				fields["retry_after"] = safeMessage(ra, ci.secrets...)
			}
		} else if err != nil {
			fields["error"] = redactTransportError(err, ci.secrets...).Error()
		}
		c.log.Warn(ctx, "CleverMaps API call failed, retrying", fields)
	}
	return retry, checkErr
}

func (c *Client) logRequest(_ retryablehttp.Logger, req *http.Request, attempt int) {
	ci := callInfoFrom(req.Context())
	ci.attempts = attempt + 1
	c.log.Debug(req.Context(), "sending CleverMaps API request", map[string]any{
		"operation": string(ci.op),
		"method":    req.Method,
		"attempt":   ci.attempts,
	})
}

func (c *Client) logResponse(_ retryablehttp.Logger, resp *http.Response) {
	ci := callInfoFrom(resp.Request.Context())
	c.log.Debug(resp.Request.Context(), "received CleverMaps API response", map[string]any{
		"operation": string(ci.op),
		"status":    resp.StatusCode,
		"attempt":   ci.attempts,
	})
}
