package standin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// The API's contract, written down as data. The facts come from CleverMaps'
// own generated client (the pydantic models AccountDTO, AccountPreferences,
// AccountOnboardingParameters, SendResetPasswordDTO and ResetPasswordDTO of
// clevermaps/cm-python-openapi-sdk), which carry the field names, types,
// enums and constraints of the OpenAPI description. The stand-in checks every
// account it loads and every request body it reads against these models, so
// that it neither serves what the official client would reject nor accepts
// what the real API would not understand.
//
// What the models do not say (error bodies, 415, case of email addresses, the
// password policy beyond its maximum) is not in here: those are assumptions,
// listed in DESIGN.md (section 7).

// Kind is the JSON type of a contract field.
type Kind int

// The JSON types the password-reset models use.
const (
	KindString Kind = iota + 1
	KindBool
	KindObject      // a nested Model
	KindStringArray // an array of strings
	KindObjectArray // an array of free-form objects
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "a string"
	case KindBool:
		return "true or false"
	case KindObject:
		return "an object"
	case KindStringArray:
		return "an array of strings"
	case KindObjectArray:
		return "an array of objects"
	}
	return "unknown kind"
}

// Field is one property of a Model.
type Field struct {
	// Name is the JSON name, exact: the API's names are case-sensitive.
	Name     string
	Kind     Kind
	Required bool
	// MinLength and MaxLength bound a string's length in characters; 0 means
	// no bound.
	MinLength, MaxLength int
	// Pattern, when set, must match the whole string.
	Pattern *regexp.Regexp
	// Enum, when set, lists the only values allowed.
	Enum []string
	// Model describes a KindObject field.
	Model *Model
}

// Model is one schema of the API.
type Model struct {
	Name   string
	Fields []Field
	// AdditionalProperties is whether the model admits properties it does not
	// name. The official client keeps them for the two request models (the
	// OpenAPI description allows them there) and drops them for AccountDTO.
	AdditionalProperties bool
}

// Field returns the field with exactly that name.
func (m *Model) Field(name string) (Field, bool) {
	i := slices.IndexFunc(m.Fields, func(f Field) bool { return f.Name == name })
	if i < 0 {
		return Field{}, false
	}
	return m.Fields[i], true
}

// idPattern is the form of project and organization ids.
var idPattern = regexp.MustCompile(`^[a-z0-9]{16}$`)

// AccountPreferencesModel is AccountPreferences.
var AccountPreferencesModel = &Model{
	Name: "AccountPreferences",
	Fields: []Field{
		{Name: "language", Kind: KindString, MinLength: 2, MaxLength: 3},
		{Name: "lastActiveProject", Kind: KindString, Pattern: idPattern},
		{Name: "lastActiveOrganization", Kind: KindString, Pattern: idPattern},
		{Name: "sendNewsletter", Kind: KindBool},
	},
}

// AccountOnboardingModel is AccountOnboardingParameters.
var AccountOnboardingModel = &Model{
	Name: "AccountOnboardingParameters",
	Fields: []Field{
		{Name: "introShown", Kind: KindStringArray},
		{Name: "tipsShown", Kind: KindStringArray},
	},
}

// AccountModel is AccountDTO, what verifying a token returns.
var AccountModel = &Model{
	Name: "AccountDTO",
	Fields: []Field{
		{Name: "id", Kind: KindString, Required: true},
		{Name: "fullName", Kind: KindString, Required: true, MinLength: 1},
		{Name: "email", Kind: KindString, Required: true},
		{Name: "consentGranted", Kind: KindBool},
		{Name: "status", Kind: KindString, Enum: []string{StatusEnabled, StatusDisabled}},
		{Name: "anonymous", Kind: KindBool},
		{Name: "phoneNumber", Kind: KindString, MinLength: 6, MaxLength: 20},
		{Name: "preferences", Kind: KindObject, Model: AccountPreferencesModel},
		{Name: "onboarding", Kind: KindObject, Model: AccountOnboardingModel},
		// The models type links only as a list of free-form objects.
		{Name: "links", Kind: KindObjectArray},
	},
}

// SendResetPasswordModel is SendResetPasswordDTO, the body of
// POST /accounts/passwordReset.
var SendResetPasswordModel = &Model{
	Name:                 "SendResetPasswordDTO",
	AdditionalProperties: true,
	Fields: []Field{
		{Name: "email", Kind: KindString, Required: true},
	},
}

// ResetPasswordModel is ResetPasswordDTO, the body of
// POST /accounts/passwordReset/{token}. The maximum of 100 is the only
// password rule the contract states.
var ResetPasswordModel = &Model{
	Name:                 "ResetPasswordDTO",
	AdditionalProperties: true,
	Fields: []Field{
		{Name: "newPassword", Kind: KindString, Required: true, MaxLength: ContractPasswordMaxLength},
		{Name: "consentGranted", Kind: KindBool},
	},
}

// ContractPasswordMaxLength is the longest new password the contract admits.
const ContractPasswordMaxLength = 100

// ContractError says which field of which model breaks the contract, and how.
// It never carries the value of a newPassword.
type ContractError struct {
	Model string
	// Path is the field's JSON path, e.g. preferences.lastActiveProject.
	Path    string
	Problem string
}

func (e *ContractError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: %s", e.Model, e.Problem)
	}
	return fmt.Sprintf("%s field %s: %s", e.Model, e.Path, e.Problem)
}

// Check validates a decoded JSON object (as encoding/json decodes into
// map[string]any) against m, and returns the first problem in field order, so
// that the same input always names the same field.
func (m *Model) Check(obj map[string]any) error {
	return m.check(m.Name, "", obj)
}

func (m *Model) check(root, prefix string, obj map[string]any) error {
	fail := func(path, format string, args ...any) error {
		return &ContractError{Model: root, Path: path, Problem: fmt.Sprintf(format, args...)}
	}
	for _, f := range m.Fields {
		path := prefix + f.Name
		v, present := obj[f.Name]
		if !present || v == nil {
			// The generated client treats null like an absent field.
			if f.Required {
				return fail(path, "is required")
			}
			continue
		}
		switch f.Kind {
		case KindString:
			s, ok := v.(string)
			if !ok {
				return fail(path, "must be %s", f.Kind)
			}
			n := utf8.RuneCountInString(s)
			switch {
			case f.MinLength > 0 && n < f.MinLength:
				return fail(path, "must be at least %d characters long, is %d", f.MinLength, n)
			case f.MaxLength > 0 && n > f.MaxLength:
				return fail(path, "must be at most %d characters long, is %d", f.MaxLength, n)
			case f.Pattern != nil && !f.Pattern.MatchString(s):
				return fail(path, "must match %s", f.Pattern)
			case f.Enum != nil && !slices.Contains(f.Enum, s):
				return fail(path, "must be one of %s", strings.Join(f.Enum, ", "))
			}
		case KindBool:
			if _, ok := v.(bool); !ok {
				return fail(path, "must be %s", f.Kind)
			}
		case KindObject:
			o, ok := v.(map[string]any)
			if !ok {
				return fail(path, "must be %s", f.Kind)
			}
			if err := f.Model.check(root, path+".", o); err != nil {
				return err
			}
		case KindStringArray:
			a, ok := v.([]any)
			if !ok {
				return fail(path, "must be %s", f.Kind)
			}
			for i, e := range a {
				if _, ok := e.(string); !ok {
					return fail(fmt.Sprintf("%s[%d]", path, i), "must be a string")
				}
			}
		case KindObjectArray:
			a, ok := v.([]any)
			if !ok {
				return fail(path, "must be %s", f.Kind)
			}
			for i, e := range a {
				if _, ok := e.(map[string]any); !ok {
					return fail(fmt.Sprintf("%s[%d]", path, i), "must be an object")
				}
			}
		}
	}
	if !m.AdditionalProperties {
		for _, k := range sortedKeys(obj) {
			if _, ok := m.Field(k); !ok {
				return fail(prefix+k, "is not a field of %s", m.Name)
			}
		}
	}
	return nil
}

// DecodeRequest reads a request body for m the way the real API's JSON
// binding does, not the way Go's encoding/json does: names are matched
// exactly, so {"EMAIL": ...} does not fill email. A name that differs from one
// of m's fields only in case is refused outright, because a client that sends
// it has a bug that would otherwise pass silently here (Go matches it) and
// fail there. Other unknown names are accepted and ignored, as the contract
// admits additional properties on both request models. The body must be one
// JSON object and satisfy m.
func (m *Model) DecodeRequest(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, &ContractError{Model: m.Name, Problem: "the body must be a JSON object"}
	}
	if _, err := dec.Token(); err == nil {
		return nil, &ContractError{Model: m.Name, Problem: "the body must be a single JSON object"}
	}
	for _, k := range sortedKeys(obj) {
		if _, ok := m.Field(k); ok {
			continue
		}
		for _, f := range m.Fields {
			if strings.EqualFold(k, f.Name) {
				return nil, &ContractError{Model: m.Name, Path: printableName(k),
					Problem: fmt.Sprintf("is not a field; field names are case-sensitive, the field is %q", f.Name)}
			}
		}
	}
	if err := m.Check(obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// printableName quotes a client's field name for an error message, bounded
// so that a huge name does not bloat the answer.
func printableName(k string) string {
	if utf8.RuneCountInString(k) > 40 {
		k = string([]rune(k)[:40]) + "..."
	}
	return fmt.Sprintf("%q", k)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
