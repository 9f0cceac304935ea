package provider

import (
	"context"
	"reflect"
	"runtime"
	"testing"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestFrontServer_passesOnEveryInterface fails when the framework's server
// has a method that frontServer lacks. terraform-plugin-go finds optional
// parts of the protocol (actions, list resources, state stores, and whatever
// a newer release adds) by asserting interfaces on the server, so a method
// missing here would hide a feature the framework serves.
func TestFrontServer_passesOnEveryInterface(t *testing.T) {
	framework := reflect.TypeOf(providerserver.NewProtocol6(New("test")())())
	front := reflect.TypeOf(NewProtocol6Server("test")())
	if framework.NumMethod() < 30 {
		t.Fatalf("the framework's server has only %d methods; is this the right type (%v)?", framework.NumMethod(), framework)
	}
	for i := range framework.NumMethod() {
		want := framework.Method(i)
		got, ok := front.MethodByName(want.Name)
		if !ok {
			t.Errorf("frontServer does not pass on %s, which the framework's server implements: add it to frameworkServer", want.Name)
			continue
		}
		// Method types include the receiver; compare the rest.
		if !sameSignature(want.Type, got.Type) {
			t.Errorf("frontServer's %s is %v, the framework's is %v", want.Name, got.Type, want.Type)
		}
	}
}

func sameSignature(a, b reflect.Type) bool {
	if a.NumIn() != b.NumIn() || a.NumOut() != b.NumOut() {
		return false
	}
	for i := 1; i < a.NumIn(); i++ {
		if a.In(i) != b.In(i) {
			return false
		}
	}
	for i := range a.NumOut() {
		if a.Out(i) != b.Out(i) {
			return false
		}
	}
	return true
}

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
