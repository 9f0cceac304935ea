package client

import (
	"net/url"
	"testing"
)

func TestIsLoopbackURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080/rest":        true,
		"http://127.8.9.10/rest":            true,
		"http://[::1]:8080/rest":            true,
		"http://[::ffff:127.0.0.1]/rest":    true,
		"http://localhost:8080/rest":        true,
		"http://LocalHost./rest":            true,
		"http://10.0.0.1/rest":              false,
		"http://128.0.0.1/rest":             false,
		"http://[::2]/rest":                 false,
		"http://0.0.0.0/rest":               false,
		"http://localhost.example.com/rest": false,
		"http://127.0.0.1.example.com/rest": false,
		"http://staging.dev.clevermaps.io":  false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsLoopbackURL(u); got != want {
			t.Errorf("IsLoopbackURL(%s) = %v, want %v", raw, got, want)
		}
	}
}
