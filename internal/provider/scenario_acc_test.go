package provider

import (
	"context"
	"encoding/json"
	"fmt"
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

// The cases 1, 2 and 4 and an all-unknown batch, through a real CLI:
// the same settings as the fixed scenarios of TestScenarios, asserted through
// the stand-in's outbox and the state, then a second plan that must be empty.

// accScenario is one fixed scenario for the CLI.
type accScenario struct {
	provider string // attributes of the provider block besides endpoint
	server   standin.Config
	emails   []string
	extra    string // attributes of the resource block besides emails
	// wantUnmailed is the reason every address must have in `unmailed`, or
	// "" when every address must be in `sent`.
	wantUnmailed string
}

func runAccScenario(t *testing.T, sc accScenario) {
	t.Helper()
	cfg := sc.server
	for i, e := range sc.emails {
		cfg.Accounts = append(cfg.Accounts, standin.Account{Email: e, FullName: fmt.Sprintf("Scenario User %d", i), Status: standin.StatusEnabled})
	}
	api := standin.NewServer(cfg)
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("starting the stand-in API: %v", err)
	}
	t.Cleanup(func() { _ = api.Close() })

	list, _ := json.Marshal(sc.emails)
	config := fmt.Sprintf(`
provider "clevermaps" {
  endpoint = %q
  %s
}

resource "clevermaps_password_reset_requests" "wave" {
  emails = %s
  %s
}
`, api.URL(), sc.provider, list, sc.extra)

	const addr = "clevermaps_password_reset_requests.wave"
	var sent, unmailed knownvalue.Check = knownvalue.MapSizeExact(len(sc.emails)), knownvalue.MapSizeExact(0)
	if sc.wantUnmailed != "" {
		sent = knownvalue.MapSizeExact(0)
		reasons := map[string]knownvalue.Check{}
		for _, e := range sc.emails {
			reasons[e] = knownvalue.ObjectPartial(map[string]knownvalue.Check{"reason": knownvalue.StringExact(sc.wantUnmailed)})
		}
		unmailed = knownvalue.MapExact(reasons)
	}
	var start time.Time
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { start = time.Now() },
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					logElapsed{t, &start},
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("sent"), sent),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("unmailed"), unmailed),
					expectOneMailEach{api, sc.emails},
				},
			},
			{
				// Nothing is left to mail, so the next plan is empty: an
				// unknown outcome is not mailed again.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectOneMailEach{api, sc.emails}},
			},
		},
	})
}

// expectOneMailEach asserts that every address got exactly one mail and
// nobody else got any. The server may still act on a request the client gave
// up on, so it waits (boundedly) for mails still due.
type expectOneMailEach struct {
	api    *standin.Server
	emails []string
}

func (e expectOneMailEach) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	var counts map[string]int
	for deadline := time.Now().Add(5 * time.Second); ; {
		counts = map[string]int{}
		for _, m := range e.api.Outbox() {
			counts[strings.ToLower(m.To)]++
		}
		if len(counts) >= len(e.emails) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var wrong []string
	for _, a := range e.emails {
		if n := counts[strings.ToLower(a)]; n != 1 {
			wrong = append(wrong, fmt.Sprintf("%s got %d", a, n))
		}
	}
	if len(wrong) > 0 || len(counts) != len(e.emails) {
		resp.Error = fmt.Errorf("want exactly one mail to each of %d addresses and none to anyone else; %d addresses got mail; %s",
			len(e.emails), len(counts), strings.Join(wrong, ", "))
	}
}

// logElapsed logs how long the step's apply took. Speed is never asserted
// in tests (the machine is shared); `make bench` measures it.
type logElapsed struct {
	t     *testing.T
	start *time.Time
}

func (l logElapsed) CheckState(context.Context, statecheck.CheckStateRequest, *statecheck.CheckStateResponse) {
	l.t.Logf("plan and apply took %s", time.Since(*l.start).Round(time.Millisecond))
}

func scenarioEmails(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d@example.com", prefix, i)
	}
	return out
}

// Issue 10, case 1: a gentle client-side rate with many parallel calls once
// crashed the provider after mails went out.
func TestAccScenario_case1GentleRateManyCalls(t *testing.T) {
	runAccScenario(t, accScenario{
		provider: "requests_per_second = 2\n  max_concurrent_requests = 16\n  request_timeout_ms = 3000",
		emails:   scenarioEmails("case1-", 12),
		extra:    "concurrency = 16",
	})
}

// Case 2: a server that takes 1.2 s per request, one request at a time;
// waiting in line must not count against the request timeout.
func TestAccScenario_case2SlowServer(t *testing.T) {
	runAccScenario(t, accScenario{
		provider: "max_concurrent_requests = 1\n  request_timeout_ms = 2000",
		server:   standin.Config{Latency: 1200 * time.Millisecond},
		emails:   scenarioEmails("case2-", 4),
	})
}

// Case 4: a server limit of 50 requests per second (burst 5) that the
// provider, at its defaults, was not told about. The log line gives the wall
// time (the target is 1.3 x 300/50 + 3 s = 10.8 s; `make bench`
// measures it).
func TestAccScenario_case4UnconfiguredServerLimit(t *testing.T) {
	runAccScenario(t, accScenario{
		server: standin.Config{RateLimit: 50, RateBurst: 5},
		emails: scenarioEmails("case4-", 300),
	})
}

// A server slower than the request timeout: it mails everyone after the
// client gave up. Every outcome is unknown, the apply succeeds with a
// warning (an error would taint the resource and mail everyone again), and
// the next plan mails nobody.
func TestAccScenario_allOutcomesUnknown(t *testing.T) {
	runAccScenario(t, accScenario{
		provider:     "request_timeout_ms = 200",
		server:       standin.Config{Latency: 800 * time.Millisecond},
		emails:       scenarioEmails("late-", 4),
		wantUnmailed: batch.ReasonOutcomeUnknown,
	})
}
