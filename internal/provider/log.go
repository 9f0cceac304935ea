package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// tflogAdapter sends the API client's log lines to terraform-plugin-log, so
// that they show up with TF_LOG like the provider's own. The client never
// puts a secret into a field; the masks set in secretContext are a second
// line of defence.
type tflogAdapter struct{}

func (tflogAdapter) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

func (tflogAdapter) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.Warn(ctx, msg, fields)
}

// secretContext masks the given secrets in every log line written with the
// returned context, messages and field values alike.
func secretContext(ctx context.Context, secrets ...string) context.Context {
	var nonEmpty []string
	for _, s := range secrets {
		if s != "" {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if len(nonEmpty) == 0 {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, nonEmpty...)
	return tflog.MaskAllFieldValuesStrings(ctx, nonEmpty...)
}
