// Command clevermaps-standin serves a local stand-in of the CleverMaps
// password-reset API for demos, scripts and manual testing of the provider.
// It keeps everything in memory; reset mails land in an outbox that
// GET /_standin/outbox shows, and faults can be injected with
// POST /_standin/faults.
//
// It serves live reset tokens and the passwords set with them, so it is kept
// to this machine: it listens only on a loopback address and answers only
// requests addressed to localhost or a loopback address, unless -allow-remote
// names a host that other machines reach it by.
//
// Usage:
//
//	clevermaps-standin [-listen 127.0.0.1:8080] [-allow-remote HOST]...
//	                   [-accounts FILE] [-account EMAIL[=Full Name]]...
//	                   [-token-lifetime 1h] [-password-min 1] [-password-max 100]
//	                   [-rate-limit 0] [-url-file FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, new(usageError)):
		os.Exit(2) // The flag package already printed the problem and the usage.
	case err != nil:
		fmt.Fprintln(os.Stderr, "clevermaps-standin:", err)
		os.Exit(1)
	}
}

// usageError marks a command line the flag package rejected and explained.
type usageError struct{ error }

// options is the parsed command line.
type options struct {
	listen        string
	allowRemote   []string
	accountsFile  string
	extraAccounts []standin.Account
	tokenLifetime time.Duration
	passwordMin   int
	passwordMax   int
	rateLimit     float64
	urlFile       string
	rateBurst     int
	latency       time.Duration
	latencyJitter time.Duration
}

const usageIntro = `Usage: clevermaps-standin [flags]

Serves a local stand-in of the CleverMaps password-reset API under /rest, and
GET /_standin/outbox, GET /_standin/journal, POST and DELETE /_standin/faults
(POSTs need Content-Type: application/json). It hands out live reset tokens
and passwords, so it listens on a loopback address only and answers only
requests addressed to localhost or a loopback address (others get 421
Misdirected Request), unless -allow-remote names a host.

Flags:
`

// parseFlags parses args, writing usage and flag errors to stderr.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("clevermaps-standin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageIntro)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on: a loopback one (127.0.0.1, localhost, [::1]) unless -allow-remote is given; 127.0.0.1:0 picks a free port")
	fs.Func("allow-remote", "also serve other machines that address the stand-in as `HOST` (a host name or IP address, no port; repeatable), and allow any -listen address. "+
		"Anyone who can reach it can read every reset token and new password it holds", func(v string) error {
		h, err := standin.ParseRemoteHost(v)
		if err == nil {
			o.allowRemote = append(o.allowRemote, h)
		}
		return err
	})
	fs.StringVar(&o.accountsFile, "accounts", "", "JSON file with an array of accounts (default: built-in demo accounts)")
	fs.Func("account", "add an account, as EMAIL or EMAIL=Full Name (repeatable)", func(v string) error {
		a, err := parseAccountFlag(v)
		if err == nil {
			o.extraAccounts = append(o.extraAccounts, a)
		}
		return err
	})
	fs.DurationVar(&o.tokenLifetime, "token-lifetime", time.Hour, "how long a reset token stays valid")
	fs.IntVar(&o.passwordMin, "password-min", 1, "minimum new password length in characters; the API's contract sets none, so set your tenant's (e.g. 8)")
	fs.IntVar(&o.passwordMax, "password-max", standin.ContractPasswordMaxLength, "maximum new password length in characters; the contract's maximum is 100")
	fs.Float64Var(&o.rateLimit, "rate-limit", 0, "API requests per second before answering 429; 0 is unlimited")
	fs.IntVar(&o.rateBurst, "rate-burst", 0, "requests that may arrive at once above -rate-limit (default: the rate itself)")
	fs.DurationVar(&o.latency, "latency", 0, "time the server takes for every API request before it acts, e.g. 250ms")
	fs.DurationVar(&o.latencyJitter, "latency-jitter", 0, "random extra latency, up to this much, on every API request")
	fs.StringVar(&o.urlFile, "url-file", "", "write the base URL to this file once listening")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		fs.Usage()
		return o, usageError{errors.New("unexpected arguments")}
	}
	if len(o.allowRemote) == 0 {
		if err := standin.CheckLoopbackListen(o.listen); err != nil {
			return o, fmt.Errorf("-listen: %w; the stand-in hands out live reset tokens and passwords, "+
				"so it serves other machines only with -allow-remote HOST", err)
		}
	}
	// Zero would silently select the library defaults, so reject what is not meant.
	switch {
	case o.tokenLifetime <= 0:
		return o, errors.New("-token-lifetime must be positive")
	case o.passwordMin < 1:
		return o, errors.New("-password-min must be at least 1")
	case o.passwordMax < o.passwordMin:
		return o, errors.New("-password-max must not be below -password-min")
	case o.passwordMax > standin.ContractPasswordMaxLength:
		return o, fmt.Errorf("-password-max must not exceed %d, the API contract's maximum", standin.ContractPasswordMaxLength)
	case o.rateLimit < 0:
		return o, errors.New("-rate-limit must not be negative")
	case o.rateBurst < 0:
		return o, errors.New("-rate-burst must not be negative")
	case o.latency < 0 || o.latencyJitter < 0:
		return o, errors.New("-latency and -latency-jitter must not be negative")
	}
	return o, nil
}

// parseAccountFlag reads EMAIL or EMAIL=Full Name. Without a name the email's
// local part stands in, so the account still has a readable fullName.
func parseAccountFlag(v string) (standin.Account, error) {
	email, name, hasName := strings.Cut(v, "=")
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	local, _, ok := strings.Cut(email, "@")
	if !ok || local == "" || strings.HasSuffix(email, "@") {
		return standin.Account{}, fmt.Errorf("%q is not an email address", email)
	}
	if !hasName || name == "" {
		name = local
	}
	a := standin.Account{Email: email, FullName: name}
	if err := a.Validate(); err != nil {
		return standin.Account{}, err
	}
	return a, nil
}

// loadAccounts reads a seed file. Field names must be exact and known, and
// every account must satisfy the API's AccountDTO, so that a typo does not
// silently drop data and the stand-in never serves what the official client
// would reject (standin.DecodeAccounts).
func loadAccounts(path string) ([]standin.Account, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	accounts, err := standin.DecodeAccounts(data)
	if err != nil {
		return nil, fmt.Errorf("accounts file %s: %w", path, err)
	}
	return accounts, nil
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	accounts := standin.DefaultAccounts()
	if o.accountsFile != "" {
		if accounts, err = loadAccounts(o.accountsFile); err != nil {
			return err
		}
	}
	accounts = append(accounts, o.extraAccounts...)

	logger := log.New(stderr, "", log.LstdFlags)
	s := standin.NewServer(standin.Config{
		Accounts:          accounts,
		TokenLifetime:     o.tokenLifetime,
		PasswordMinLength: o.passwordMin,
		PasswordMaxLength: o.passwordMax,
		RateLimit:         o.rateLimit,
		RateBurst:         o.rateBurst,
		Latency:           o.latency,
		LatencyJitter:     o.latencyJitter,
		RemoteHosts:       o.allowRemote,
		// Only method, endpoint and status: paths carry tokens, bodies passwords.
		RequestLogger: func(method string, ep standin.Endpoint, status int) {
			if status == 0 {
				logger.Printf("%s %s no answer", method, ep)
				return
			}
			logger.Printf("%s %s %d", method, ep, status)
		},
	})
	baseURL, err := s.Start(o.listen)
	if err != nil {
		return err
	}
	defer s.Close()

	if o.urlFile != "" {
		if err := writeFileAtomic(o.urlFile, baseURL+"\n"); err != nil {
			return fmt.Errorf("write -url-file: %w", err)
		}
	}
	fmt.Fprintln(stdout, listeningLine(s.Addr(), baseURL))
	if len(o.allowRemote) > 0 {
		fmt.Fprintf(stderr, "clevermaps-standin: WARNING: serving other machines that address it as %s: "+
			"anyone who reaches %s can read every reset token and new password\n", strings.Join(o.allowRemote, ", "), s.Addr())
	}

	<-ctx.Done()
	return s.Close()
}

// listeningLine says where the server listens, as bound (so 0.0.0.0 stays
// 0.0.0.0 and port 0 becomes the real port), and the base URL to use on this
// machine.
func listeningLine(bound net.Addr, baseURL string) string {
	return fmt.Sprintf("clevermaps-standin listening on %s, base URL %s", bound, baseURL)
}

// writeFileAtomic writes via a rename, so that a script polling for the file
// never reads it half written.
func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // Fails harmlessly once renamed.
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
