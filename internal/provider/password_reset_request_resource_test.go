package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

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
			ExpectError: regexp.MustCompile(`(?s)No CleverMaps account exists for\s+"nobody@example.com"`),
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
