package provider

import (
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

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

func TestAccPasswordResetRequest_forEach(t *testing.T) {
	api := newTestAPI(t)
	emails := []string{adaEmail, graceEmail}
	for i := range 8 {
		e := fmt.Sprintf("user%d@example.com", i)
		api.AddAccount(standin.Account{ID: e, Email: e, FullName: e, Status: "ENABLED"})
		emails = append(emails, e)
	}
	list, _ := json.Marshal(emails)
	start := time.Now()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(api) + fmt.Sprintf(`
locals {
  emails = %s
}

# count rather than for_each: terraform-plugin-testing's state shim cannot
# index for_each instances.
resource "clevermaps_password_reset_request" "all" {
  count = length(local.emails)
  email = local.emails[count.index]
}
`, list),
			ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, len(emails)}},
		}},
	})
	for _, e := range emails {
		if n := len(api.MailsTo(e)); n != 1 {
			t.Errorf("%s got %d mails, want 1", e, n)
		}
	}
	t.Logf("%d resources in %s", len(emails), time.Since(start))
}
