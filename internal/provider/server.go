package provider

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// NewProtocol6Server returns a function that creates the provider's plugin
// protocol 6 server, for tf6server.Serve and for tests. It is the
// framework's server with a thin layer in front (frontServer), which every
// test and the released binary share.
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		p := &clevermapsProvider{version: version}
		// The framework's server also serves actions, list resources and
		// state stores, through interfaces tf6server looks for; keep them
		// visible.
		fw := providerserver.NewProtocol6(p)().(frameworkServer) //nolint:forcetypeassert // The framework's server implements them all; every test starts here.
		return &frontServer{frameworkServer: fw, provider: p}
	}
}

// frameworkServer is what the framework's protocol 6 server implements.
type frameworkServer interface {
	tfprotov6.ProviderServerWithActions //nolint:staticcheck // terraform-plugin-go v0.31 serves actions through this interface.
	tfprotov6.ListResourceServer
	tfprotov6.StateStoreServer
}

// frontServer stands between terraform-plugin-go and the framework. It
// changes no answer; it does two things the framework cannot be told to do
// (DESIGN.md, section 5, has the measurements):
//
//   - It hands the framework a context that lets go of the request once the
//     call returns. The framework (v1.19) keeps every request's context until
//     the provider process stops, for StopProvider, and with it the loggers
//     and values terraform-plugin-go attached to it, all of which every
//     garbage collection then scans. Only a small shell per call remains.
//     TestFrontServer_releasesRequestContexts shows both.
//   - It answers some calls that Terraform makes once per resource instance
//     without the framework, where the framework's generic walk over the
//     schema and the values costs more than the work itself (fastpath.go).
//     Each answers exactly as the framework would, which TestFastPaths_*
//     check against the framework over random inputs, and anything else
//     goes to the framework.
//
// ListResource and InvokeAction are not wrapped: their results are produced
// after they return, with their contexts.
type frontServer struct {
	frameworkServer

	provider *clevermapsProvider
	// noFastPaths sends every call to the framework; tests set it to
	// compare the fast paths with the framework.
	noFastPaths bool
}

func (s *frontServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateResourceConfig)
}

func (s *frontServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return releasing(ctx, req, s.frameworkServer.UpgradeResourceState)
}

func (s *frontServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if resp, ok := s.readUnchanged(req); ok {
		return resp, nil
	}
	return releasing(ctx, req, s.frameworkServer.ReadResource)
}

func (s *frontServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if resp, ok := s.planUnchangedBatch(ctx, req); ok {
		return resp, nil
	}
	return releasing(ctx, req, s.frameworkServer.PlanResourceChange)
}

func (s *frontServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ApplyResourceChange)
}

func (s *frontServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ImportResourceState)
}

func (s *frontServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	if resp, ok := s.validateResetToken(ctx, req); ok {
		return resp, nil
	}
	return releasing(ctx, req, s.frameworkServer.ValidateDataResourceConfig)
}

func (s *frontServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	if resp, ok := s.readResetToken(ctx, req); ok {
		return resp, nil
	}
	return releasing(ctx, req, s.frameworkServer.ReadDataSource)
}

func (s *frontServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateEphemeralResourceConfig)
}

func (s *frontServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return releasing(ctx, req, s.frameworkServer.OpenEphemeralResource)
}

func (s *frontServer) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	return releasing(ctx, req, s.frameworkServer.ValidateActionConfig)
}

func (s *frontServer) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	return releasing(ctx, req, s.frameworkServer.PlanAction)
}

func (s *frontServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return releasing(ctx, req, s.frameworkServer.RenewEphemeralResource)
}

func (s *frontServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return releasing(ctx, req, s.frameworkServer.CloseEphemeralResource)
}

func (s *frontServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return releasing(ctx, req, s.frameworkServer.MoveResourceState)
}

func (s *frontServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return releasing(ctx, req, s.frameworkServer.UpgradeResourceIdentity)
}

func (s *frontServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return releasing(ctx, req, s.frameworkServer.CallFunction)
}

// releasing calls f with a context that forgets ctx once f has returned
// (see frontServer). Only calls that finish their work before returning may
// use it.
func releasing[Req, Resp any](ctx context.Context, req Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	rc := &releasableContext{}
	rc.inner.Store(&ctx)
	defer rc.inner.Store(&finishedContext)
	return f(rc, req)
}

// finishedContext is what a released context becomes: done, with no values.
var finishedContext = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// releasableContext delegates to the request's context until it is
// released. A context derived from it while the call runs is cancelled with
// the request, since Done and the cancellation lookup in Value reach the
// request's own context. Once released it is done (Err is Canceled), has no
// deadline and no values, so a late log line through it logs nothing.
type releasableContext struct {
	inner atomic.Pointer[context.Context]
}

func (c *releasableContext) ctx() context.Context { return *c.inner.Load() }

func (c *releasableContext) Deadline() (time.Time, bool) { return c.ctx().Deadline() }
func (c *releasableContext) Done() <-chan struct{}       { return c.ctx().Done() }
func (c *releasableContext) Err() error                  { return c.ctx().Err() }
func (c *releasableContext) Value(key any) any           { return c.ctx().Value(key) }

// protoDiagnostics converts diagnostics made by the provider's own code for
// the fast paths, as the framework's server would; none is nil.
func protoDiagnostics(diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	if len(diags) == 0 {
		return nil
	}
	out := make([]*tfprotov6.Diagnostic, 0, len(diags))
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityInvalid, Summary: d.Summary(), Detail: d.Detail()}
		switch d.Severity() {
		case diag.SeverityError:
			pd.Severity = tfprotov6.DiagnosticSeverityError
		case diag.SeverityWarning:
			pd.Severity = tfprotov6.DiagnosticSeverityWarning
		}
		if dp, ok := d.(diag.DiagnosticWithPath); ok {
			pd.Attribute = attributePath(dp.Path())
		}
		out = append(out, pd)
	}
	return out
}

// attributePath converts the paths the fast paths use (attribute names and
// element keys).
func attributePath(p path.Path) *tftypes.AttributePath {
	steps := p.Steps()
	if len(steps) == 0 {
		return nil
	}
	ap := tftypes.NewAttributePath()
	for _, step := range steps {
		switch st := step.(type) {
		case path.PathStepAttributeName:
			ap = ap.WithAttributeName(string(st))
		case path.PathStepElementKeyString:
			ap = ap.WithElementKeyString(string(st))
		case path.PathStepElementKeyInt:
			ap = ap.WithElementKeyInt(int(st))
		default:
			return nil
		}
	}
	return ap
}
