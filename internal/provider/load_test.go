package provider

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin/standintest"
)

// TestAccLoad_thousandRequestsWithFaults applies 1,000 reset-request
// resources in one apply while the API answers every tenth request with 503
// and Retry-After. Every request must succeed, and each address must get
// exactly one mail: the retried 503s were refusals, so nothing is sent twice.
// The server's own records must agree: each address reached it and was
// accepted exactly once, and every other request it counted was a refusal it
// injected.
func TestAccLoad_thousandRequestsWithFaults(t *testing.T) {
	const n = 1000
	accounts := make([]standin.Account, n)
	for i := range accounts {
		e := fmt.Sprintf("load%04d@example.com", i)
		accounts[i] = standin.Account{ID: e, Email: e, FullName: e, Status: standin.StatusEnabled}
	}
	// The recorder of TestScenarios, in front of a stand-in whose every
	// answer is checked against the API contract.
	srv := startScenarioServer(t, standin.Config{
		Accounts: accounts,
		WrapHandler: func(h http.Handler) http.Handler {
			return standintest.Handler(h, func(err error) { t.Errorf("stand-in answer outside the contract: %v", err) })
		},
	})
	srv.api.InjectFault(standin.EndpointRequestReset, standin.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "1", Every: 10})

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// count rather than for_each: plugin-testing's state shim cannot
			// index for_each instances; the CLI's work is the same.
			// Nine retries (ten tries): the faults are every tenth request
			// the server receives, so under load one resource's retries can
			// meet several of them in a row; three tries proved too few.
			Config: fmt.Sprintf(`
provider "clevermaps" {
  endpoint = %q
  retry = {
    attempts     = 9
    min_delay_ms = 10
    max_delay_ms = 100
  }
}
`, srv.url()) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "load" {
  count = %d
  email = format("load%%04d@example.com", count.index)
}
`, n),
		}},
	})

	srv.quiesce(t)
	v := srv.view()
	received := srv.api.Count(standin.EndpointRequestReset)
	if len(v.mails) != n {
		t.Errorf("%d addresses got mail, want %d", len(v.mails), n)
	}
	for _, a := range accounts {
		switch {
		case v.received[a.Email] == 0:
			t.Errorf("no request for %s reached the server", a.Email)
		case v.handled[a.Email] != 1:
			t.Errorf("the server accepted (did not refuse) %d requests for %s, want exactly 1", v.handled[a.Email], a.Email)
		}
		if m := v.mails[a.Email]; m != 1 {
			t.Errorf("%s got %d mails, want 1", a.Email, m)
		}
	}
	accepted, refused := v.statuses[http.StatusCreated], v.statuses[http.StatusServiceUnavailable]
	if accepted+refused != received || len(srv.api.Journal()) != received {
		t.Errorf("the server counted %d requests (journal: %d) but answered %d accepted and %d refused, by status %v",
			received, len(srv.api.Journal()), accepted, refused, v.statuses)
	}
	if refused != v.refused || refused != v.injected {
		t.Errorf("%d answers were 503, %d of them refusals with Retry-After and %d injected: every 503 must be an injected refusal",
			refused, v.refused, v.injected)
	}
	// Without a refusal the retries were never exercised.
	if refused == 0 {
		t.Errorf("the server refused no request: the fault was not injected")
	}
	t.Logf("the server received %d requests: %d accepted, %d refused by the injected fault and retried", received, accepted, refused)
}
