// Package hostile starts servers that misbehave on purpose, for tests of
// what the client and the provider let through to errors, diagnostics and
// logs. Only tests import it.
package hostile

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// HeaderEchoServer answers every request with a malformed header line that
// echoes the request line, the path decoded and the path query-escaped, so
// that Go's transport error quotes the request's path in every form. It
// returns the API endpoint to configure (with the /rest prefix) and serves
// on 127.0.0.1 until the test ends.
func HeaderEchoServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return // The listener was closed.
			}
			go echoHeader(conn)
		}
	}()
	return "http://" + ln.Addr().String() + "/rest"
}

func echoHeader(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	requestLine, err := r.ReadString('\n')
	if err != nil {
		return
	}
	for { // Skip the headers.
		line, err := r.ReadString('\n')
		if err != nil || line == "\r\n" {
			break
		}
	}
	fields := strings.Fields(requestLine)
	if len(fields) < 2 {
		return
	}
	decoded, _ := url.PathUnescape(fields[1])
	// No colon: the line is not a header, and the transport says so,
	// quoting it.
	echo := strings.ReplaceAll("Echo "+strings.TrimSpace(requestLine)+" "+decoded+" "+url.QueryEscape(decoded), ":", "")
	_, _ = fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n%s\r\n\r\n", echo)
}
