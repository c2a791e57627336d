package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/activity"

	"github.com/vpcflow/vpcflow/contract"
)

// ConnectRouterInterfaceResult reports a connect call. AlreadyConnecting is
// true when the call found the interface already Connecting or Active, which
// is what a retry sees after a lost response: nothing was connected twice.
// Attempt (in CallTrace) then tells whether an earlier attempt of this very
// call may have made the connection.
type ConnectRouterInterfaceResult struct {
	RequestId         string `json:"RequestId"`
	AlreadyConnecting bool   `json:"AlreadyConnecting"`
	// AnsweredAt is when the cloud answered the connect, by the clock of
	// the worker that made it: the interface's way to Active starts there,
	// however long the workflow takes to schedule its wait.
	AnsweredAt time.Time `json:"AnsweredAt,omitzero"`
	CallTrace
}

// settledByReading are the refusals of ConnectRouterInterface that a retry
// meets when an earlier attempt's connect went through but its answer was
// lost: the interface is no longer Idle (IncorrectRIStatus), or a connection
// between the two routers is in progress (Forbidden.OnlyOneConnection,
// "Cannot connect concurrently between same routers"; some clouds check
// this before the status). A read tells the two apart from a real refusal.
var settledByReading = map[string]bool{
	"IncorrectRIStatus":           true,
	"Forbidden.OnlyOneConnection": true,
}

// ConnectRouterInterface initiates the connection of an InitiatingSide
// interface. The API takes no ClientToken, so a retry is made safe by
// reading: a refusal in settledByReading is settled by
// DescribeRouterInterfaces.
func (a *CloudActivities) ConnectRouterInterface(ctx context.Context, in RouterInterfaceRef) (ConnectRouterInterfaceResult, error) {
	req := vpc.CreateConnectRouterInterfaceRequest()
	req.RegionId = in.RegionId
	req.RouterInterfaceId = in.RouterInterfaceId
	info := activity.GetInfo(ctx)
	resp, err := observed(ctx, a.Calls, "ConnectRouterInterface", a.VPC.ConnectRouterInterface, req)
	if err == nil {
		return ConnectRouterInterfaceResult{
			RequestId:  resp.RequestId,
			AnsweredAt: time.Now(),
			CallTrace:  CallTrace{RequestIds: []string{resp.RequestId}, Attempt: info.Attempt, CloudState: RouterInterfaceConnecting},
		}, nil
	}
	code := errorCode(err)
	if !settledByReading[code] {
		return ConnectRouterInterfaceResult{}, CloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err)
	}
	ri, rerr := a.describeRouterInterface(ctx, in)
	if rerr != nil {
		return ConnectRouterInterfaceResult{}, rerr
	}
	trace := CallTrace{RequestIds: append([]string{requestIDOf(err)}, ri.RequestIds...), Attempt: info.Attempt, CloudState: ri.Status}
	switch ri.Status {
	case RouterInterfaceConnecting, RouterInterfaceAcceptingConnecting, RouterInterfaceActivating, RouterInterfaceActive:
		return ConnectRouterInterfaceResult{AlreadyConnecting: true, CallTrace: trace}, nil
	case RouterInterfaceIdle:
		// Still Idle: the refusal is about this interface's state racing
		// the call (IncorrectRIStatus is busy: retried), or about another
		// connection between the routers (OnlyOneConnection: permanent).
		// But after an earlier attempt, the read may lag behind that
		// attempt's connect: within the grace, retry as busy.
		if readMayLagBehindEarlierAttempt(info) {
			row, _ := LookupErrorCode(code)
			row.Class, row.Fix = contract.Busy, ""
			return ConnectRouterInterfaceResult{}, classifiedCloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err, row)
		}
		return ConnectRouterInterfaceResult{}, CloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err)
	default:
		// Neither Idle nor on its way to Active: the refusal stands.
		row, _ := LookupErrorCode(code)
		row.Class, row.Fix = contract.Permanent, "the interface is "+ri.Status+"; only an Idle interface can be connected"
		return ConnectRouterInterfaceResult{}, classifiedCloudError(ctx, "ConnectRouterInterface", in.RouterInterfaceId, err, row)
	}
}

// readMayLagBehindEarlierAttempt tells whether an attempt of a write comes
// soon enough after the first (ScheduledTime is the first attempt's) that
// a read may not show what an earlier attempt did yet.
func readMayLagBehindEarlierAttempt(info activity.Info) bool {
	return info.Attempt > 1 && withinGrace(info.ScheduledTime)
}

// connectableStates are the states in which a connect can still end Active:
// Idle is connected, the others are already on their way.
var connectableStates = map[string]bool{
	RouterInterfaceIdle:                true,
	RouterInterfaceConnecting:          true,
	RouterInterfaceAcceptingConnecting: true,
	RouterInterfaceActivating:          true,
	RouterInterfaceActive:              true,
}

// ReadyToConnect checks, on the interface as read, what ConnectRouterInterface
// would refuse, before calling it: the role and the opposite fields (the
// errors are those of the codes the cloud would answer, from the error
// table), and a state from which it cannot become Active.
func (ri RouterInterface) ReadyToConnect() error {
	readBy := lastOf(ri.RequestIds)
	if ri.Role != RoleInitiatingSide {
		finding := "the interface is the " + ri.Role + " of its pair"
		if ri.OppositeInterfaceId != "" {
			finding += "; its peer is " + ri.OppositeInterfaceId
		}
		return refusal("ConnectRouterInterface", ri.RouterInterfaceId, "IncorrectRole.NotInitiatingSide", finding, readBy)
	}
	if !ri.OppositeSet() {
		return refusal("ConnectRouterInterface", ri.RouterInterfaceId, "IncorrectOppositeInterfaceInfo.NotSet",
			fmt.Sprintf("its opposite is not complete: OppositeInterfaceId %q, OppositeRouterId %q, OppositeRouterType %q, OppositeInterfaceOwnerId %q",
				ri.OppositeInterfaceId, ri.OppositeRouterId, ri.OppositeRouterType, ri.OppositeInterfaceOwnerId), readBy)
	}
	if !connectableStates[ri.Status] {
		return unreachableState("Connect "+ri.RouterInterfaceId, ri.Status,
			"only an Idle interface can be connected (an Inactive one is activated); create a new interface pair",
			PollProgress{Polls: 1, LastState: ri.Status, LastRequestId: readBy, RequestIds: ri.RequestIds})
	}
	return nil
}
