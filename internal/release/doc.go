// Package release holds the acceptance test of the release path: the
// provider built by `make release-snapshot`, laid out by `make mirror` and
// installed by OpenTofu and Terraform from that mirror with a version
// constraint and a lock file, as a pipeline installs it (README, "Install").
// `make testrelease` runs it; it has no non-test code.
package release
