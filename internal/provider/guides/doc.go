// Package guides holds acceptance tests that follow a guide of the docs
// step by step, running its scripts and its configuration from examples/
// unchanged with a real CLI and the provider binary built from this tree,
// as a user would. It has no code of its own.
package guides
