package provider

import (
	"context"
	"runtime"
	"testing"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestFrontServer_releasesRequestContexts checks that nothing a request's
// context holds outlives the request when it goes through frontServer, and,
// as a sentinel, that the framework's own server still keeps it: once a
// framework release stops doing that, this test says so and frontServer's
// releasing layer can go.
func TestFrontServer_releasesRequestContexts(t *testing.T) {
	type payloadKey struct{}
	retained := func(server tfprotov6.ProviderServer) bool {
		payload := new([1 << 16]byte)
		ref := weak.Make(payload)
		ctx := context.WithValue(context.Background(), payloadKey{}, payload)
		// Any call that reaches the framework registers its context there;
		// an unknown type name is answered with an error diagnostic.
		resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "clevermaps_no_such_type"})
		if err != nil || len(resp.Diagnostics) == 0 {
			t.Fatalf("expected an error diagnostic for an unknown type, got %v %v", err, resp)
		}
		payload, ctx = nil, nil //nolint:ineffassign,staticcheck,wastedassign // Drop the test's own references before collecting.
		runtime.GC()
		runtime.GC()
		kept := ref.Value() != nil
		runtime.KeepAlive(server) // the server lives on, as it does in the provider process
		return kept
	}

	if retained(NewProtocol6Server("test")()) {
		t.Error("frontServer: a request's context was still reachable after the request returned")
	}
	if !retained(providerserver.NewProtocol6(New("test")())()) {
		t.Error("the framework's server no longer keeps request contexts: frontServer's releasing layer " +
			"(releasing, releasableContext) is no longer needed; remove it")
	}
}
