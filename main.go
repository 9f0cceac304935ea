// Command terraform-provider-clevermaps serves the CleverMaps provider to
// Terraform and OpenTofu over plugin protocol 6.
package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/provider"
)

// version is set by the release build with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		provider.AlignLogLevels()
	}

	// tf6server rather than providerserver.Serve: the provider's server is
	// the framework's behind provider.NewProtocol6Server's front layer.
	if err := tf6server.Serve("registry.terraform.io/clevermaps/clevermaps", provider.NewProtocol6Server(version), opts...); err != nil {
		log.Fatal(err)
	}
}
