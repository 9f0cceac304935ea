package standin

import (
	_ "embed"
	"encoding/json"
	"maps"
	"slices"
)

// Account statuses as the API spells them.
const (
	StatusEnabled  = "ENABLED"
	StatusDisabled = "DISABLED"
)

// Account is one CleverMaps user account as the stand-in keeps it. Its JSON form
// is the API's AccountDTO plus a password field that only seed files use: the
// server never serves the password, it keeps it so that tests can assert which
// password a finished reset set.
type Account struct {
	ID             string           `json:"id"`
	FullName       string           `json:"fullName"`
	Email          string           `json:"email"`
	ConsentGranted *bool            `json:"consentGranted,omitempty"`
	Status         string           `json:"status"`
	Anonymous      bool             `json:"anonymous"`
	PhoneNumber    string           `json:"phoneNumber,omitempty"`
	Preferences    *Preferences     `json:"preferences,omitempty"`
	Onboarding     *Onboarding      `json:"onboarding,omitempty"`
	Links          []map[string]any `json:"links,omitempty"`
	Password       string           `json:"password,omitempty"`
}

// Preferences mirrors the preferences object of an AccountDTO.
type Preferences struct {
	Language               string `json:"language"`
	LastActiveProject      string `json:"lastActiveProject"`
	LastActiveOrganization string `json:"lastActiveOrganization"`
	SendNewsletter         bool   `json:"sendNewsletter"`
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
	var accounts []Account
	if err := json.Unmarshal(defaultAccountsJSON, &accounts); err != nil {
		// The file is compiled in and covered by a test, so this is a build defect.
		panic("standin: embedded default_accounts.json is invalid: " + err.Error())
	}
	return accounts
}

// clone returns a deep copy, so that state handed out to callers cannot be
// changed behind the server's lock.
func (a Account) clone() Account {
	if a.ConsentGranted != nil {
		v := *a.ConsentGranted
		a.ConsentGranted = &v
	}
	if a.Preferences != nil {
		p := *a.Preferences
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
