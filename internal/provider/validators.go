package provider

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
)

// The validators below reject bad input at validate and plan time, with the
// attribute path, so that nothing is sent to the API. None of them echoes a
// secret value in its message.

// maxEmailLength is the longest address SMTP can carry (RFC 5321 path limit).
const maxEmailLength = 254

// emailValidator accepts a bare address like ada@example.com: no display
// name, no spaces or control characters, a domain with at least one dot.
type emailValidator struct{}

func (emailValidator) Description(context.Context) string {
	return "value must be a plain email address such as ada@example.com"
}

func (v emailValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (emailValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := emailProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid email address",
			fmt.Sprintf("The value %q is not a usable email address: %s.", printable(req.ConfigValue.ValueString()), problem))
	}
}

// emailProblem returns why s is not an acceptable address, or "".
func emailProblem(s string) string {
	switch {
	case s == "":
		return "it is empty"
	case len(s) > maxEmailLength:
		return fmt.Sprintf("it is longer than %d characters", maxEmailLength)
	case !utf8.ValidString(s):
		return "it is not valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "it contains control characters"
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return "it contains spaces"
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "it has no @"
	}
	local, domain := s[:at], s[at+1:]
	switch {
	case local == "":
		return "nothing comes before the @"
	case len(local) > 64:
		return "the part before the @ is longer than 64 characters"
	case domain == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		return "it has no valid domain after the @ (such as example.com)"
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "it is not of the form name@example.com"
	}
	return ""
}

// maxTokenLength bounds reset tokens; real ones are a few dozen characters.
const maxTokenLength = 1024

// tokenValidator accepts a reset token that is one clean URL path segment.
// Characters that merely need escaping (such as + = : @ or a space) are
// allowed and escaped by the client; characters that would change which URL
// is requested (/ ? # %, . and ..) and control characters are rejected.
type tokenValidator struct{}

func (tokenValidator) Description(context.Context) string {
	return "value must be a non-empty reset token without control characters, /, ?, #, % or .."
}

func (v tokenValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (tokenValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := tokenProblem(req.ConfigValue.ValueString()); problem != "" {
		// The token is a secret: say what is wrong, never what it is.
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid reset token",
			fmt.Sprintf("The reset token is not usable: %s. Copy the token exactly as it appears in the reset mail.", problem))
	}
}

// tokenProblem returns why s is not an acceptable token, or "".
func tokenProblem(s string) string {
	switch {
	case s == "":
		return "it is empty"
	case len(s) > maxTokenLength:
		return fmt.Sprintf("it is longer than %d characters", maxTokenLength)
	case !utf8.ValidString(s):
		return "it is not valid UTF-8"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "it contains control characters such as a newline or tab"
	case strings.TrimSpace(s) != s:
		return "it starts or ends with whitespace"
	case strings.ContainsAny(s, `/\`):
		return "it contains a slash"
	case strings.ContainsAny(s, "?#"):
		return "it contains ? or #"
	case strings.Contains(s, "%"):
		return "it contains %, which suggests it is already URL-encoded; give the decoded token"
	case strings.Contains(s, ".."):
		return "it contains .."
	case s == ".":
		return "it is a single dot"
	}
	return ""
}

// endpointValidator applies the client's own endpoint rules at validate time.
type endpointValidator struct{}

func (endpointValidator) Description(context.Context) string {
	return "value must be an absolute https:// or http:// URL without credentials, query or fragment"
}

func (v endpointValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (endpointValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := client.ParseEndpoint(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CleverMaps endpoint", fmt.Sprintf("%s.", err))
	}
}

// durationValidator accepts a positive Go duration such as "168h" or
// "90m", the form resend_after takes on both the single and the batch reset
// resource, so that the two cannot come to mean different things.
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return `value must be a positive duration such as "168h" (units h, m, s)`
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, problem := parsePositiveDuration(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("The value %q is not a usable duration: %s. Write it as a number with a unit, such as \"168h\" for 7 days or \"36h30m\".",
				printable(req.ConfigValue.ValueString()), problem))
	}
}

// parsePositiveDuration parses s as time.ParseDuration does and requires the
// result to be positive. It returns the duration, or why s is not usable.
// Days are not a Go unit, and the message says so, because "7d" is what
// people write first.
func parsePositiveDuration(s string) (time.Duration, string) {
	d, err := time.ParseDuration(s)
	switch {
	case s == "":
		return 0, "it is empty"
	case err != nil && strings.HasSuffix(s, "d"):
		return 0, "days are not a unit; use hours (\"168h\" is 7 days)"
	case err != nil:
		return 0, "it is not a duration with units h, m or s"
	case d <= 0:
		return 0, "it must be greater than zero"
	}
	return d, ""
}

// printable quotes at most 80 characters of a user's input for a message.
func printable(s string) string {
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	r := []rune(s)
	return string(r[:77]) + "..."
}
