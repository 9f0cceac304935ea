// Package conformance holds black-box tests of the CleverMaps password-reset
// API's contract and of the assumptions the stand-in and the provider make
// where the contract is silent (DESIGN.md, Assumptions). By default they run
// against the stand-in started on 127.0.0.1; with CLEVERMAPS_CONFORMANCE_ENDPOINT
// set they run against that API instead (see CONTRIBUTING.md), so that the
// same checks tell whether the stand-in still matches the real service.
package conformance
