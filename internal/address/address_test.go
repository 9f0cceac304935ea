package address

import (
	"math/rand/v2"
	"testing"
)

func TestKey(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"ada@example.com", "ada@example.com", true},
		{"Ada@Example.COM", "ada@example.com", true},
		// Long s folds to s; strings.ToLower keeps it, strings.EqualFold
		// matches it: the two rules this package replaces disagreed here.
		{"ſam@example.com", "sam@example.com", true},
		// The dotted capital I folds to i plus a combining dot, not to i:
		// strings.ToLower and strings.EqualFold disagreed here too.
		{"İnfo@example.com", "info@example.com", false},
		{"İnfo@example.com", "i\u0307nfo@example.com", true},
		// Composed and decomposed forms are one address.
		{"jos\u00e9@example.com", "jose\u0301@example.com", true},
		{"JOS\u00c9@example.com", "jose\u0301@example.com", true},
		{"straße@example.com", "strasse@example.com", true},
		{"ada@example.com", "ada@example.org", false},
	} {
		if got := Same(c.a, c.b); got != c.same {
			t.Errorf("Same(%q, %q) = %v, want %v (keys %q, %q)", c.a, c.b, got, c.same, Key(c.a), Key(c.b))
		}
	}
}

// Key is idempotent, so a key can be stored and compared again.
func TestKey_idempotent(t *testing.T) {
	for _, s := range []string{"ſam@x.io", "İnfo@x.io", "jose\u0301@x.io", "STRASSE@x.io", "Ǆ@x.io", "\u00df\u0307@x.io"} {
		if k := Key(s); Key(k) != k {
			t.Errorf("Key(Key(%q)) = %q, want %q", s, Key(k), k)
		}
	}
}

// Over seeded random strings of characters that fold or compose, a key is
// its own key.
func TestKey_idempotentRandom(t *testing.T) {
	const seed = 7
	r := rand.New(rand.NewPCG(seed, 0)) //nolint:gosec // Reproducible test input.
	alphabet := []rune("aAsSßſİıiIeE\u0301\u0307\u0323\u00e9\u1e9e\u01c4\u01c5\u01c6Kk\u212a")
	for i := range 50_000 {
		b := make([]rune, 1+r.IntN(6))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		s := string(b)
		if k := Key(s); Key(k) != k {
			t.Fatalf("case %d (seed %d): Key(Key(%q)) = %q, want %q", i, seed, s, Key(k), k)
		}
	}
}
