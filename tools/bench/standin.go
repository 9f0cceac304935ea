package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// standin is one clevermaps-standin process serving on a free loopback port.
// Every measured run gets a fresh one, so that journals and outboxes never
// carry over between runs.
type standin struct {
	cmd     *exec.Cmd
	baseURL string // ends in /rest
	rootURL string // scheme://host:port, for the admin endpoints
	logPath string
	exited  chan struct{} // closed once the process has exited
	waitErr error         // how it exited, set before exited is closed
}

// adminClient talks to the stand-in's admin endpoints and seeds tokens.
var adminClient = &http.Client{Timeout: time.Minute}

// startStandin runs bin with the accounts in accountsFile and the server
// behaviour v asks for (rate limit, burst, latency), and waits (up to a
// minute: loading 100,000 accounts took it 3.7 s on a busy machine) for it
// to report its URL.
func startStandin(bin, dir, accountsFile string, v *variant) (*standin, error) {
	urlFile := filepath.Join(dir, "standin.url")
	logPath := filepath.Join(dir, "standin.log")
	logFile, err := os.Create(logPath) //nolint:gosec // A path in the harness's own temporary directory.
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // The child has its own descriptor.
	args := []string{"-listen", "127.0.0.1:0", "-url-file", urlFile, "-accounts", accountsFile}
	if v.RateLimit > 0 {
		args = append(args, "-rate-limit", strconv.FormatFloat(v.RateLimit, 'f', -1, 64))
	}
	if v.RateBurst > 0 {
		args = append(args, "-rate-burst", strconv.Itoa(v.RateBurst))
	}
	if v.Latency > 0 {
		args = append(args, "-latency", v.Latency.String())
	}
	cmd := exec.Command(bin, args...) //nolint:gosec // The stand-in the harness has just built.
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &standin{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	deadline := time.Now().Add(time.Minute)
	for {
		b, err := os.ReadFile(urlFile) //nolint:gosec // A path in the harness's own temporary directory.
		if err == nil {
			s.baseURL = strings.TrimSpace(string(b))
			s.rootURL = strings.TrimSuffix(s.baseURL, "/rest")
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("the stand-in exited before listening (%w); its log:\n%s", s.waitErr, tail(logPath, 20))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("the stand-in did not write its URL within a minute")
		}
	}
}

// stop ends the stand-in with SIGTERM, or SIGKILL after five seconds. How
// it exited does not matter: everything the harness needs was read before.
func (s *standin) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// journalEntry is the part of a journaled request the harness counts.
type journalEntry struct {
	Method     string    `json:"method"`
	Endpoint   string    `json:"endpoint"`
	ReceivedAt time.Time `json:"receivedAt"`
}

type mail struct {
	To    string `json:"to"`
	Token string `json:"token"`
}

func (s *standin) getJSON(path string, v any) error {
	resp, err := adminClient.Get(s.rootURL + path) //nolint:gosec // The stand-in on 127.0.0.1 that the harness started.
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (s *standin) journal() ([]journalEntry, error) {
	var j []journalEntry
	err := s.getJSON("/_standin/journal", &j)
	return j, err
}

func (s *standin) outbox() ([]mail, error) {
	var o []mail
	err := s.getJSON("/_standin/outbox", &o)
	return o, err
}

// statuses counts the stand-in's request log lines ("POST request_reset 201")
// after the first skip lines. The stand-in logs a request just after it
// answered, so the caller says how many lines it expects and statuses waits
// up to five seconds for the last ones.
func (s *standin) statuses(skip, want int) (map[string]int, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines, err := requestLines(s.logPath)
		if err != nil {
			return nil, err
		}
		if len(lines) >= skip+want || time.Now().After(deadline) {
			counts := map[string]int{}
			for _, l := range lines[min(skip, len(lines)):] {
				counts[l]++
			}
			return counts, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// requestLines returns the stand-in's per-request log lines without their
// timestamps, in order.
func requestLines(path string) ([]string, error) {
	f, err := os.Open(path) //nolint:gosec // A path in the harness's own temporary directory.
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "2026/11/27 17:38:37 POST request_reset 201"
		f := strings.Fields(sc.Text())
		if len(f) >= 5 && strings.Count(f[0], "/") == 2 && strings.Count(f[1], ":") == 2 {
			lines = append(lines, strings.Join(f[2:], " "))
		}
	}
	return lines, sc.Err()
}

// seedTokens asks for one reset mail per address, straight over HTTP and
// outside any measurement, and returns the tokens by address. The token data
// source variants need tokens that exist.
func (s *standin) seedTokens(ctx context.Context, emails []string) (map[string]string, error) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	jobs := make(chan string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for email := range jobs {
				if err := s.requestReset(ctx, email); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, e := range emails {
		jobs <- e
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	out, err := s.outbox()
	if err != nil {
		return nil, err
	}
	tokens := make(map[string]string, len(emails))
	for _, m := range out {
		tokens[m.To] = m.Token
	}
	if len(tokens) != len(emails) {
		return nil, fmt.Errorf("seeding: %d tokens for %d addresses", len(tokens), len(emails))
	}
	return tokens, nil
}

func (s *standin) requestReset(ctx context.Context, email string) error {
	body, _ := json.Marshal(map[string]string{"email": email})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.baseURL+"/accounts/passwordReset", bytes.NewReader(body)) //nolint:gosec // The stand-in on 127.0.0.1.
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := adminClient.Do(req) //nolint:gosec // The stand-in on 127.0.0.1.
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("seeding %s: status %d", email, resp.StatusCode)
	}
	return nil
}

// writeAccounts writes a stand-in seed file with the addresses.
func writeAccounts(path string, emails []string) error {
	type account struct {
		Email    string `json:"email"`
		FullName string `json:"fullName"`
	}
	accts := make([]account, len(emails))
	for i, e := range emails {
		accts[i] = account{Email: e, FullName: fmt.Sprintf("Bench User %d", i)}
	}
	b, err := json.Marshal(accts)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path) //nolint:gosec // A log in the harness's own temporary directory.
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
