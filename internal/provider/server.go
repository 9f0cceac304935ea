package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// NewProtocol6Server returns a function that creates the provider's plugin
// protocol 6 server, for tf6server.Serve and for tests. It is the
// framework's server behind frontServer, a workaround for a framework bug
// (context_release.go), and every test and the released binary share it.
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		return newProtocol6Server(newProvider(version))
	}
}

// newProtocol6Server serves p; tests use it to give p another clock.
func newProtocol6Server(p *clevermapsProvider) tfprotov6.ProviderServer {
	// The framework's server also serves actions, list resources and state
	// stores, through interfaces tf6server looks for; keep them visible.
	fw := providerserver.NewProtocol6(p)().(frameworkServer) //nolint:forcetypeassert // The framework's server implements them all; every test starts here.
	return &frontServer{frameworkServer: fw}
}

// frameworkServer is what the framework's protocol 6 server implements.
type frameworkServer interface {
	tfprotov6.ProviderServerWithActions //nolint:staticcheck // terraform-plugin-go v0.31 serves actions through this interface.
	tfprotov6.ListResourceServer
	tfprotov6.StateStoreServer
}
