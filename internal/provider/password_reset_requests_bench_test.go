package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/standin"
)

// BenchmarkBatchResource times the provider's side of each protocol call
// Terraform core makes for one clevermaps_password_reset_requests with N
// addresses: validate, plan and apply of the create, then the refresh and
// plan of a run with nothing to change. The CLI's own cost is measured by
// `make bench`; this isolates the provider's, which is what grows with N.
func BenchmarkBatchResource(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			benchmarkBatchResource(b, n)
		})
	}
}

func benchmarkBatchResource(b *testing.B, n int) {
	const typeName = "clevermaps_password_reset_requests"
	accounts := make([]standin.Account, n)
	emails := make([]tftypes.Value, n)
	for i := range n {
		email := fmt.Sprintf("user%05d@example.com", i)
		accounts[i] = standin.Account{ID: fmt.Sprintf("acc-%d", i), Email: email, FullName: email, Status: "ENABLED"}
		emails[i] = tftypes.NewValue(tftypes.String, email)
	}
	api := standin.NewServer(standin.Config{Accounts: accounts})
	if _, err := api.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = api.Close() })

	ps := newProtocolServer(b, map[string]tftypes.Value{"endpoint": tftypes.NewValue(tftypes.String, api.URL())})
	typ := ps.resourceTypes[typeName]
	config := dynamicValue(b, typ, map[string]tftypes.Value{
		"emails":      tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, emails),
		"concurrency": tftypes.NewValue(tftypes.Number, 32),
		// The mass-mail guard would refuse a first wave of this size.
		"max_new_emails": tftypes.NewValue(tftypes.Number, 0),
	})
	nullState, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if err != nil {
		b.Fatal(err)
	}
	ctx := productionLogContext(b)

	check := func(b *testing.B, what string, diags []*tfprotov6.Diagnostic, err error) {
		b.Helper()
		if err != nil || hasErrors(diags) {
			b.Fatalf("%s: %v %s", what, err, diagText(diags))
		}
	}
	planCreate := func(b *testing.B) *tfprotov6.DynamicValue {
		resp, err := ps.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
			TypeName: typeName, PriorState: &nullState, ProposedNewState: config, Config: config,
		})
		check(b, "plan (create)", resp.Diagnostics, err)
		return resp.PlannedState
	}
	applyCreate := func(b *testing.B, planned *tfprotov6.DynamicValue) *tfprotov6.DynamicValue {
		resp, err := ps.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
			TypeName: typeName, PriorState: &nullState, PlannedState: planned, Config: config,
		})
		check(b, "apply (create)", resp.Diagnostics, err)
		return resp.NewState
	}
	state := applyCreate(b, planCreate(b))

	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			resp, err := ps.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: typeName, Config: config})
			check(b, "validate", resp.Diagnostics, err)
		}
	})
	b.Run("plan-create", func(b *testing.B) {
		for b.Loop() {
			planCreate(b)
		}
	})
	b.Run("apply-create", func(b *testing.B) {
		planned := planCreate(b)
		for b.Loop() {
			applyCreate(b, planned)
		}
	})
	noChange := &tfprotov6.PlanResourceChangeRequest{TypeName: typeName, PriorState: state, ProposedNewState: state, Config: config}
	b.Run("refresh", func(b *testing.B) {
		for b.Loop() {
			resp, err := ps.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: state})
			check(b, "refresh", resp.Diagnostics, err)
		}
	})
	b.Run("plan-no-change", func(b *testing.B) {
		for b.Loop() {
			resp, err := ps.PlanResourceChange(ctx, noChange)
			check(b, "plan (no change)", resp.Diagnostics, err)
		}
	})
}
