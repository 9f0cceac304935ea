package standin

import (
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Account statuses as the API spells them.
const (
	StatusEnabled  = "ENABLED"
	StatusDisabled = "DISABLED"
)

// Account is one CleverMaps user account as the stand-in keeps it. Its JSON form
// is the API's AccountDTO (AccountModel) plus a password field that only seed
// files use: the server never serves the password, it keeps it so that tests
// can assert which password a finished reset set.
//
// Every optional field is left out of the JSON when it is unset (nil or
// empty), because the official client rejects some empty values, such as an
// empty lastActiveProject, that a Go zero value would otherwise produce.
type Account struct {
	ID             string           `json:"id"`
	FullName       string           `json:"fullName"`
	Email          string           `json:"email"`
	ConsentGranted *bool            `json:"consentGranted,omitempty"`
	Status         string           `json:"status,omitempty"`
	Anonymous      *bool            `json:"anonymous,omitempty"`
	PhoneNumber    string           `json:"phoneNumber,omitempty"`
	Preferences    *Preferences     `json:"preferences,omitempty"`
	Onboarding     *Onboarding      `json:"onboarding,omitempty"`
	Links          []map[string]any `json:"links,omitempty"`
	Password       string           `json:"password,omitempty"`
}

// Preferences mirrors the preferences object of an AccountDTO
// (AccountPreferencesModel). Unset fields are left out of the JSON.
type Preferences struct {
	Language               string `json:"language,omitempty"`
	LastActiveProject      string `json:"lastActiveProject,omitempty"`
	LastActiveOrganization string `json:"lastActiveOrganization,omitempty"`
	SendNewsletter         *bool  `json:"sendNewsletter,omitempty"`
}

// Onboarding mirrors the onboarding object of an AccountDTO.
type Onboarding struct {
	IntroShown []string `json:"introShown"`
	TipsShown  []string `json:"tipsShown"`
}

//go:embed default_accounts.json
var defaultAccountsJSON []byte

// DefaultAccounts returns the demo accounts that the clevermaps-standin command
// serves when it is given no seed file. Each call returns a fresh copy, so a
// caller may change it freely.
func DefaultAccounts() []Account {
	accounts, err := DecodeAccounts(defaultAccountsJSON)
	if err != nil {
		// The file is compiled in and covered by a test, so this is a build defect.
		panic("standin: embedded default_accounts.json is invalid: " + err.Error())
	}
	return accounts
}

// seedOnlyFields are the fields a seed account may have beyond AccountDTO.
var seedOnlyFields = []string{"password"}

// DecodeAccounts reads a seed file: a JSON array of accounts in the API's
// AccountDTO form, optionally with a password. Field names must be exact (Go
// would match "FullName" to fullName; the API would not) and known, so a typo
// does not silently drop data, and every account must satisfy the contract
// (Validate). Errors name the account and the field.
func DecodeAccounts(data []byte) ([]Account, error) {
	var raw []map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON array of account objects: %w", err)
	}
	for i, obj := range raw {
		if err := checkSeedNames(obj, AccountModel, ""); err != nil {
			return nil, fmt.Errorf("account %d: %w", i, err)
		}
		// The values as written, before Go's zero values blur them: an
		// explicit "lastActiveProject": "" breaks the contract and is refused,
		// not quietly served as unset. What AddAccount fills in may be absent.
		asServed := maps.Clone(obj)
		delete(asServed, "password")
		if _, ok := asServed["id"]; !ok {
			asServed["id"] = "generated"
		}
		if err := AccountModel.Check(asServed); err != nil {
			return nil, fmt.Errorf("account %d (%v): %w", i, obj["email"], err)
		}
	}
	var accounts []Account
	if err := json.Unmarshal(data, &accounts); err != nil {
		return nil, fmt.Errorf("not a JSON array of accounts: %w", err)
	}
	if err := ValidateAccounts(accounts); err != nil {
		return nil, err
	}
	return accounts, nil
}

// checkSeedNames refuses any name in obj (and its nested models) that is not
// exactly a field of m or, at the top level, a seed-only field.
func checkSeedNames(obj map[string]any, m *Model, prefix string) error {
	for _, k := range sortedKeys(obj) {
		f, ok := m.Field(k)
		if !ok && prefix == "" && slices.Contains(seedOnlyFields, k) {
			continue
		}
		if !ok {
			problem := "is not a field of " + m.Name
			for _, known := range m.Fields {
				if strings.EqualFold(k, known.Name) {
					problem = fmt.Sprintf("is not a field; field names are case-sensitive, the field is %q", known.Name)
				}
			}
			return &ContractError{Model: "seed account", Path: prefix + printableName(k), Problem: problem}
		}
		if nested, isObj := obj[k].(map[string]any); isObj && f.Kind == KindObject {
			if err := checkSeedNames(nested, f.Model, prefix+k+"."); err != nil {
				return err
			}
		}
	}
	return nil
}

// clone returns a deep copy, so that state handed out to callers cannot be
// changed behind the server's lock.
func (a Account) clone() Account {
	if a.ConsentGranted != nil {
		v := *a.ConsentGranted
		a.ConsentGranted = &v
	}
	if a.Anonymous != nil {
		v := *a.Anonymous
		a.Anonymous = &v
	}
	if a.Preferences != nil {
		p := *a.Preferences
		if p.SendNewsletter != nil {
			v := *p.SendNewsletter
			p.SendNewsletter = &v
		}
		a.Preferences = &p
	}
	if a.Onboarding != nil {
		a.Onboarding = &Onboarding{
			IntroShown: slices.Clone(a.Onboarding.IntroShown),
			TipsShown:  slices.Clone(a.Onboarding.TipsShown),
		}
	}
	if a.Links != nil {
		links := make([]map[string]any, len(a.Links))
		for i, l := range a.Links {
			links[i] = maps.Clone(l)
		}
		a.Links = links
	}
	return a
}

// withDefaults fills what a seed may leave out: a generated id, status
// ENABLED and the self link the API serves.
func (a Account) withDefaults() Account {
	a = a.clone()
	if a.ID == "" {
		a.ID = strings.ToLower(rand.Text()[:16])
	}
	if a.Status == "" {
		a.Status = StatusEnabled
	}
	if a.Links == nil {
		a.Links = []map[string]any{{"rel": "self", "href": APIPrefix + "/accounts/" + a.ID}}
	}
	return a
}

// dto returns the account as the API serves it: without the password, and with
// empty onboarding lists as [] rather than null, as a JSON API built on Java
// collections answers.
func (a Account) dto() Account {
	d := a.clone()
	d.Password = ""
	if d.Onboarding != nil {
		if d.Onboarding.IntroShown == nil {
			d.Onboarding.IntroShown = []string{}
		}
		if d.Onboarding.TipsShown == nil {
			d.Onboarding.TipsShown = []string{}
		}
	}
	return d
}

// Validate checks the account as the stand-in would serve it (with the
// defaults that AddAccount fills in: id, status and links) against the
// official AccountDTO (AccountModel), and names the first field that breaks
// it. The password, which is never served, is checked only against the
// contract's maximum length.
func (a Account) Validate() error {
	if strings.TrimSpace(a.Email) == "" {
		// The contract only says "a string"; the stand-in needs an address
		// to match requests against.
		return &ContractError{Model: "seed account", Path: "email", Problem: "must not be empty"}
	}
	if n := utf8.RuneCountInString(a.Password); n > ContractPasswordMaxLength {
		return &ContractError{Model: "seed account", Path: "password",
			Problem: fmt.Sprintf("must be at most %d characters long, is %d", ContractPasswordMaxLength, n)}
	}
	data, err := json.Marshal(a.withDefaults().dto()) //nolint:gosec // dto() has cleared the password: this is the form the API serves.
	if err != nil {
		return fmt.Errorf("account cannot be encoded: %w", err)
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("account cannot be decoded: %w", err)
	}
	return AccountModel.Check(obj)
}

// ValidateAccounts validates every account and names the first bad one by
// its position and email, for seed files.
func ValidateAccounts(accounts []Account) error {
	for i, a := range accounts {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("account %d (%q): %w", i, a.Email, err)
		}
	}
	return nil
}
