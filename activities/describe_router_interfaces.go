package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// Router interface states (Alibaba Cloud VPC, DescribeRouterInterfaces).
const (
	RouterInterfaceIdle                = "Idle"
	RouterInterfaceConnecting          = "Connecting"
	RouterInterfaceAcceptingConnecting = "AcceptingConnecting"
	RouterInterfaceActivating          = "Activating"
	RouterInterfaceActive              = "Active"
	RouterInterfaceModifying           = "Modifying"
	RouterInterfaceDeactivating        = "Deactivating"
	RouterInterfaceInactive            = "Inactive"
	RouterInterfaceDeleting            = "Deleting"
	RouterInterfaceDeleted             = "Deleted"

	RoleInitiatingSide = "InitiatingSide"
	RoleAcceptingSide  = "AcceptingSide"
)

// RouterInterfaceNotFoundCode is the code of the error when
// DescribeRouterInterfaces finds no interface with the ID: the API answers
// an empty list, not an error, where ConnectRouterInterface answers this code.
const RouterInterfaceNotFoundCode = "InvalidRouterInterfaceId.NotFound"

// RouterInterfaceRef names one router interface.
type RouterInterfaceRef struct {
	RegionId          string `json:"RegionId"`
	RouterInterfaceId string `json:"RouterInterfaceId"`
}

// RouterInterface is what vpcflow needs to know of a router interface.
type RouterInterface struct {
	RouterInterfaceId        string `json:"RouterInterfaceId"`
	Status                   string `json:"Status"`
	Role                     string `json:"Role"`
	RouterId                 string `json:"RouterId"`
	RouterType               string `json:"RouterType"`
	OppositeInterfaceId      string `json:"OppositeInterfaceId"`
	OppositeRouterId         string `json:"OppositeRouterId"`
	OppositeRouterType       string `json:"OppositeRouterType"`
	OppositeInterfaceOwnerId string `json:"OppositeInterfaceOwnerId"`
	OppositeRegionId         string `json:"OppositeRegionId"`
	CallTrace
}

// OppositeSet tells whether the four fields ConnectRouterInterface needs are
// all set (otherwise it answers IncorrectOppositeInterfaceInfo.NotSet).
func (ri RouterInterface) OppositeSet() bool {
	return ri.OppositeInterfaceId != "" && ri.OppositeRouterId != "" &&
		ri.OppositeRouterType != "" && ri.OppositeInterfaceOwnerId != ""
}

// DescribeRouterInterface reads one router interface.
func (a *CloudActivities) DescribeRouterInterface(ctx context.Context, in RouterInterfaceRef) (RouterInterface, error) {
	ri, err := a.describeRouterInterface(ctx, in)
	return answered(ctx, ri, err)
}

func (a *CloudActivities) describeRouterInterface(ctx context.Context, in RouterInterfaceRef) (RouterInterface, error) {
	found, requestIDs, err := a.describeRouterInterfaces(ctx, in.RegionId, []string{in.RouterInterfaceId})
	if err != nil {
		return RouterInterface{}, err
	}
	if len(found) == 0 {
		return RouterInterface{}, refusal("DescribeRouterInterfaces", in.RouterInterfaceId, RouterInterfaceNotFoundCode,
			"the listing of region "+in.RegionId+" holds no router interface with this ID", lastOf(requestIDs))
	}
	return found[0], nil
}

// MaxInterfacesPerRead is how many interfaces one DescribeRouterInterfaces
// call asks for, as the values of one RouterInterfaceId filter: the
// document does not bound the values of a filter, and 20 answers fit one
// page of 50.
const MaxInterfacesPerRead = 20

// RouterInterfacesRef names router interfaces of one region, at most
// MaxInterfacesPerRead.
type RouterInterfacesRef struct {
	RegionId           string   `json:"RegionId"`
	RouterInterfaceIds []string `json:"RouterInterfaceIds"`
}

// RouterInterfaces are the interfaces a read found, in the order asked
// (those not found are left out).
type RouterInterfaces struct {
	Found []RouterInterface `json:"Found"`
	CallTrace
}

// DescribeRouterInterfaces reads several router interfaces of a region in
// one listing: a fleet learns the routers of each of its changes with one
// call per MaxInterfacesPerRead interfaces.
func (a *CloudActivities) DescribeRouterInterfaces(ctx context.Context, in RouterInterfacesRef) (RouterInterfaces, error) {
	if len(in.RouterInterfaceIds) > MaxInterfacesPerRead {
		return RouterInterfaces{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
			"DescribeRouterInterfaces reads at most %d interfaces at once, not %d", MaxInterfacesPerRead, len(in.RouterInterfaceIds)),
			contract.InvalidInputType, nil)
	}
	found, requestIDs, err := a.describeRouterInterfaces(ctx, in.RegionId, in.RouterInterfaceIds)
	return answered(ctx, RouterInterfaces{Found: found, CallTrace: CallTrace{RequestIds: requestIDs}}, err)
}

// describeRouterInterfaces lists the interfaces of ids (a RouterInterfaceId
// filter, its values OR-ed) and returns those found, in the order of ids,
// each with the RequestId of the page that answered it.
func (a *CloudActivities) describeRouterInterfaces(ctx context.Context, regionID string, ids []string) ([]RouterInterface, []string, error) {
	byID := make(map[string]RouterInterface, len(ids))
	list := listing{Operation: "DescribeRouterInterfaces", Resource: strings.Join(ids, ","), PageSize: maxDescribePageSize}
	requestIDs, err := list.read(func(c pageCursor) (pageAnswer, error) {
		req := vpc.CreateDescribeRouterInterfacesRequest()
		req.RegionId = regionID
		values := slices.Clone(ids)
		req.Filter = &[]vpc.DescribeRouterInterfacesFilter{{Key: "RouterInterfaceId", Value: &values}}
		req.PageNumber = requests.NewInteger(c.Number)
		req.PageSize = requests.NewInteger(maxDescribePageSize)
		resp, err := observed(ctx, a.Calls, "DescribeRouterInterfaces", a.VPC.DescribeRouterInterfaces, req)
		if err != nil {
			return pageAnswer{}, CloudError(ctx, "DescribeRouterInterfaces", list.Resource, err)
		}
		page := resp.RouterInterfaceSet.RouterInterfaceType
		for _, t := range page {
			if slices.Contains(ids, t.RouterInterfaceId) {
				byID[t.RouterInterfaceId] = routerInterfaceOf(t, resp.RequestId)
			}
		}
		return pageAnswer{Entries: len(page), PageSize: resp.PageSize, RequestId: resp.RequestId}, nil
	})
	if err != nil {
		return nil, requestIDs, err
	}
	var found []RouterInterface
	for _, id := range ids {
		if ri, ok := byID[id]; ok {
			found = append(found, ri)
		}
	}
	return found, requestIDs, nil
}

// routerInterfaceOf is what vpcflow keeps of an interface the read with
// RequestId requestID answered.
func routerInterfaceOf(t vpc.RouterInterfaceType, requestID string) RouterInterface {
	return RouterInterface{
		RouterInterfaceId:        t.RouterInterfaceId,
		Status:                   t.Status,
		Role:                     t.Role,
		RouterId:                 t.RouterId,
		RouterType:               t.RouterType,
		OppositeInterfaceId:      t.OppositeInterfaceId,
		OppositeRouterId:         t.OppositeRouterId,
		OppositeRouterType:       t.OppositeRouterType,
		OppositeInterfaceOwnerId: t.OppositeInterfaceOwnerId,
		OppositeRegionId:         t.OppositeRegionId,
		CallTrace:                CallTrace{RequestIds: []string{requestID}, CloudState: t.Status},
	}
}

// WaitRouterInterfaceActiveInput asks to wait until an interface is Active.
type WaitRouterInterfaceActiveInput struct {
	RouterInterfaceRef
	// ConnectedAt is when this change's connect was answered; zero if the
	// change found the interface already connecting. For
	// ReadAfterWriteGrace after it, a read that shows the interface Idle is
	// taken as lagging behind the connect.
	ConnectedAt time.Time `json:"ConnectedAt,omitzero"`
	// ActivatedAt is when this change's activate was answered; zero if it
	// activated nothing. For ReadAfterWriteGrace after it, a read that
	// shows the interface Inactive is taken as lagging behind the activate.
	ActivatedAt time.Time `json:"ActivatedAt,omitzero"`
	Deadline    time.Time `json:"Deadline"`
}

// routerInterfaceWaitStates says, for each state, whether a wait for Active
// goes on (true) or ends at once (false, with the reason). States missing
// here are unknown to vpcflow: the wait goes on and reports them.
var routerInterfaceWaitStates = map[string]struct {
	keepWaiting bool
	why         string
}{
	RouterInterfaceConnecting:          {true, ""},
	RouterInterfaceAcceptingConnecting: {true, ""},
	RouterInterfaceActivating:          {true, ""},
	RouterInterfaceModifying:           {true, ""},
	RouterInterfaceIdle:                {false, "the interface is Idle after the connect (past the " + ReadAfterWriteGrace.String() + " a read may lag behind it): the connection fell back; check the accepting side and connect again"},
	RouterInterfaceInactive:            {false, "the interface was deactivated; activate it (ActivateRouterInterface) and start again"},
	RouterInterfaceDeactivating:        {false, "the interface is being deactivated"},
	RouterInterfaceDeleting:            {false, "the interface is being deleted"},
	RouterInterfaceDeleted:             {false, "the interface was deleted"},
}

// WaitRouterInterfaceActive polls DescribeRouterInterfaces until the
// interface is Active, fails at once on a state that cannot lead there
// (Idle only once the grace after this change's connect is over), and fails
// at the deadline otherwise.
func (a *CloudActivities) WaitRouterInterfaceActive(ctx context.Context, in WaitRouterInterfaceActiveInput) (RouterInterface, error) {
	what := "router interface " + in.RouterInterfaceId + " to become Active"
	wroteAt := in.ConnectedAt
	if in.ActivatedAt.After(wroteAt) {
		wroteAt = in.ActivatedAt
	}
	return a.waitRouterInterface(ctx, in.RouterInterfaceRef, in.Deadline, wroteAt, what, func(ri RouterInterface, p PollProgress) (bool, error) {
		if ri.Status == RouterInterfaceActive {
			return true, nil
		}
		if ri.Status == RouterInterfaceIdle && withinGrace(in.ConnectedAt) {
			return false, nil // the read lags behind our connect
		}
		if ri.Status == RouterInterfaceInactive && withinGrace(in.ActivatedAt) {
			return false, nil // the read lags behind our activate
		}
		if rule, known := routerInterfaceWaitStates[ri.Status]; known && !rule.keepWaiting {
			return false, unreachableState(what, ri.Status, rule.why, p)
		}
		return false, nil
	})
}

// waitRouterInterface polls DescribeRouterInterfaces until reached says
// the interface, as read, is where the wait wants it (or says it cannot get
// there), and returns it as last read, with the wait's trace.
func (a *CloudActivities) waitRouterInterface(ctx context.Context, ref RouterInterfaceRef, deadline, wroteAt time.Time, what string,
	reached func(RouterInterface, PollProgress) (bool, error)) (RouterInterface, error) {
	var last RouterInterface
	p, err := a.poll(ctx, deadline, wroteAt, what, func(ctx context.Context, p *PollProgress) (bool, error) {
		ri, err := a.readRouterInterface(ctx, ref)
		if err != nil {
			return false, err
		}
		last = ri
		p.observe(ri.Status, ri.RequestIds[0])
		return reached(ri, *p)
	})
	if err != nil {
		return RouterInterface{}, err
	}
	last.CallTrace = p.trace(ctx)
	return last, nil
}
