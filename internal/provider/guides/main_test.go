package guides

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"testing"

	"github.com/itchyny/gojq"
)

// TestMain lets the test binary stand in for jq: the guides' scripts call
// jq, which CI machines need not have, so the tests put a link named jq to
// this binary on the scripts' PATH, and it answers as jq with gojq, a Go
// implementation of the jq language.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "jq" {
		os.Exit(runJQ(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runJQ implements what the guides use of jq's command line:
// jq -r -f FILTER_FILE [INPUT_FILE]. It returns jq's exit codes: 2 for a
// usage error, 5 for an error in the program or its input.
func runJQ(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	raw, filterFile := false, ""
	var inputs []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-r":
			raw = true
		case "-f":
			if i+1 == len(args) {
				fmt.Fprintln(stderr, "jq: -f takes a file")
				return 2
			}
			i++
			filterFile = args[i]
		default:
			inputs = append(inputs, args[i])
		}
	}
	if filterFile == "" || len(inputs) > 1 {
		fmt.Fprintln(stderr, "usage: jq [-r] -f FILTER_FILE [INPUT_FILE]")
		return 2
	}
	src, err := os.ReadFile(filterFile)
	if err != nil {
		fmt.Fprintln(stderr, "jq:", err)
		return 2
	}
	query, err := gojq.Parse(string(src))
	if err != nil {
		fmt.Fprintf(stderr, "jq: error in %s: %v\n", filterFile, err)
		return 5
	}
	in := stdin
	if len(inputs) == 1 {
		f, err := os.Open(inputs[0])
		if err != nil {
			fmt.Fprintln(stderr, "jq:", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	dec := json.NewDecoder(in) // numbers as float64, as gojq takes them
	for {
		var v any
		if err := dec.Decode(&v); err == io.EOF {
			return 0
		} else if err != nil {
			fmt.Fprintln(stderr, "jq: error reading input:", err)
			return 5
		}
		iter := query.Run(v)
		for {
			out, ok := iter.Next()
			if !ok {
				break
			}
			if err, isErr := out.(error); isErr {
				fmt.Fprintln(stderr, "jq: error:", err)
				return 5
			}
			if s, isString := out.(string); raw && isString {
				fmt.Fprintln(stdout, s)
				continue
			}
			enc, err := gojq.Marshal(out)
			if err != nil {
				fmt.Fprintln(stderr, "jq: error:", err)
				return 5
			}
			fmt.Fprintln(stdout, string(enc))
		}
	}
}
