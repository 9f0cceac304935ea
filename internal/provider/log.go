package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clevermaps/terraform-provider-clevermaps/internal/client"
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
// returned context, messages and field values alike. Each secret is masked in
// every form in which it travels (as is, path-escaped as in the request URL,
// query-escaped, JSON-escaped as in a request body), since a line that quotes
// a URL or an echoed body shows the escaped form, not the raw one.
func secretContext(ctx context.Context, secrets ...string) context.Context {
	var forms []string
	for _, s := range secrets {
		if s != "" {
			forms = append(forms, client.SecretForms(s)...)
		}
	}
	if len(forms) == 0 {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, forms...)
	return tflog.MaskAllFieldValuesStrings(ctx, forms...)
}
