package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/batch"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

func batchConfig(api *standin.Server, wave string, emails ...string) string {
	list, _ := json.Marshal(emails)
	return providerBlock(api) + fmt.Sprintf(`
resource "clevermaps_password_reset_requests" "wave" {
  emails      = %s
  concurrency = 4
  triggers = {
    wave = %q
  }
}
`, list, wave)
}

// expectSentKeys checks the addresses recorded in `sent`.
func expectSentKeys(emails ...string) statecheck.StateCheck {
	checks := map[string]knownvalue.Check{}
	for _, e := range emails {
		checks[e] = knownvalue.StringRegexp(rfc3339)
	}
	return statecheck.ExpectKnownValue("clevermaps_password_reset_requests.wave", tfjsonpath.New("sent"), knownvalue.MapExact(checks))
}

// expectUnmailed checks the addresses in `unmailed` and their reasons.
func expectUnmailed(reasons map[string]string) statecheck.StateCheck {
	checks := map[string]knownvalue.Check{}
	for e, reason := range reasons {
		checks[e] = knownvalue.ObjectPartial(map[string]knownvalue.Check{"reason": knownvalue.StringExact(reason)})
	}
	return statecheck.ExpectKnownValue("clevermaps_password_reset_requests.wave", tfjsonpath.New("unmailed"), knownvalue.MapExact(checks))
}

// expectToMail checks the planned recipients of the batch resource "wave"
// and why each is mailed (new, retry or resend).
func expectToMail(why string, emails ...string) plancheck.PlanCheck {
	checks := make(map[string]knownvalue.Check, len(emails))
	for _, e := range emails {
		checks[e] = knownvalue.StringExact(why)
	}
	return plancheck.ExpectKnownValue("clevermaps_password_reset_requests.wave", tfjsonpath.New("to_mail"), knownvalue.MapExact(checks))
}

// mailCounts returns how many mails each address got.
func mailCounts(api *standin.Server) map[string]int {
	counts := map[string]int{}
	for _, m := range api.Outbox() {
		counts[m.To]++
	}
	return counts
}

func TestAccPasswordResetRequests_lifecycle(t *testing.T) {
	api := newTestAPI(t)
	const late = "late@example.com"   // gets an account only after the first apply
	const extra = "extra@example.com" // added to the list later
	api.AddAccount(standin.Account{ID: "acc-extra", Email: extra, FullName: "Extra", Status: "ENABLED"})
	const addr = "clevermaps_password_reset_requests.wave"

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkRequestTotal(api, 9),
		Steps: []resource.TestStep{
			{
				// Partial failure on create: the two known addresses are
				// sent and recorded; the unknown one is left for later.
				Config:             batchConfig(api, "1", adaEmail, graceEmail, late),
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, graceEmail),
					expectUnmailed(map[string]string{late: batch.ReasonRejected}),
					expectRequests{api, standin.EndpointRequestReset, 3},
				},
			},
			{
				// The next apply sends only to the address that failed,
				// and the plan names it.
				PreConfig: func() {
					api.AddAccount(standin.Account{ID: "acc-late", Email: late, FullName: "Late", Status: "ENABLED"})
				},
				Config: batchConfig(api, "1", adaEmail, graceEmail, late),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						expectToMail(batch.WhyRetry, late),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, graceEmail, late),
					expectUnmailed(nil),
					expectRequests{api, standin.EndpointRequestReset, 4},
				},
			},
			{
				// Adding one address and removing another sends one mail.
				Config: batchConfig(api, "1", adaEmail, late, extra),
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, late, extra),
					expectRequests{api, standin.EndpointRequestReset, 5},
				},
			},
			{
				// Removing only: nothing is sent, and the plan says exactly
				// what `sent` becomes.
				Config: batchConfig(api, "1", adaEmail, late),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectKnownValue(addr, tfjsonpath.New("sent"), knownvalue.MapSizeExact(2))},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, late),
					expectRequests{api, standin.EndpointRequestReset, 5},
				},
			},
			{
				// A triggers change mails every address again.
				Config: batchConfig(api, "2", adaEmail, late, extra),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, late, extra),
					expectRequests{api, standin.EndpointRequestReset, 8},
				},
			},
			{
				// A failure on update is an error that names the address.
				Config:      batchConfig(api, "2", adaEmail, late, extra, "ghost@example.com"),
				ExpectError: regexp.MustCompile(`(?s)Some password-reset mails were not sent.*ghost@example.com \(rejected\): No CleverMaps account has this address`),
			},
		},
	})

	want := map[string]int{adaEmail: 2, graceEmail: 1, late: 2, extra: 2}
	got := mailCounts(api)
	for e, n := range want {
		if got[e] != n {
			t.Errorf("%s got %d mails, want %d", e, got[e], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("mails went to %v, want only %v", got, want)
	}
}

func TestAccPasswordResetRequests_allFail(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      batchConfig(api, "1", "nobody@example.com", "noone@example.com"),
			ExpectError: regexp.MustCompile(`(?s)2 of 2 addresses were not mailed`),
		}},
	})
	if n := len(api.Outbox()); n != 0 {
		t.Errorf("%d mails, want none", n)
	}
}

func TestAccPasswordResetRequests_invalidEmail(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      batchConfig(api, "1", adaEmail, "no-at-sign.example.com"),
			ExpectError: regexp.MustCompile(`(?s)Invalid email address.*emails`),
		}},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

// `emails` is a list with set semantics: a repeated address (in any case) is
// mailed once, reordering the list sends nothing, and an address that is
// unknown until apply plans an update that mails only it.
func TestAccPasswordResetRequests_orderAndRepeats(t *testing.T) {
	api := newTestAPI(t)
	const extra = "extra@example.com"
	api.AddAccount(standin.Account{ID: "acc-extra", Email: extra, FullName: "Extra", Status: "ENABLED"})
	const addr = "clevermaps_password_reset_requests.wave"
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: batchConfig(api, "1", adaEmail, graceEmail, adaEmail, strings.ToUpper(adaEmail)),
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, graceEmail),
					expectRequests{api, standin.EndpointRequestReset, 2},
				},
			},
			{
				Config: batchConfig(api, "1", graceEmail, adaEmail),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("sent"), knownvalue.MapSizeExact(2)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, graceEmail),
					expectRequests{api, standin.EndpointRequestReset, 2},
				},
			},
			{
				// terraform_data's output is unknown until it is created.
				Config: providerBlock(api) + fmt.Sprintf(`
resource "terraform_data" "late" {
  input = %q
}

resource "clevermaps_password_reset_requests" "wave" {
  emails      = [%q, %q, terraform_data.late.output]
  concurrency = 4
  triggers = {
    wave = "1"
  }
}
`, extra, graceEmail, adaEmail),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(addr, tfjsonpath.New("sent")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, graceEmail, extra),
					expectRequests{api, standin.EndpointRequestReset, 3},
				},
			},
		},
	})
	want := map[string]int{adaEmail: 1, graceEmail: 1, extra: 1}
	if got := mailCounts(api); !maps.Equal(got, want) {
		t.Errorf("mails went to %v, want %v", got, want)
	}
}

// batchResource renders a batch resource named wave with extra attribute
// lines (HCL) after its emails.
func batchResource(emails []string, extra string) string {
	list, _ := json.Marshal(emails)
	return fmt.Sprintf(`
resource "clevermaps_password_reset_requests" "wave" {
  emails = %s
%s
}
`, list, extra)
}

// A postcondition on unmailed fails the run when an address stays unmailed,
// and the next apply mails only that address: the resource is not tainted
// (a replacement would mail everyone again). Runs on both CLIs.
func TestAccPasswordResetRequests_postconditionFailsRun(t *testing.T) {
	api := newTestAPI(t)
	const ghost = "ghost@example.com"
	const addr = "clevermaps_password_reset_requests.wave"
	config := providerBlock(api) + batchResource([]string{adaEmail, graceEmail, ghost}, `
  lifecycle {
    postcondition {
      condition     = length(self.unmailed) == 0
      error_message = "Not mailed: ${join(", ", keys(self.unmailed))}"
    }
  }`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`Not mailed: ghost@example.com`),
			},
			{
				PreConfig: func() {
					api.AddAccount(standin.Account{ID: "acc-ghost", Email: ghost, FullName: "Ghost", Status: "ENABLED"})
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						expectToMail(batch.WhyRetry, ghost),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, graceEmail, ghost),
					expectUnmailed(nil),
				},
			},
		},
	})
	want := map[string]int{adaEmail: 1, graceEmail: 1, ghost: 1}
	if got := mailCounts(api); !maps.Equal(got, want) {
		t.Errorf("mails went to %v, want %v", got, want)
	}
}

// The mass-mail guard fails the plan, or the apply when the plan could not
// know the addresses, before anything is sent.
func TestAccPasswordResetRequests_guard(t *testing.T) {
	api := newTestAPI(t)
	three := []string{adaEmail, graceEmail, "third@example.com"}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerBlock(api) + batchResource(three, "  max_new_emails = 2"),
				ExpectError: regexp.MustCompile(`(?s)Too many addresses to mail.*would mail 3 addresses, more than\s+max_new_emails \(2\)`),
			},
			{
				// Unknown until apply: the guard holds at apply time.
				Config: providerBlock(api) + `
resource "terraform_data" "late" {
  input = "third@example.com"
}
` + strings.Replace(batchResource([]string{adaEmail, graceEmail}, "  max_new_emails = 2"),
					`"grace@example.com"]`, `"grace@example.com", terraform_data.late.output]`, 1),
				ExpectError: regexp.MustCompile(`(?s)Too many addresses to mail`),
			},
		},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("the API received %d request(s), want none", n)
	}
}

// already_mailed records addresses without mailing them.
func TestAccPasswordResetRequests_alreadyMailed(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock(api) + batchResource([]string{adaEmail, graceEmail}, fmt.Sprintf("  already_mailed = [%q]", strings.ToUpper(adaEmail))),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{expectToMail(batch.WhyNew, graceEmail)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				expectSentKeys(adaEmail, graceEmail),
				expectRequests{api, standin.EndpointRequestReset, 1},
			},
		}},
	})
	if got, want := mailCounts(api), map[string]int{graceEmail: 1}; !maps.Equal(got, want) {
		t.Errorf("mails went to %v, want %v", got, want)
	}
}

// resend_after re-mails an address once its last mail is that old, and the
// plan names it.
func TestAccPasswordResetRequests_resendAfter(t *testing.T) {
	api := newTestAPI(t)
	const addr = "clevermaps_password_reset_requests.wave"
	clock := &testClock{}
	config := providerBlock(api) + batchResource([]string{adaEmail, graceEmail}, `  resend_after = "1h"`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 2}},
			},
			{
				PreConfig: func() { clock.advance(61 * time.Minute) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						expectToMail(batch.WhyResend, adaEmail, graceEmail),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 4}},
			},
		},
	})
	if got, want := mailCounts(api), map[string]int{adaEmail: 2, graceEmail: 2}; !maps.Equal(got, want) {
		t.Errorf("mails went to %v, want %v", got, want)
	}
}

// An address whose outcome is unknown is not mailed again until the
// configuration says so.
func TestAccPasswordResetRequests_unknownOutcome(t *testing.T) {
	api := newTestAPI(t)
	const addr = "clevermaps_password_reset_requests.wave"
	// The server sends the first mail, then drops the connection.
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{Drop: true, AfterAction: true, Times: 1})
	emails := []string{adaEmail, graceEmail}
	unknownAddress := func() string {
		for _, r := range api.Journal() {
			if r.Endpoint == standin.EndpointRequestReset {
				return map[bool]string{true: adaEmail, false: graceEmail}[strings.Contains(r.Body, adaEmail)]
			}
		}
		return ""
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(api) + batchResource(emails, "  concurrency = 1"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("unmailed"), knownvalue.MapSizeExact(1)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sent"), knownvalue.MapSizeExact(1)),
					expectRequests{api, standin.EndpointRequestReset, 2},
				},
			},
			{
				// Not retried by default: the plan is empty.
				Config: providerBlock(api) + batchResource(emails, "  concurrency = 1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 2}},
			},
			{
				Config: providerBlock(api) + batchResource(emails, "  concurrency = 1\n  retry_unknown_outcomes = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfjsonpath.New("to_mail"), knownvalue.MapSizeExact(1)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail, graceEmail),
					expectUnmailed(nil),
					expectRequests{api, standin.EndpointRequestReset, 3},
				},
			},
		},
	})
	u := unknownAddress()
	want := map[string]int{adaEmail: 1, graceEmail: 1}
	want[u] = 2 // the dropped answer's mail, then the one asked for
	if got := mailCounts(api); !maps.Equal(got, want) {
		t.Errorf("mails went to %v, want %v", got, want)
	}
}

// A 200 sign-in page in place of the API's 201 does not prove a mail went
// out, nor that none did: the address is left as outcome_unknown, and, like
// any unknown outcome, it is not mailed again until the configuration says
// so. Neither a recorded success nor a plain failure, either of which the
// next apply would act on.
func TestAccPasswordResetRequests_answerNotFromAPI(t *testing.T) {
	api := newTestAPI(t)
	const addr = "clevermaps_password_reset_requests.wave"
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{Status: 200, Body: signInPage, ContentType: "text/html", Times: 1})
	emails := []string{adaEmail}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(api) + batchResource(emails, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(),
					expectUnmailed(map[string]string{adaEmail: "outcome_unknown"}),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("unmailed").AtMapKey(adaEmail).AtMapKey("detail"),
						knownvalue.StringRegexp(regexp.MustCompile(`most likely not the CleverMaps API`))),
					expectRequests{api, standin.EndpointRequestReset, 1},
				},
			},
			{
				// Not sent again by default: the plan is empty.
				Config: providerBlock(api) + batchResource(emails, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 1}},
			},
			{
				Config: providerBlock(api) + batchResource(emails, "  retry_unknown_outcomes = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectToMail("retry", adaEmail)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectSentKeys(adaEmail),
					expectUnmailed(nil),
					expectRequests{api, standin.EndpointRequestReset, 2},
				},
			},
		},
	})
	// The page answered in the API's place, so only the requested retry mailed.
	if got, want := mailCounts(api), map[string]int{adaEmail: 1}; !maps.Equal(got, want) {
		t.Errorf("mails went to %v, want %v", got, want)
	}
}

// The default timeout grows with the wave. At CI scale: 300 addresses
// against a server that takes 250 ms per request and allows 20 requests a
// second, with the provider at its defaults and the rule shrunk to one
// second plus 100 ms per address (31 s; the pacing alone needs 15 s).
func TestAccPasswordResetRequests_defaultTimeoutFinishesWave(t *testing.T) {
	shrunk := providerFactoriesWith(func(p *clevermapsProvider) {
		p.batchTimeout = batch.TimeoutRule{Base: time.Second, PerAddress: 100 * time.Millisecond}
	})

	const n = 300
	emails := make([]string, n)
	api := standin.NewServer(standin.Config{RateLimit: 20, Latency: 250 * time.Millisecond})
	for i := range emails {
		emails[i] = fmt.Sprintf("wave%03d@example.com", i)
		api.AddAccount(standin.Account{Email: emails[i], FullName: "Wave"})
	}
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	start := time.Now()
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: shrunk,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("provider \"clevermaps\" {\n  endpoint = %q\n}\n", api.URL()) +
				batchResource(emails, "  max_new_emails = 0"),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("clevermaps_password_reset_requests.wave", tfjsonpath.New("sent"), knownvalue.MapSizeExact(n)),
				expectUnmailed(nil),
			},
		}},
	})
	t.Logf("%d addresses at 20/s with 250 ms latency: %v", n, time.Since(start).Round(time.Millisecond))
	counts := mailCounts(api)
	for _, e := range emails {
		if counts[e] != 1 {
			t.Errorf("%s got %d mails, want 1", e, counts[e])
		}
	}
}

// advanceClock is a pre-apply plan check that only moves the provider's
// clock: time passing between `plan -out` and `apply` of the saved plan, as
// in a pipeline where a person reviews the plan. terraform-plugin-testing
// applies the plan file it checked.
type advanceClock struct {
	clock *testClock
	by    time.Duration
}

func (a advanceClock) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	a.clock.advance(a.by)
}

// Saved plans apply as reviewed, whatever falls due before the apply: what
// resend_after makes due is decided at refresh (checked_at), so the CLI's
// re-plan during apply computes the same to_mail. Runs on both CLIs.
func TestAccPasswordResetRequests_savedPlanApplies(t *testing.T) {
	api := newTestAPI(t)
	clock := &testClock{}
	const extra = "extra@example.com"
	api.AddAccount(standin.Account{Email: extra, FullName: "Extra"})
	two := providerBlock(api) + batchResource([]string{adaEmail, graceEmail}, `  resend_after = "1h"`)
	three := providerBlock(api) + batchResource([]string{adaEmail, graceEmail, extra}, `  resend_after = "1h"`)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock),
		Steps: []resource.TestStep{
			{Config: two},
			{
				// Planned at 30 minutes: only the new address. Applied at
				// 70, when the first two have lapsed: still only the new
				// address, which is mailed at 70.
				PreConfig: func() { clock.advance(30 * time.Minute) },
				Config:    three,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectToMail(batch.WhyNew, extra), advanceClock{clock, 40 * time.Minute}},
				},
				// The clock moved on after the plan: the next plan has work.
				ExpectNonEmptyPlan: true,
				ConfigStateChecks:  []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 3}},
			},
			{
				// Planned at 70: the first two are due, the new one is not.
				// Applied at 140, when it has lapsed too: exactly the
				// planned two.
				Config: three,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{expectToMail(batch.WhyResend, adaEmail, graceEmail), advanceClock{clock, 70 * time.Minute}},
				},
				// The clock moved on after the plan: the next plan has work.
				ExpectNonEmptyPlan: true,
				ConfigStateChecks:  []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 5}},
			},
			{
				// A fresh plan mails the rest.
				Config: three,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{expectToMail(batch.WhyResend, extra)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 6}},
			},
		},
	})
	if got, want := mailCounts(api), map[string]int{adaEmail: 2, graceEmail: 2, extra: 2}; !maps.Equal(got, want) {
		t.Errorf("mails went to %v, want %v", got, want)
	}
}

// toMailBefore checks what the plan shows to_mail changing from: the
// refreshed state's value.
type toMailBefore struct{ want int }

func (c toMailBefore) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != "clevermaps_password_reset_requests.wave" {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		if m, _ := before["to_mail"].(map[string]any); len(m) != c.want {
			resp.Error = fmt.Errorf("the plan shows to_mail changing from %v, want %d entries", before["to_mail"], c.want)
		}
		return
	}
	resp.Error = errors.New("no change planned for clevermaps_password_reset_requests.wave")
}

// After a wave, a plan that adds one address shows that address in to_mail
// and nothing else: the refresh emptied the last wave's to_mail, which would
// otherwise show as a removal per address.
func TestAccPasswordResetRequests_planShowsOnlyWhatItAdds(t *testing.T) {
	api := newTestAPI(t)
	const extra = "extra@example.com"
	api.AddAccount(standin.Account{Email: extra, FullName: "Extra"})
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: providerBlock(api) + batchResource([]string{adaEmail, graceEmail}, "")},
			{
				Config: providerBlock(api) + batchResource([]string{adaEmail, graceEmail, extra}, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{toMailBefore{0}, expectToMail(batch.WhyNew, extra)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectRequests{api, standin.EndpointRequestReset, 3}},
			},
		},
	})
}

// An already_mailed address that is not in emails is an error at plan time
// that names it, and nothing is sent.
func TestAccPasswordResetRequests_alreadyMailedTypo(t *testing.T) {
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      providerBlock(api) + batchResource([]string{adaEmail, graceEmail}, `  already_mailed = ["grace@exmaple.com"]`),
			ExpectError: regexp.MustCompile(`(?s)Address not in emails.*"grace@exmaple.com" is in already_mailed but not in\s+emails`),
		}},
	})
	if n := len(api.Journal()); n != 0 {
		t.Errorf("%d requests reached the API, want none", n)
	}
}
