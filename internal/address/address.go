// Package address defines when two email addresses are the same address,
// for every part of this project that compares them: the batch resource's
// keys, the single resource's replacement rule, the send action's repeats,
// and the stand-in's account lookup. One rule in one place, so that the
// provider and the stand-in never disagree on who an address is.
package address

import (
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Key is what two addresses must share to be the same address: the address
// in Unicode normalization form C (so that "é" typed as one character or as
// "e" plus a combining accent is one address), then case-folded with full
// Unicode case folding (so that "Ada@" and "ada@", and "ſam@" and "sam@",
// are one address, while "İnfo@" is not "info@": its dotted capital folds to
// "i" plus a combining dot).
//
// The CleverMaps API does not document how it matches addresses; DESIGN.md
// ("Assumptions") says what follows if it does not match this way.
func Key(email string) string {
	// A Caser keeps state between calls, so each call gets its own. Folding
	// can leave text that composes again ("ß" plus a combining dot folds to
	// "ss" plus the dot, which composes to "sṡ"), so the result is put in
	// NFC once more: a key's key is itself.
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(email)))
}

// Same reports whether a and b are the same address by Key.
func Same(a, b string) bool {
	return Key(a) == Key(b)
}
