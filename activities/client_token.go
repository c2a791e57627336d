package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"go.temporal.io/sdk/activity"
)

// clientToken derives the ClientToken of a call from the workflow ID and the
// call's place in the workflow, so a retried attempt sends the same token and
// the cloud answers it as the first submission. Tokens are at most 64 ASCII
// characters; a hash keeps long workflow IDs within that.
func clientToken(ctx context.Context, parts ...any) string {
	id := "local"
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		id = info.WorkflowExecution.ID + "/" + info.ActivityType.Name
	}
	sum := sha256.Sum256(fmt.Append([]byte(id), parts...))
	return "vpcflow-" + hex.EncodeToString(sum[:20])
}
