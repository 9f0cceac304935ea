// Command demotool reads the JSON that `make demo` (scripts/demo.sh) shows:
// the stand-in's outbox and the onboarding example's token_check output. It
// exists so that the demo needs nothing but Go and the pinned OpenTofu.
//
// Usage:
//
//	demotool outbox URL FILE   save the outbox at URL to FILE
//	demotool count FILE        print how many mails FILE holds
//	demotool table FILE        print one line per mail, tokens shortened
//	demotool first FILE        print the first mail's address and token
//	demotool pretty FILE       print the JSON in FILE indented
//	demotool summary CHECK TO FIRST SECOND
//	                           print what the demo did: CHECK is the
//	                           token_check output, TO the address whose token
//	                           was checked, FIRST and SECOND the mail counts
//	                           after the first and the second apply
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// mail is one entry of the stand-in's outbox (GET /_standin/outbox).
type mail struct {
	To     string    `json:"to"`
	Token  string    `json:"token"`
	SentAt time.Time `json:"sentAt"`
}

// tokenCheck is the onboarding example's token_check output.
type tokenCheck struct {
	Valid    bool   `json:"valid"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demotool:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("no command; see the comment at the top of scripts/demotool/main.go")
	}
	cmd, args := args[0], args[1:]
	want := map[string]int{"outbox": 2, "count": 1, "table": 1, "first": 1, "pretty": 1, "summary": 4}
	n, ok := want[cmd]
	if !ok {
		return fmt.Errorf("unknown command %q", cmd)
	}
	if len(args) != n {
		return fmt.Errorf("%s takes %d arguments, got %d", cmd, n, len(args))
	}
	switch cmd {
	case "outbox":
		return saveOutbox(args[0], args[1]) //nolint:gosec // len(args) == 2, checked above.
	case "pretty":
		raw, err := os.ReadFile(args[0]) //nolint:gosec // A file demo.sh wrote in its own temporary directory.
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := json.Indent(&b, bytes.TrimSpace(raw), "", "  "); err != nil {
			return fmt.Errorf("%s: %w", args[0], err)
		}
		_, err = fmt.Fprintln(out, b.String())
		return err
	case "summary":
		return summary(out, args[0], args[1], args[2], args[3]) //nolint:gosec // len(args) == 4, checked above.
	}
	mails, err := readOutbox(args[0])
	if err != nil {
		return err
	}
	switch cmd {
	case "count":
		fmt.Fprintln(out, len(mails))
	case "table":
		if len(mails) == 0 {
			fmt.Fprintln(out, "  (empty)")
		}
		for _, m := range mails {
			token := m.Token
			if len(token) > 6 {
				token = token[:6]
			}
			// Whole seconds suffice.
			fmt.Fprintf(out, "  %-24s token %s…  sent %s\n", m.To, token, m.SentAt.UTC().Format(time.RFC3339))
		}
	case "first":
		if len(mails) == 0 {
			return errors.New("the outbox is empty")
		}
		fmt.Fprintln(out, mails[0].To, mails[0].Token)
	}
	return nil
}

func saveOutbox(url, file string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The URL of the stand-in that demo.sh started on 127.0.0.1.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil) //nolint:gosec // See above.
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req) //nolint:gosec // See above.
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var mails []mail
	if err := json.Unmarshal(body, &mails); err != nil {
		return fmt.Errorf("GET %s: not an outbox: %w", url, err)
	}
	return os.WriteFile(file, body, 0o600) //nolint:gosec // A file in demo.sh's temporary directory.
}

func readOutbox(file string) ([]mail, error) {
	raw, err := os.ReadFile(file) //nolint:gosec // A file demo.sh wrote in its own temporary directory.
	if err != nil {
		return nil, err
	}
	var mails []mail
	if err := json.Unmarshal(raw, &mails); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return mails, nil
}

func summary(out io.Writer, checkFile, to, firstCount, secondCount string) error {
	raw, err := os.ReadFile(checkFile) //nolint:gosec // A file demo.sh wrote in its own temporary directory.
	if err != nil {
		return err
	}
	var check *tokenCheck // the output is null when no token was checked
	if err := json.Unmarshal(raw, &check); err != nil {
		return fmt.Errorf("%s: %w", checkFile, err)
	}
	if check == nil {
		check = &tokenCheck{}
	}
	first, err := strconv.Atoi(firstCount)
	if err != nil {
		return err
	}
	second, err := strconv.Atoi(secondCount)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "- The first apply asked the API for password resets; the stand-in sent %d mail(s).\n", first)
	if second == first {
		fmt.Fprintln(out, "- The second apply sent no new mail: the requests were already in the state and")
		fmt.Fprintln(out, "  their triggers had not changed. It only read the token through the data source.")
	} else {
		fmt.Fprintf(out, "- The second apply changed the outbox from %d to %d mail(s).\n", first, second)
	}
	if check.Valid {
		name := check.FullName
		if name == "" {
			name = "(no name)"
		}
		fmt.Fprintf(out, "- The token mailed to %s is valid and belongs to %s <%s>.\n", to, name, check.Email)
	} else {
		fmt.Fprintf(out, "- The API says the token mailed to %s is not valid.\n", to)
	}
	fmt.Fprintln(out, "- Destroy removed the requests from the state; a mail already sent cannot be recalled.")
	fmt.Fprintln(out, "- The stand-in has been stopped and the temporary files removed.")
	return nil
}
