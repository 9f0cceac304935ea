package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Both reset-request resources decide what resend_after makes due from the
// clock reading of the last refresh, kept in state as checked_at, never from
// the clock at plan time. The CLI plans again while it applies a saved plan,
// from the prior state the plan was made with: reading the clock there would
// find addresses that fell due in between and fail the apply with
// "Provider produced inconsistent final plan". hashicorp/time's
// time_rotating takes the same approach (it decides in Read).

const checkedAtAttr = "checked_at"

// checkedAtAttribute is the schema of checked_at.
func checkedAtAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "When the provider last checked `resend_after`, in RFC 3339 format (UTC): the time of the " +
			"last refresh, or of the apply that created the resource. A plan mails again what is due at this time, so " +
			"that a saved plan applies exactly as it was reviewed, however long after it was made. A plan made with " +
			"`-refresh=false` does not move it, so it finds nothing newly due.",
		Computed:      true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// refreshCheckedAt records the clock reading of a refresh.
func refreshCheckedAt(ctx context.Context, now time.Time, resp *resource.ReadResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(checkedAtAttr), formatTime(now))...)
}

// checkedAt is the time a plan measures resend_after to, and whether state
// has one (state written before checked_at existed has none until its next
// refresh; nothing is due then).
func checkedAt(v types.String) (time.Time, bool) {
	if v.IsNull() || v.IsUnknown() {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v.ValueString())
	return t, err == nil
}

func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}
