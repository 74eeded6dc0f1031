package serve

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// detachedContextServer gives each per-resource call a context of its own
// that ends with the call and holds nothing else. It works around
// terraform-plugin-framework keeping the context of every call until the
// provider stops (proto6server's registerContext keeps each call's cancel
// func, and with it the context and the SDK loggers in its values, about
// 10 KB a call): memory grew with every resource of a run, to 150 MB and more
// at 1,000 identities. Drop it once the framework forgets a call's context
// when the call returns (v1.19.0 does not; no upstream issue yet, the text
// for one is in this repository's issue 17).
//
// Used only when nobody reads the logs (see silenceUnreadLogs): the loggers
// live in the values this context leaves out.
type detachedContextServer struct {
	tfprotov6.ProviderServer
}

// detach returns a context that ends when parent ends or the call returns
// (call done), and refers to nothing of parent once done has run.
func detach(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(parent, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

func callDetached[Req, Resp any](ctx context.Context, req Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	ctx, done := detach(ctx)
	defer done()
	return f(ctx, req)
}

func (s detachedContextServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.ValidateResourceConfig)
}

func (s detachedContextServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.UpgradeResourceState)
}

func (s detachedContextServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.UpgradeResourceIdentity)
}

func (s detachedContextServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.ReadResource)
}

func (s detachedContextServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.PlanResourceChange)
}

func (s detachedContextServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.ApplyResourceChange)
}

func (s detachedContextServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.ImportResourceState)
}

func (s detachedContextServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.ValidateDataResourceConfig)
}

func (s detachedContextServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.ReadDataSource)
}

func (s detachedContextServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.ValidateEphemeralResourceConfig)
}

func (s detachedContextServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.OpenEphemeralResource)
}

func (s detachedContextServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.RenewEphemeralResource)
}

func (s detachedContextServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return callDetached(ctx, req, s.ProviderServer.CloseEphemeralResource)
}

// The framework serves list resources through an interface of its own,
// which embedding ProviderServer does not pass on.
var _ tfprotov6.ListResourceServer = detachedContextServer{}

func (s detachedContextServer) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return callDetached(ctx, req, s.lists().ValidateListResourceConfig)
}

// ListResource keeps the call's context: the results stream after it
// returns, and a query makes one call per list block, not one per resource.
func (s detachedContextServer) ListResource(ctx context.Context, req *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return s.lists().ListResource(ctx, req)
}

func (s detachedContextServer) lists() tfprotov6.ListResourceServer {
	l, ok := s.ProviderServer.(tfprotov6.ListResourceServer)
	if !ok {
		// providerserver.NewProtocol6 always serves list resources.
		panic("the provider server serves no list resources; this is a bug in the provider")
	}
	return l
}
