package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/batch"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

func requestResetConfig(api *standin.Server, email, wave string) string {
	return providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "test" {
  email = %q
  triggers = {
    wave = %q
  }
}
`, email, wave)
}

// rfc3339 matches the requested_at timestamps the resource records.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

func TestAccPasswordResetRequest_lifecycle(t *testing.T) {
	api := newTestAPI(t)
	const addr = "clevermaps_password_reset_request.test"

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		// Destroying must only forget: still 3 requests in total afterwards.
		CheckDestroy: checkRequestTotal(api, 3),
		Steps: []resource.TestStep{
			{
				Config: requestResetConfig(api, adaEmail, "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact(adaEmail)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("requested_at"), knownvalue.StringRegexp(rfc3339)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}$`))),
					expectRequests{api, standin.EndpointRequestReset, 1},
				},
			},
			{
				// The same configuration again: nothing to do, nothing sent.
				Config: requestResetConfig(api, adaEmail, "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 1}},
			},
			{
				Config: requestResetConfig(api, graceEmail, "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact(graceEmail)),
					expectRequests{api, standin.EndpointRequestReset, 2},
				},
			},
			{
				Config: requestResetConfig(api, graceEmail, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 3}},
			},
		},
	})

	// Each request reached the server exactly once, as the documented JSON.
	journal := api.Journal()
	wantEmails := []string{adaEmail, graceEmail, graceEmail}
	if len(journal) != len(wantEmails) {
		t.Fatalf("journal has %d requests, want %d", len(journal), len(wantEmails))
	}
	for i, req := range journal {
		if req.Method != "POST" || req.RawPath != "/rest/accounts/passwordReset" {
			t.Errorf("request %d: %s %s, want POST /rest/accounts/passwordReset", i, req.Method, req.RawPath)
		}
		if ct := req.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("request %d: Content-Type %q, want application/json", i, ct)
		}
		if ua := req.Header.Get("User-Agent"); !regexp.MustCompile(`^terraform-provider-clevermaps/test\b`).MatchString(ua) {
			t.Errorf("request %d: User-Agent %q does not name the provider and its version", i, ua)
		}
		if req.Header.Get("Authorization") != "" {
			t.Errorf("request %d carries an Authorization header; the endpoint is anonymous", i)
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(req.Body), &body); err != nil {
			t.Fatalf("request %d: body %q is not JSON: %v", i, req.Body, err)
		}
		if len(body) != 1 || body["email"] != wantEmails[i] {
			t.Errorf("request %d: body %s, want {\"email\":%q}", i, req.Body, wantEmails[i])
		}
	}
	if mails := api.MailsTo(graceEmail); len(mails) != 2 {
		t.Errorf("%s got %d mails, want 2", graceEmail, len(mails))
	}
}

func TestAccPasswordResetRequest_unknownEmail(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      requestResetConfig(api, "nobody@example.com", "1"),
			ExpectError: regexp.MustCompile(`(?s)has no CleverMaps account for\s+"nobody@example.com"`),
		}},
	})
	if got := api.Count(standin.EndpointRequestReset); got != 1 {
		t.Errorf("the API received %d requests, want exactly 1 (a 404 is not retried)", got)
	}
	if n := len(api.Outbox()); n != 0 {
		t.Errorf("outbox has %d mails, want none", n)
	}
}

func TestAccPasswordResetRequest_invalidEmail(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      requestResetConfig(api, "ada at example.com", "1"),
			ExpectError: regexp.MustCompile(`(?s)Invalid email address.*email`),
		}},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

// TestAccPasswordResetRequest_forEach runs the resource under a real
// for_each: one mail per key, the state keyed by address, and a change of
// the set sends only to the added address and nothing for the removed ones.
// plugin-testing's state checks cannot address for_each instances by key, so
// the instances are listed from the state (as `tofu state list` would) and
// the requests read from the stand-in's journal.
func TestAccPasswordResetRequest_forEach(t *testing.T) {
	api := newTestAPI(t)
	var first []string
	for i := range 6 {
		e := fmt.Sprintf("user%d@example.com", i)
		api.AddAccount(standin.Account{Email: e, FullName: fmt.Sprintf("User %d", i)})
		first = append(first, e)
	}
	const added = "late@example.com"
	api.AddAccount(standin.Account{Email: added, FullName: "Late"})
	// The second set drops user0 and user1 and adds late@.
	second := append(slices.Clone(first[2:]), added)

	config := func(emails []string) string {
		list, _ := json.Marshal(emails)
		return providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "all" {
  for_each = toset(%s)
  email    = each.value
}
`, list)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(first),
				ConfigStateChecks: []statecheck.StateCheck{
					expectForEachInstances{"clevermaps_password_reset_request", "all", first},
					expectRequestBodies{api, first},
				},
			},
			{
				Config: config(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectForEachInstances{"clevermaps_password_reset_request", "all", second},
					// Only the added address got a request; removing user0
					// and user1 sent nothing.
					expectRequestBodies{api, append(slices.Clone(first), added)},
				},
			},
			{
				// An empty set destroys every instance, which only forgets.
				// (It also leaves the state empty: plugin-testing's own final
				// state read cannot shim for_each instances.)
				Config: config([]string{}),
				ConfigStateChecks: []statecheck.StateCheck{
					expectForEachInstances{"clevermaps_password_reset_request", "all", nil},
					expectRequestBodies{api, append(slices.Clone(first), added)},
				},
			},
		},
	})
	for _, e := range append(first, added) {
		if n := len(api.MailsTo(e)); n != 1 {
			t.Errorf("%s got %d mails, want 1", e, n)
		}
	}
}

// expectForEachInstances asserts that the state holds exactly one instance of
// the resource per key, keyed by the address, whose email is that address.
type expectForEachInstances struct {
	typ, name string
	keys      []string
}

func (e expectForEachInstances) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil {
		resp.Error = errors.New("no state")
		return
	}
	var resources []*tfjson.StateResource // An empty state has no root module.
	if v := req.State.Values; v != nil && v.RootModule != nil {
		resources = v.RootModule.Resources
	}
	var got []string
	for _, r := range resources {
		if r.Type != e.typ || r.Name != e.name {
			continue
		}
		key, ok := r.Index.(string)
		if !ok {
			resp.Error = fmt.Errorf("%s has index %v, want a for_each key", r.Address, r.Index)
			return
		}
		if r.AttributeValues["email"] != key {
			resp.Error = fmt.Errorf("%s has email %v", r.Address, r.AttributeValues["email"])
			return
		}
		got = append(got, key)
	}
	want := slices.Clone(e.keys)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		resp.Error = fmt.Errorf("state has instances %q, want %q", got, want)
	}
}

// expectRequestBodies asserts that the stand-in received exactly one
// request-reset call per address in emails, in any order, and no other call.
type expectRequestBodies struct {
	api    *standin.Server
	emails []string
}

func (e expectRequestBodies) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	var got []string
	for _, r := range e.api.Journal() {
		if r.Endpoint != standin.EndpointRequestReset {
			resp.Error = fmt.Errorf("unexpected %s request", r.Endpoint)
			return
		}
		var body struct {
			Email string `json:"email"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			resp.Error = fmt.Errorf("request body %q: %w", r.Body, err)
			return
		}
		got = append(got, body.Email)
	}
	want := slices.Clone(e.emails)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		resp.Error = fmt.Errorf("requests went to %q, want one each to %q", got, want)
	}
}

// requiredProviders names the provider's source. Import steps of
// terraform-plugin-testing use their configuration as written, without the
// required_providers block that ordinary steps get added, and the CLI would
// otherwise look for hashicorp/clevermaps.
const requiredProviders = `
terraform {
  required_providers {
    clevermaps = {
      source = "clevermaps/clevermaps"
    }
  }
}
`

func resendAfterConfig(api *standin.Server, resendAfter string) string {
	return providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "test" {
  email        = %q
  resend_after = %q
}
`, adaEmail, resendAfter)
}

// TestAccPasswordResetRequest_resendAfter walks a request through resend_after:
// not yet due (nothing sent), due (replaced, one more mail), and a longer
// resend_after afterwards (recorded in place, nothing sent).
func TestAccPasswordResetRequest_resendAfter(t *testing.T) {
	api := newTestAPI(t)
	clock := &testClock{}
	const addr = "clevermaps_password_reset_request.test"
	var firstSent string
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock),
		Steps: []resource.TestStep{
			{
				Config: resendAfterConfig(api, "1h"),
				ConfigStateChecks: []statecheck.StateCheck{
					expectRequests{api, standin.EndpointRequestReset, 1},
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("resend_after"), knownvalue.StringExact("1h")),
				},
				Check: func(s *terraform.State) error {
					firstSent = s.RootModule().Resources[addr].Primary.Attributes["requested_at"]
					return nil
				},
			},
			{
				// Not due for an hour: nothing to do.
				Config:            resendAfterConfig(api, "1h"),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 1}},
			},
			{
				// An hour and a minute later (the provider's clock moved
				// on) the mail has lapsed; the new one recorded by this
				// apply has not.
				PreConfig: func() { clock.advance(61 * time.Minute) },
				Config:    resendAfterConfig(api, "1h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("requested_at")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 2}},
				Check: func(s *terraform.State) error {
					if now := s.RootModule().Resources[addr].Primary.Attributes["requested_at"]; now == firstSent || !rfc3339.MatchString(now) {
						return fmt.Errorf("requested_at %q after the new mail, first was %q", now, firstSent)
					}
					return nil
				},
			},
			{
				// A longer interval is recorded in place; the mail just sent
				// is not due.
				Config: resendAfterConfig(api, "168h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 2}},
			},
		},
	})
	if n := len(api.MailsTo(adaEmail)); n != 2 {
		t.Errorf("%s got %d mails, want 2", adaEmail, n)
	}
}

func TestValidation_resendAfter(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	for value, wantInDetail := range map[string]string{
		"":      "it is empty",
		"0s":    "greater than zero",
		"-1h":   "greater than zero",
		"7d":    "days are not a unit",
		"soon":  "not a duration",
		"168":   "not a duration",
		"1h 5m": "not a duration",
	} {
		t.Run(value, func(t *testing.T) {
			diags := ps.validateResource(t, "clevermaps_password_reset_request", map[string]tftypes.Value{
				"email": str(adaEmail), "resend_after": str(value),
			})
			expectAttrError(t, diags, "resend_after", "")
			if text := diagText(diags); !strings.Contains(text, wantInDetail) {
				t.Errorf("diagnostics do not say %q:\n%s", wantInDetail, text)
			}
		})
	}
	for _, good := range []string{"168h", "1s", "36h30m", "1.5h"} {
		diags := ps.validateResource(t, "clevermaps_password_reset_request", map[string]tftypes.Value{
			"email": str(adaEmail), "resend_after": str(good),
		})
		if len(diags) != 0 {
			t.Errorf("%q: unexpected diagnostics:\n%s", good, diagText(diags))
		}
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

// planRequest plans clevermaps_password_reset_request over the protocol
// from a prior state, as Terraform core would before an apply.
func planRequest(t *testing.T, ps *protocolServer, prior, config map[string]tftypes.Value) *tfprotov6.PlanResourceChangeResponse {
	t.Helper()
	const typeName = "clevermaps_password_reset_request"
	typ := ps.resourceTypes[typeName]
	// The proposed new state is the configuration with computed values
	// taken from the prior state, as core proposes it.
	proposed := map[string]tftypes.Value{}
	for k, v := range config {
		proposed[k] = v
	}
	proposed["id"], proposed["requested_at"] = prior["id"], prior["requested_at"]
	resp, err := ps.PlanResourceChange(t.Context(), &tfprotov6.PlanResourceChangeRequest{
		TypeName:         typeName,
		PriorState:       dynamicValue(t, typ, prior),
		ProposedNewState: dynamicValue(t, typ, proposed),
		Config:           dynamicValue(t, typ, config),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestPasswordResetRequest_resendAfterPlan checks what the plan of a due
// request carries: the replacement on requested_at, requested_at unknown,
// and a warning naming the address and when it was last mailed.
func TestPasswordResetRequest_resendAfterPlan(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	config := map[string]tftypes.Value{"email": str(adaEmail), "resend_after": str("168h")}
	prior := func(sentAt time.Time) map[string]tftypes.Value {
		return map[string]tftypes.Value{
			"id": str("0123456789abcdef0123456789abcdef"), "email": str(adaEmail), "resend_after": str("168h"),
			"requested_at": str(sentAt.UTC().Format(time.RFC3339)),
			// The refresh before the plan read the clock now.
			checkedAtAttr: str(time.Now().UTC().Format(time.RFC3339)),
		}
	}

	due := time.Now().Add(-169 * time.Hour)
	resp := planRequest(t, ps, prior(due), config)
	if len(resp.RequiresReplace) != 1 || resp.RequiresReplace[0].String() != `AttributeName("requested_at")` {
		t.Errorf("RequiresReplace = %v, want requested_at", resp.RequiresReplace)
	}
	planned, err := resp.PlannedState.Unmarshal(ps.resourceTypes["clevermaps_password_reset_request"])
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := planned.As(&attrs); err != nil {
		t.Fatal(err)
	}
	if attrs["requested_at"].IsKnown() {
		t.Errorf("planned requested_at is %v, want unknown", attrs["requested_at"])
	}
	text := diagText(resp.Diagnostics)
	if hasErrors(resp.Diagnostics) || !strings.Contains(text, "WARNING: Password-reset mail due again") ||
		!strings.Contains(text, `"ada@example.com" was sent at `+due.UTC().Format(time.RFC3339)) ||
		!strings.Contains(text, `[at AttributeName("resend_after")]`) {
		t.Errorf("diagnostics:\n%s", text)
	}

	// A day short of due: no replacement, no warning.
	resp = planRequest(t, ps, prior(time.Now().Add(-143*time.Hour)), config)
	if len(resp.RequiresReplace) != 0 || len(resp.Diagnostics) != 0 {
		t.Errorf("not due yet, but RequiresReplace = %v, diagnostics:\n%s", resp.RequiresReplace, diagText(resp.Diagnostics))
	}
	// Without resend_after, never.
	noResend := map[string]tftypes.Value{"email": str(adaEmail)}
	p := prior(time.Now().Add(-10000 * time.Hour))
	p["resend_after"] = tftypes.NewValue(tftypes.String, nil)
	resp = planRequest(t, ps, p, noResend)
	if len(resp.RequiresReplace) != 0 || len(resp.Diagnostics) != 0 {
		t.Errorf("without resend_after, RequiresReplace = %v, diagnostics:\n%s", resp.RequiresReplace, diagText(resp.Diagnostics))
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("planning sent %d request(s)", n)
	}
}

// adoptConfig is a request for ada with triggers and resend_after, plus an
// import block with importID when it is not empty.
func adoptConfig(api *standin.Server, wave, importID string) string {
	cfg := providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "test" {
  email        = %q
  resend_after = "168h"
  triggers = {
    wave = %q
  }
}
`, adaEmail, wave)
	if importID != "" {
		cfg += fmt.Sprintf(`
import {
  to = clevermaps_password_reset_request.test
  id = %q
}
`, importID)
	}
	return cfg
}

// TestAccPasswordResetRequest_importBlock adopts a mail sent outside
// Terraform with an import block: the plan imports and records triggers and
// resend_after in place, and the stand-in sees no request until the
// configuration itself asks for a new mail.
func TestAccPasswordResetRequest_importBlock(t *testing.T) {
	api := newTestAPI(t)
	const addr = "clevermaps_password_reset_request.test"
	before := time.Now().UTC().Truncate(time.Second)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)},
		Steps: []resource.TestStep{
			{
				Config: adoptConfig(api, "1", adaEmail),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectRequests{api, standin.EndpointRequestReset, 0},
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact(adaEmail)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("triggers"), knownvalue.MapExact(map[string]knownvalue.Check{"wave": knownvalue.StringExact("1")})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}$`))),
				},
				Check: func(s *terraform.State) error {
					got, err := time.Parse(time.RFC3339, s.RootModule().Resources[addr].Primary.Attributes["requested_at"])
					if err != nil || got.Before(before) || got.After(time.Now()) {
						return fmt.Errorf("requested_at %v, want the time of the import: %w", got, err)
					}
					return nil
				},
			},
			{
				// The import block gone: nothing to do.
				Config:            adoptConfig(api, "1", ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 0}},
			},
			{
				// Once adopted, a triggers change sends a mail as usual.
				Config: adoptConfig(api, "2", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 1}},
			},
		},
	})
	if n := len(api.MailsTo(adaEmail)); n != 1 {
		t.Errorf("%s got %d mails, want 1 (the triggers change only)", adaEmail, n)
	}
}

// TestAccPasswordResetRequest_importBlockLapsed adopts a mail whose send
// time, given in the import ID, lies longer ago than resend_after: the same
// plan imports it and replaces it, so exactly one new mail goes out.
func TestAccPasswordResetRequest_importBlockLapsed(t *testing.T) {
	api := newTestAPI(t)
	const addr = "clevermaps_password_reset_request.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)},
		Steps: []resource.TestStep{{
			Config: adoptConfig(api, "1", adaEmail+",2020-01-02T03:04:05Z"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				expectRequests{api, standin.EndpointRequestReset, 1},
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("requested_at"), knownvalue.StringRegexp(regexp.MustCompile(`^20[3-9]|^202[6-9]`))),
			},
		}},
	})
}

// TestAccPasswordResetRequest_importCommand adopts a mail with
// `terraform import`: the state records the address and the given send time,
// the next plan is empty, and nothing reaches the API.
func TestAccPasswordResetRequest_importCommand(t *testing.T) {
	api := newTestAPI(t)
	const addr = "clevermaps_password_reset_request.test"
	config := requiredProviders + providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "test" {
  email = %q
}
`, graceEmail)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// plugin-testing reads the prior state before an import step,
				// so start from an empty configuration.
				Config: requiredProviders + providerBlock(api),
			},
			{
				Config:             config,
				ResourceName:       addr,
				ImportState:        true,
				ImportStateId:      graceEmail + ",2026-11-20T09:00:00Z",
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("%d imported instances, want 1", len(states))
					}
					a := states[0].Attributes
					if a["email"] != graceEmail || a["requested_at"] != "2026-11-20T09:00:00Z" || len(a["id"]) != 32 {
						return fmt.Errorf("imported attributes %v", a)
					}
					if n := len(api.Journal()); n != 0 {
						return fmt.Errorf("the API received %d request(s) during the import, want none", n)
					}
					return nil
				},
			},
			{
				Config:            config,
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 0}},
			},
		},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

func TestAccPasswordResetRequest_importInvalidID(t *testing.T) {
	api := newTestAPI(t)
	config := requiredProviders + providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "test" {
  email = %q
}
`, adaEmail)
	// The parser's cases are in TestParseRequestImportID; these two check
	// that its verdict reaches the person running the import.
	for id, want := range map[string]string{
		"ada at example.com":    `(?s)Invalid import ID.*the\s+address\s+is\s+not\s+valid\s+\(it\s+contains\s+spaces\).*Nothing\s+was\s+sent`,
		adaEmail + ",yesterday": `(?s)Invalid import ID.*not\s+an\s+RFC\s+3339\s+time`,
	} {
		t.Run(id, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				PreCheck:                 func() { testAccPreCheck(t) },
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: requiredProviders + providerBlock(api)},
					{
						Config:        config,
						ResourceName:  "clevermaps_password_reset_request.test",
						ImportState:   true,
						ImportStateId: id,
						ExpectError:   regexp.MustCompile(want),
					},
				},
			})
		})
	}
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

func TestParseRequestImportID(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		id, email, sentAt, problem string
	}{
		{id: adaEmail, email: adaEmail, sentAt: "2026-11-27T12:00:00Z"},
		{id: adaEmail + ",2026-11-20T09:00:00Z", email: adaEmail, sentAt: "2026-11-20T09:00:00Z"},
		{id: adaEmail + ",2026-11-20T10:00:00+01:00", email: adaEmail, sentAt: "2026-11-20T09:00:00Z"},
		{id: adaEmail + ",yesterday", problem: "not an RFC 3339 time"},
		{id: adaEmail + ",", problem: "not an RFC 3339 time"},
		{id: adaEmail + ",2026-11-20", problem: "not an RFC 3339 time"},
		{id: adaEmail + ",2026-11-28T00:00:00Z", problem: "in the future"},
		{id: ",2026-11-20T09:00:00Z", problem: "the address is not valid (it is empty)"},
		{id: "", problem: "the address is not valid (it is empty)"},
		{id: "ada at example.com", problem: "the address is not valid (it contains spaces)"},
		{id: "Ada Lovelace <ada@example.com>", problem: "the address is not valid (it contains spaces)"},
		{id: "ada@example.com 2026-11-20T09:00:00Z", problem: "the address is not valid (it contains spaces)"},
		{id: "ada@localhost,2026-11-20T09:00:00Z", problem: "no valid domain"},
	} {
		email, sentAt, problem := parseRequestImportID(c.id, now)
		switch {
		case c.problem != "" && !strings.Contains(problem, c.problem):
			t.Errorf("%q: problem %q, want one containing %q", c.id, problem, c.problem)
		case c.problem == "" && (problem != "" || email != c.email || sentAt.UTC().Format(time.RFC3339) != c.sentAt):
			t.Errorf("%q: got %q, %v, %q; want %q, %s", c.id, email, sentAt, problem, c.email, c.sentAt)
		}
	}
}

// A change of only the case or Unicode form of the address is the same
// account (address.Key): it is recorded in place and mails nobody. Another
// address is a new mail.
func TestAccPasswordResetRequest_sameAddressOtherSpelling(t *testing.T) {
	api := newTestAPI(t)
	api.AddAccount(standin.Account{Email: "jos\u00e9@example.com", FullName: "José"})
	const addr = "clevermaps_password_reset_request.test"
	// Decomposed and in capitals. HCL normalizes string literals to NFC, so
	// state records the composed form; the change is then one of case.
	decomposed, recorded := "JOSE\u0301@example.com", "JOS\u00c9@example.com"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            requestResetConfig(api, "jos\u00e9@example.com", "1"),
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 1}},
			},
			{
				Config: requestResetConfig(api, decomposed, "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectRequests{api, standin.EndpointRequestReset, 1},
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("email"), knownvalue.StringExact(recorded)),
				},
			},
			{
				Config: requestResetConfig(api, adaEmail, "1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 2}},
			},
		},
	})
}

// A saved plan that changes the request in place applies as reviewed even
// if the mail lapses before the apply; the next fresh plan replaces it.
func TestAccPasswordResetRequest_savedPlanApplies(t *testing.T) {
	api := newTestAPI(t)
	clock := &testClock{}
	const addr = "clevermaps_password_reset_request.test"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock),
		Steps: []resource.TestStep{
			{Config: resendAfterConfig(api, "1h")},
			{
				// Planned 30 minutes later (not due under 2h), applied 100 minutes
				// after that, when it is.
				PreConfig: func() { clock.advance(30 * time.Minute) },
				Config:    resendAfterConfig(api, "2h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						advanceClock{clock, 100 * time.Minute},
					},
				},
				// The clock moved on after the plan: the next plan has work.
				ExpectNonEmptyPlan: true,
				ConfigStateChecks:  []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 1}},
			},
			{
				Config: resendAfterConfig(api, "2h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 2}},
			},
		},
	})
}

// After an unknown outcome the request is recorded, with a warning, and is
// not mailed again until retry_unknown_outcomes says so: the batch
// resource's rule. Before, the apply failed, nothing was recorded and the
// next apply mailed again by itself.
func TestAccPasswordResetRequest_unknownOutcome(t *testing.T) {
	api := newTestAPI(t)
	const addr = "clevermaps_password_reset_request.test"
	// The server sends the mail, then drops the connection.
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{Drop: true, AfterAction: true, Times: 1})
	config := func(extra string) string {
		return providerBlock(api) + fmt.Sprintf("resource \"clevermaps_password_reset_request\" \"test\" {\n  email = %q\n%s\n}\n", adaEmail, extra)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("outcome"), knownvalue.StringExact(batch.ReasonOutcomeUnknown)),
					expectRequests{api, standin.EndpointRequestReset, 1},
				},
			},
			{
				Config:            config(""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 1}},
			},
			{
				Config: config("  retry_unknown_outcomes = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("outcome"), knownvalue.StringExact("sent")),
					expectRequests{api, standin.EndpointRequestReset, 2},
				},
			},
		},
	})
	if got := mailCounts(api)[adaEmail]; got != 2 {
		t.Errorf("%s got %d mails, want 2 (the dropped answer's, then the one asked for)", adaEmail, got)
	}
}

// A request whose outcome is unknown is not mailed again by resend_after
// either: only retry_unknown_outcomes does that.
func TestPasswordResetRequest_unknownOutcomeIsNotResent(t *testing.T) {
	api := newTestAPI(t)
	ps := newProtocolServer(t, endpointAttrs(api))
	config := map[string]tftypes.Value{"email": str(adaEmail), "resend_after": str("1h")}
	prior := map[string]tftypes.Value{
		"id": str("0123456789abcdef0123456789abcdef"), "email": str(adaEmail), "resend_after": str("1h"),
		"requested_at": str(time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)),
		checkedAtAttr:  str(time.Now().UTC().Format(time.RFC3339)),
		"outcome":      str(batch.ReasonOutcomeUnknown),
	}
	if resp := planRequest(t, ps, prior, config); len(resp.RequiresReplace) != 0 {
		t.Errorf("due under resend_after with an unknown outcome: RequiresReplace = %v, want none", resp.RequiresReplace)
	}
	config["retry_unknown_outcomes"] = tftypes.NewValue(tftypes.Bool, true)
	if resp := planRequest(t, ps, prior, config); len(resp.RequiresReplace) != 1 {
		t.Errorf("with retry_unknown_outcomes: RequiresReplace = %v, want requested_at", resp.RequiresReplace)
	}
}
