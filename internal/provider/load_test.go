package provider

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// TestAccLoad_thousandRequestsWithFaults applies 1,000 reset-request
// resources in one apply while the API answers every tenth request with 503
// and Retry-After. Every request must succeed, and each address must get
// exactly one mail: the retried 503s were refusals, so nothing is sent twice.
func TestAccLoad_thousandRequestsWithFaults(t *testing.T) {
	const n = 1000
	api := newTestAPI(t)
	for i := range n {
		e := fmt.Sprintf("load%04d@example.com", i)
		api.AddAccount(standin.Account{ID: e, Email: e, FullName: e, Status: "ENABLED"})
	}
	api.InjectFault(standin.EndpointRequestReset, standin.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "1", Every: 10})

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
`, api.URL()) + fmt.Sprintf(`
resource "clevermaps_password_reset_request" "load" {
  count = %d
  email = format("load%%04d@example.com", count.index)
}
`, n),
			ConfigStateChecks: []statecheck.StateCheck{
				// 1,000 accepted requests plus one refused for every ten
				// received: r - r/10 = 1000 gives r = 1111 (the 1,110th is
				// the last one refused).
				expectRequests{api, standin.EndpointRequestReset, 1111},
			},
		}},
	})

	counts := mailCounts(api)
	if len(counts) != n {
		t.Errorf("%d addresses got mail, want %d", len(counts), n)
	}
	for e, c := range counts {
		if c != 1 {
			t.Errorf("%s got %d mails, want 1", e, c)
		}
	}
}
