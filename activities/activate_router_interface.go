package activities

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/activity"

	"github.com/vpcflow/vpcflow/contract"
)

// ActivateRouterInterfaceResult reports an activate call. AlreadyActivating
// is true when the call found the interface already Activating or Active,
// which is what a retry sees after a lost response; Attempt (in CallTrace)
// then tells whether an earlier attempt of this very call may have
// activated it.
type ActivateRouterInterfaceResult struct {
	RequestId         string `json:"RequestId,omitempty"`
	AlreadyActivating bool   `json:"AlreadyActivating"`
	CallTrace
}

// activateRefused are what ActivateRouterInterface answers for an
// interface that is not Inactive ("RouterInterface can be operated by this
// action only when it's status is Inactive."): IncorrectRIStatus, and
// IncorrectStatus in older versions of its document.
var activateRefused = map[string]bool{"IncorrectRIStatus": true, "IncorrectStatus": true}

// ActivateRouterInterface brings an Inactive interface back: Inactive ->
// Activating -> Active, as a change that was rolled back (its interface
// deactivated) needs to run again. The API takes no ClientToken, so a retry
// is made safe by reading, as for the deactivate: Activating or Active, an
// earlier attempt (or someone else) did it; Inactive, the read may lag
// behind the refusal and the call is retried; Deactivating is on its way to
// Inactive (retried as busy); anything else cannot be activated.
func (a *CloudActivities) ActivateRouterInterface(ctx context.Context, in RouterInterfaceRef) (ActivateRouterInterfaceResult, error) {
	req := vpc.CreateActivateRouterInterfaceRequest()
	req.RegionId = in.RegionId
	req.RouterInterfaceId = in.RouterInterfaceId
	info := activity.GetInfo(ctx)
	resp, err := observed(ctx, a.Calls, "ActivateRouterInterface", a.VPC.ActivateRouterInterface, req)
	if err == nil {
		return ActivateRouterInterfaceResult{
			RequestId: resp.RequestId,
			CallTrace: CallTrace{RequestIds: []string{resp.RequestId}, Attempt: info.Attempt, CloudState: RouterInterfaceActivating},
		}, nil
	}
	code := errorCode(err)
	if !activateRefused[code] {
		return ActivateRouterInterfaceResult{}, CloudError(ctx, "ActivateRouterInterface", in.RouterInterfaceId, err)
	}
	ri, rerr := a.describeRouterInterface(ctx, in)
	if rerr != nil {
		return ActivateRouterInterfaceResult{}, rerr
	}
	trace := CallTrace{RequestIds: append([]string{requestIDOf(err)}, ri.RequestIds...), Attempt: info.Attempt, CloudState: ri.Status}
	switch ri.Status {
	case RouterInterfaceActivating, RouterInterfaceActive:
		return ActivateRouterInterfaceResult{AlreadyActivating: true, CallTrace: trace}, nil
	case RouterInterfaceInactive, RouterInterfaceDeactivating:
		return ActivateRouterInterfaceResult{}, CloudError(ctx, "ActivateRouterInterface", in.RouterInterfaceId, err) // busy: retried
	default:
		row, _ := LookupErrorCode(code)
		row.Class, row.Fix = contract.Permanent, "the interface is "+ri.Status+"; only an Inactive interface can be activated"
		return ActivateRouterInterfaceResult{}, classifiedCloudError(ctx, "ActivateRouterInterface", in.RouterInterfaceId, err, row)
	}
}

// ReadyToActivate checks, on the interface as read, what
// ActivateRouterInterface would refuse: a change activates only the
// InitiatingSide interface it names, and only when it is Inactive.
func (ri RouterInterface) ReadyToActivate() error {
	if ri.Role != RoleInitiatingSide {
		return refusal("ActivateRouterInterface", ri.RouterInterfaceId, "IncorrectRole.NotInitiatingSide",
			"the interface is the "+ri.Role+" of its pair", lastOf(ri.RequestIds))
	}
	return nil
}
