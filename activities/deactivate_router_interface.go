package activities

import (
	"context"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/activity"

	"github.com/vpcflow/vpcflow/contract"
)

// DeactivateRouterInterfaceResult reports a deactivate call.
// AlreadyDeactivating is true when the call found the interface already
// Deactivating or Inactive, which is what a retry sees after a lost
// response; Attempt (in CallTrace) then tells whether an earlier attempt of
// this very call may have deactivated it.
type DeactivateRouterInterfaceResult struct {
	RequestId           string `json:"RequestId,omitempty"`
	AlreadyDeactivating bool   `json:"AlreadyDeactivating"`
	CallTrace
}

// deactivateRefused are what DeactivateRouterInterface answers for an
// interface that is not Active ("RouterInterface can be operated by this
// action only when it's status is Active."): IncorrectRIStatus, and
// IncorrectStatus in older versions of its document.
var deactivateRefused = map[string]bool{"IncorrectRIStatus": true, "IncorrectStatus": true}

// DeactivateRouterInterface takes an Active interface down: Active ->
// Deactivating -> Inactive. The API takes no ClientToken, so a retry is
// made safe by reading: the refusal of an interface that is not Active is
// settled by DescribeRouterInterfaces. Deactivating or Inactive, an earlier
// attempt (or someone else) did it; Active, the read may lag behind the
// refusal and the call is retried; anything else is on its way to Active
// (Connecting, Activating: retried as busy) or cannot be deactivated.
func (a *CloudActivities) DeactivateRouterInterface(ctx context.Context, in RouterInterfaceRef) (DeactivateRouterInterfaceResult, error) {
	req := vpc.CreateDeactivateRouterInterfaceRequest()
	req.RegionId = in.RegionId
	req.RouterInterfaceId = in.RouterInterfaceId
	info := activity.GetInfo(ctx)
	resp, err := observed(ctx, a.Calls, "DeactivateRouterInterface", a.VPC.DeactivateRouterInterface, req)
	if err == nil {
		return DeactivateRouterInterfaceResult{
			RequestId: resp.RequestId,
			CallTrace: CallTrace{RequestIds: []string{resp.RequestId}, Attempt: info.Attempt, CloudState: RouterInterfaceDeactivating},
		}, nil
	}
	code := errorCode(err)
	if !deactivateRefused[code] {
		return DeactivateRouterInterfaceResult{}, CloudError(ctx, "DeactivateRouterInterface", in.RouterInterfaceId, err)
	}
	ri, rerr := a.describeRouterInterface(ctx, in)
	if rerr != nil {
		return DeactivateRouterInterfaceResult{}, rerr
	}
	trace := CallTrace{RequestIds: append([]string{requestIDOf(err)}, ri.RequestIds...), Attempt: info.Attempt, CloudState: ri.Status}
	switch ri.Status {
	case RouterInterfaceDeactivating, RouterInterfaceInactive:
		return DeactivateRouterInterfaceResult{AlreadyDeactivating: true, CallTrace: trace}, nil
	case RouterInterfaceActive, RouterInterfaceConnecting, RouterInterfaceAcceptingConnecting, RouterInterfaceActivating, RouterInterfaceModifying:
		return DeactivateRouterInterfaceResult{}, CloudError(ctx, "DeactivateRouterInterface", in.RouterInterfaceId, err) // busy: retried
	default:
		row, _ := LookupErrorCode(code)
		row.Class, row.Fix = contract.Permanent, "the interface is "+ri.Status+"; only an Active interface can be deactivated"
		return DeactivateRouterInterfaceResult{}, classifiedCloudError(ctx, "DeactivateRouterInterface", in.RouterInterfaceId, err, row)
	}
}

// WaitRouterInterfaceInactiveInput asks to wait until an interface is
// Inactive.
type WaitRouterInterfaceInactiveInput struct {
	RouterInterfaceRef
	// DeactivatedAt is when this rollback's deactivate was answered; zero if
	// it found the interface already deactivating. For ReadAfterWriteGrace
	// after it, a read that shows the interface Active is taken as lagging
	// behind the deactivate.
	DeactivatedAt time.Time `json:"DeactivatedAt,omitzero"`
	Deadline      time.Time `json:"Deadline"`
}

// WaitRouterInterfaceInactive polls DescribeRouterInterfaces until the
// interface is Inactive. Deactivating is on the way; Active past the grace
// after the deactivate means someone activated it again, and every other
// state cannot lead to Inactive: the wait ends at once.
func (a *CloudActivities) WaitRouterInterfaceInactive(ctx context.Context, in WaitRouterInterfaceInactiveInput) (RouterInterface, error) {
	what := "router interface " + in.RouterInterfaceId + " to become Inactive"
	return a.waitRouterInterface(ctx, in.RouterInterfaceRef, in.Deadline, in.DeactivatedAt, what, func(ri RouterInterface, p PollProgress) (bool, error) {
		switch {
		case ri.Status == RouterInterfaceInactive:
			return true, nil
		case ri.Status == RouterInterfaceDeactivating:
			return false, nil
		case ri.Status == RouterInterfaceActive && withinGrace(in.DeactivatedAt):
			return false, nil // the read lags behind our deactivate
		case ri.Status == RouterInterfaceActive:
			return false, unreachableState(what, ri.Status, "the interface is Active again after the deactivate: someone activated it; find out who before rolling back again", p)
		}
		return false, unreachableState(what, ri.Status, "only an Active or Deactivating interface becomes Inactive", p)
	})
}
