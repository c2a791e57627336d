package cloudsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Router interface operations: ConnectRouterInterface,
// ActivateRouterInterface, DeactivateRouterInterface,
// DescribeRouterInterfaces.

type requestIDBody struct {
	RequestId string
}

const aliTimeFormat = "2006-01-02T15:04:05Z"

func errRouterInterfaceNotFound() *apiError {
	return newAPIError(http.StatusNotFound, "InvalidRouterInterfaceId.NotFound",
		"The specified RouterInterfaceId does not exist in our record.")
}

// requestedInterface is the caller's router interface named by the
// RouterInterfaceId parameter, in the request's region.
func requestedInterface(w *world, req *rpcRequest) (*routerInterface, *apiError) {
	id, apiErr := req.params.required("RouterInterfaceId")
	if apiErr != nil {
		return nil, apiErr
	}
	ri := w.interfaceOf(req.regionID, req.key.accountUID, id)
	if ri == nil {
		return nil, errRouterInterfaceNotFound()
	}
	return ri, nil
}

func errIncorrectOppositeInfo() *apiError {
	return newAPIError(http.StatusBadRequest, "IncorrectOppositeInterfaceInfo",
		"The opposite RouterInterface information specified by OppositeInterfaceId/OppositeRouterId/OppositeRouterType/OppositeInterfaceOwnerId is wrong. Maybe the RouterInterface or Router does not exist, or the parameters mismatched, or that RouterInterface is not a AcceptingSide.")
}

func attrMismatch(attr, want, got string) *apiError {
	return newAPIError(http.StatusBadRequest, "AttrMismatching.AcceptingSide"+attr,
		"%s of the accepting side is %q, but %q is expected.", attr, got, want)
}

// connectRouterInterface starts a connection from an Idle InitiatingSide
// interface to its AcceptingSide peer. The checks run in the order below;
// the first failing one answers.
func connectRouterInterface(w *world, req *rpcRequest) (any, *apiError) {
	ri, apiErr := requestedInterface(w, req)
	if apiErr != nil {
		return nil, apiErr
	}
	if req.account != nil && req.account.billsOutstanding {
		return nil, newAPIError(http.StatusBadRequest, "Forbidden.BillsOutstanding",
			"You cannot use this action because you have bills outstanding.")
	}
	if r := w.routers[ri.RouterID]; r == nil || r.OwnerUID != ri.OwnerUID {
		return nil, newAPIError(http.StatusBadRequest, "IllegalParam.InstanceOwner", "The router instance owener error.")
	}
	if ri.Role != RoleInitiatingSide {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectRole.NotInitiatingSide",
			"The specified RouterInterface is not InitiatingSide.")
	}
	if req.quirks.cfg.OnlyOneConnectionFirst {
		// The harsher reading: the backend looks for a connection between
		// the routers before it looks at the interface's own status, so a
		// repeated connect meets its own in-flight peer.
		if opp := w.interfaces[ri.OppositeInterfaceID]; opp != nil && opp != ri {
			if apiErr := w.checkOnlyOneConnection(ri, opp); apiErr != nil {
				return nil, apiErr
			}
		}
	}
	if ri.Status != RouterInterfaceIdle {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectRIStatus",
			"RouterInterface can be operated by this action only when it's status is Idle.")
	}
	if ri.OppositeInterfaceID == "" || ri.OppositeRouterID == "" || ri.OppositeRouterType == "" || ri.OppositeInterfaceOwnerID == "" {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectOppositeInterfaceInfo.NotSet",
			"OppositeInterfaceId/OppositeRouterId/OppositeRouterType/OppositeInterfaceOwnerId must be all set.")
	}
	if _, err := strconv.ParseInt(ri.OppositeInterfaceOwnerID, 10, 64); err != nil {
		// A malformed owner ID breaks the backend lookup; the API answers
		// with this generic code.
		return nil, newAPIError(http.StatusBadRequest, "ErrCode.Invalid", "got error")
	}
	oppAccount := w.accounts[ri.OppositeInterfaceOwnerID]
	if oppAccount == nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidAccount.NotFound", "The specified account is not exists.")
	}
	if ri.OppositeRouterID == ri.RouterID {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectOppositeInterfaceInfo", "Cannot connect on the same router")
	}
	oppRegion := defaultString(ri.OppositeRegionID, ri.RegionID)
	if !w.regionKnown(oppRegion) {
		return nil, newAPIError(http.StatusNotFound, "InvalidRegionId.NotFound", "The RegionId provided does not exist in our records.")
	}
	opp := w.interfaces[ri.OppositeInterfaceID]
	oppRouter := w.routers[ri.OppositeRouterID]
	if opp == nil || oppRouter == nil || opp.Role == RoleInitiatingSide {
		return nil, errIncorrectOppositeInfo()
	}
	if apiErr := checkAcceptingSide(ri, opp, oppRegion); apiErr != nil {
		return nil, apiErr
	}
	initAccount := w.accounts[ri.OwnerUID]
	if initAccount != nil && initAccount.bid != oppAccount.bid {
		return nil, newAPIError(http.StatusNotFound, "CROSS_BID.FORBIDDEN", "Connect RouterInterface across bid is illegal")
	}
	if apiErr := w.checkOnlyOneConnection(ri, opp); apiErr != nil {
		return nil, apiErr
	}
	if req.quirks.cfg.OneConnectPerRouter && w.connectingOn(ri) {
		return nil, newAPIError(http.StatusBadRequest, "Forbidden.OnlyOneConnection", "Cannot connect concurrently between same routers")
	}

	at := req.now.Add(w.delays.RouterInterfaceConnect.Std())
	req.quirks.connected(ri.ID, ri.Status)
	ri.Status = RouterInterfaceConnecting
	ri.pending = &pendingTransition{to: RouterInterfaceActive, at: at}
	ri.connected = time.Time{}
	opp.Status = RouterInterfaceAcceptingConnecting
	opp.pending = &pendingTransition{to: RouterInterfaceActive, at: at}
	w.unsettledInterfaces[ri], w.unsettledInterfaces[opp] = true, true
	opp.connected = time.Time{}
	return requestIDBody{RequestId: req.requestID}, nil
}

// checkAcceptingSide compares the accepting side with what the initiator
// declared about it, then the accepting side's own opposite fields (when
// set) with the initiator.
func checkAcceptingSide(ri, opp *routerInterface, oppRegion string) *apiError {
	switch {
	case opp.Role != RoleAcceptingSide:
		return attrMismatch("Role", RoleAcceptingSide, opp.Role)
	case ri.OppositeVpcInstanceID != "" && ri.OppositeVpcInstanceID != opp.vpcInstanceID:
		return attrMismatch("InstanceId", ri.OppositeVpcInstanceID, opp.vpcInstanceID)
	case oppRegion != opp.RegionID:
		return attrMismatch("RegionNo", oppRegion, opp.RegionID)
	case ri.OppositeRouterID != opp.RouterID:
		return attrMismatch("RouterId", ri.OppositeRouterID, opp.RouterID)
	case ri.OppositeRouterType != opp.routerType:
		return attrMismatch("RouterType", ri.OppositeRouterType, opp.routerType)
	case ri.OppositeInterfaceOwnerID != opp.OwnerUID:
		return attrMismatch("AliUid", ri.OppositeInterfaceOwnerID, opp.OwnerUID)
	case opp.OppositeInterfaceOwnerID != "" && opp.OppositeInterfaceOwnerID != ri.OwnerUID:
		return attrMismatch("OppositeInterfaceOwnerId", ri.OwnerUID, opp.OppositeInterfaceOwnerID)
	case opp.OppositeRegionID != "" && opp.OppositeRegionID != ri.RegionID:
		return attrMismatch("OppositeRegionNo", ri.RegionID, opp.OppositeRegionID)
	case opp.OppositeInterfaceID != "" && opp.OppositeInterfaceID != ri.ID:
		return attrMismatch("OppositeInterfaceId", ri.ID, opp.OppositeInterfaceID)
	case opp.OppositeRouterID != "" && opp.OppositeRouterID != ri.RouterID:
		return attrMismatch("OppositeRouterId", ri.RouterID, opp.OppositeRouterID)
	case opp.OppositeRouterType != "" && opp.OppositeRouterType != ri.routerType:
		return attrMismatch("OppositeRouterType", ri.routerType, opp.OppositeRouterType)
	}
	return nil
}

// connectedStatuses are the states of an interface that holds a
// connection; inFlightStatuses those of one being connected.
var (
	connectedStatuses = map[string]bool{
		RouterInterfaceActive: true, RouterInterfaceInactive: true, RouterInterfaceActivating: true,
		RouterInterfaceDeactivating: true, RouterInterfaceModifying: true,
	}
	inFlightStatuses = map[string]bool{RouterInterfaceConnecting: true, RouterInterfaceAcceptingConnecting: true}
)

// checkOnlyOneConnection enforces "only one pair of connected router
// interfaces between two routers": any interface on either router that
// faces the other router and is connected (or connecting) blocks the new
// connection, and so does an accepting side that is itself not Idle.
func (w *world) checkOnlyOneConnection(ri, opp *routerInterface) *apiError {
	already := newAPIError(http.StatusBadRequest, "Forbidden.OnlyOneConnection", "The Specified routers have a connection already")
	concurrent := newAPIError(http.StatusBadRequest, "Forbidden.OnlyOneConnection", "Cannot connect concurrently between same routers")
	for _, x := range w.riOrder {
		if x == ri {
			continue
		}
		between := (x.RouterID == ri.RouterID && x.OppositeRouterID == opp.RouterID) ||
			(x.RouterID == opp.RouterID && x.OppositeRouterID == ri.RouterID)
		if !between && x != opp {
			continue
		}
		if connectedStatuses[x.Status] {
			return already
		}
		if inFlightStatuses[x.Status] {
			return concurrent
		}
	}
	return nil
}

// connectingOn tells whether another interface of ri's router is
// connecting (either side of a connection in flight).
func (w *world) connectingOn(ri *routerInterface) bool {
	for _, x := range w.riOrder {
		if x != ri && x.RouterID == ri.RouterID && inFlightStatuses[x.Status] {
			return true
		}
	}
	return false
}

// activateRouterInterface re-activates an Inactive interface.
func activateRouterInterface(w *world, req *rpcRequest) (any, *apiError) {
	ri, apiErr := requestedInterface(w, req)
	if apiErr != nil {
		return nil, apiErr
	}
	if req.account != nil && req.account.financialLocked {
		return nil, newAPIError(http.StatusBadRequest, "Forbidden.FinancialLocked",
			"The account is locked due to financial reasons.")
	}
	if ri.Status != RouterInterfaceInactive {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectRIStatus",
			"RouterInterface can be operated by this action only when it's status is Inactive.")
	}
	if r := w.routers[ri.RouterID]; r != nil && r.PconnTrafficDisabled {
		return nil, newAPIError(http.StatusBadRequest, "OperationFailed.PconnTrafficNotEnable",
			"The physical connection traffic of the VBR is not enabled.")
	}
	req.quirks.activated(ri.ID)
	ri.Status = RouterInterfaceActivating
	ri.pending = &pendingTransition{to: RouterInterfaceActive, at: req.now.Add(w.delays.RouterInterfaceActivate.Std())}
	w.unsettledInterfaces[ri] = true
	return requestIDBody{RequestId: req.requestID}, nil
}

// deactivateRouterInterface takes an Active interface down.
func deactivateRouterInterface(w *world, req *rpcRequest) (any, *apiError) {
	ri, apiErr := requestedInterface(w, req)
	if apiErr != nil {
		return nil, apiErr
	}
	if req.account != nil && req.account.financialLocked {
		return nil, newAPIError(http.StatusBadRequest, "Forbidden.FinancialLocked",
			"This RouterInterface is financiel locked because of bills outstanding.")
	}
	if ri.Status != RouterInterfaceActive {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectRIStatus",
			"RouterInterface can be operated by this action only when it's status is Active.")
	}
	req.quirks.deactivated(ri.ID)
	ri.Status = RouterInterfaceDeactivating
	ri.pending = &pendingTransition{to: RouterInterfaceInactive, at: req.now.Add(w.delays.RouterInterfaceDeactivate.Std())}
	w.unsettledInterfaces[ri] = true
	return requestIDBody{RequestId: req.requestID}, nil
}

// Response shapes of DescribeRouterInterfaces (services/vpc
// describe_router_interfaces.go, struct_router_interface_type.go): the
// list is wrapped as RouterInterfaceSet.RouterInterfaceType.
type describeRouterInterfacesBody struct {
	RequestId          string
	PageNumber         int
	PageSize           int
	TotalCount         int
	RouterInterfaceSet routerInterfaceSet
}

type routerInterfaceSet struct {
	RouterInterfaceType []routerInterfaceView
}

type tagView struct {
	Key   string
	Value string
}

type tagsView struct {
	Tags []tagView
}

type routerInterfaceView struct {
	RouterInterfaceId               string
	RouterId                        string
	RouterType                      string
	Role                            string
	Status                          string
	BusinessStatus                  string
	Name                            string
	Description                     string
	Spec                            string
	Bandwidth                       int
	ChargeType                      string
	CreationTime                    string
	ConnectedTime                   string
	EndTime                         string
	VpcInstanceId                   string
	AccessPointId                   string
	OppositeInterfaceId             string
	OppositeRouterId                string
	OppositeRouterType              string
	OppositeInterfaceOwnerId        string
	OppositeRegionId                string
	OppositeVpcInstanceId           string
	OppositeAccessPointId           string
	OppositeInterfaceSpec           string
	OppositeInterfaceStatus         string
	OppositeInterfaceBusinessStatus string
	OppositeBandwidth               int
	HealthCheckSourceIp             string
	HealthCheckTargetIp             string
	HcRate                          int
	HcThreshold                     int
	CrossBorder                     bool
	FastLinkMode                    bool
	HasReservationData              string
	ReservationActiveTime           string
	ReservationBandwidth            string
	ReservationInternetChargeType   string
	ReservationOrderType            string
	Ipv6Status                      string
	ResourceGroupId                 string
	Tags                            tagsView
}

// routerInterfaceFilterKeys maps the documented filter keys to the value
// each interface has for them.
var routerInterfaceFilterKeys = map[string]func(*routerInterface) string{
	"RouterInterfaceId":        func(r *routerInterface) string { return r.ID },
	"RouterId":                 func(r *routerInterface) string { return r.RouterID },
	"RouterType":               func(r *routerInterface) string { return r.routerType },
	"RouterInterfaceOwnerId":   func(r *routerInterface) string { return r.OwnerUID },
	"OppositeInterfaceId":      func(r *routerInterface) string { return r.OppositeInterfaceID },
	"OppositeRouterType":       func(r *routerInterface) string { return r.OppositeRouterType },
	"OppositeRouterId":         func(r *routerInterface) string { return r.OppositeRouterID },
	"OppositeInterfaceOwnerId": func(r *routerInterface) string { return r.OppositeInterfaceOwnerID },
	"Status":                   func(r *routerInterface) string { return r.Status },
	"Name":                     func(r *routerInterface) string { return r.Name },
}

const maxRouterInterfaceFilters = 5

type riFilter struct {
	key    string
	values map[string]bool
}

// parseRouterInterfaceFilters reads Filter.N.Key / Filter.N.Value.M.
func parseRouterInterfaceFilters(p rpcParams) ([]riFilter, *apiError) {
	groups, apiErr := p.repeated("Filter", maxRouterInterfaceFilters)
	if apiErr != nil {
		return nil, apiErr
	}
	var filters []riFilter
	for _, n := range sortedIndices(groups) {
		g := groups[n]
		key := g["Key"]
		if key == "" {
			return nil, errMissingParameter(fmt.Sprintf("Filter.%d.Key", n))
		}
		if _, ok := routerInterfaceFilterKeys[key]; !ok {
			return nil, newAPIError(http.StatusBadRequest, "InvalidParameter",
				"The specified filter key %q is not supported.", key)
		}
		f := riFilter{key: key, values: map[string]bool{}}
		for field, v := range g {
			if field == "Key" {
				continue
			}
			rest, ok := strings.CutPrefix(field, "Value.")
			m, err := strconv.Atoi(rest)
			if !ok || err != nil || m < 1 || m > 100 {
				return nil, newAPIError(http.StatusBadRequest, "InvalidParameter",
					"The parameter name %q is malformed.", fmt.Sprintf("Filter.%d.%s", n, field))
			}
			f.values[v] = true
		}
		if len(f.values) == 0 {
			return nil, errMissingParameter(fmt.Sprintf("Filter.%d.Value.1", n))
		}
		filters = append(filters, f)
	}
	return filters, nil
}

// describeRouterInterfaces lists the caller's interfaces in the region:
// values within one filter are OR-ed, filters are AND-ed, tags are AND-ed.
func describeRouterInterfaces(w *world, req *rpcRequest) (any, *apiError) {
	page, size, apiErr := req.params.paging()
	if apiErr != nil {
		return nil, apiErr
	}
	if _, apiErr := req.params.boolean("IncludeReservationData"); apiErr != nil {
		return nil, apiErr
	}
	filters, apiErr := parseRouterInterfaceFilters(req.params)
	if apiErr != nil {
		return nil, apiErr
	}
	tagGroups, apiErr := req.params.repeated("Tags", 20)
	if apiErr != nil {
		return nil, apiErr
	}
	var matched []*routerInterface
	for _, ri := range w.riOrder {
		if ri.RegionID != req.regionID || ri.OwnerUID != req.key.accountUID {
			continue
		}
		if rg := req.params.get("ResourceGroupId"); rg != "" && rg != "rg-default" {
			continue
		}
		ok := true
		for _, f := range filters {
			if !f.values[routerInterfaceFilterKeys[f.key](ri)] {
				ok = false
				break
			}
		}
		for _, n := range sortedIndices(tagGroups) {
			if k := tagGroups[n]["Key"]; k != "" {
				v, has := ri.Tags[k]
				if !has || (tagGroups[n]["Value"] != "" && tagGroups[n]["Value"] != v) {
					ok = false
				}
			}
		}
		if ok {
			matched = append(matched, ri)
		}
	}
	lo, hi := pageBounds(len(matched), page, size)
	views := make([]routerInterfaceView, 0, hi-lo)
	for _, ri := range matched[lo:hi] {
		v := w.routerInterfaceView(ri)
		v.Status = req.quirks.interfaceStatusRead(ri.ID, v.Status)
		views = append(views, v)
	}
	total := len(matched)
	if req.quirks.cfg.TotalCountPerPage {
		total = len(views)
	}
	return describeRouterInterfacesBody{
		RequestId: req.requestID, PageNumber: page, PageSize: size, TotalCount: total,
		RouterInterfaceSet: routerInterfaceSet{RouterInterfaceType: views},
	}, nil
}

func (w *world) routerInterfaceView(ri *routerInterface) routerInterfaceView {
	v := routerInterfaceView{
		RouterInterfaceId:        ri.ID,
		RouterId:                 ri.RouterID,
		RouterType:               ri.routerType,
		Role:                     ri.Role,
		Status:                   ri.Status,
		BusinessStatus:           "Normal",
		Name:                     ri.Name,
		Description:              ri.Description,
		Spec:                     ri.Spec,
		Bandwidth:                ri.Bandwidth,
		ChargeType:               "AfterPay",
		CreationTime:             ri.created.UTC().Format(aliTimeFormat),
		EndTime:                  "2999-09-08T16:00:00Z",
		VpcInstanceId:            ri.vpcInstanceID,
		OppositeInterfaceId:      ri.OppositeInterfaceID,
		OppositeRouterId:         ri.OppositeRouterID,
		OppositeRouterType:       ri.OppositeRouterType,
		OppositeInterfaceOwnerId: ri.OppositeInterfaceOwnerID,
		OppositeRegionId:         defaultString(ri.OppositeRegionID, ri.RegionID),
		OppositeVpcInstanceId:    ri.OppositeVpcInstanceID,
		HcRate:                   2000,
		HcThreshold:              8,
		HasReservationData:       "false",
		ResourceGroupId:          "rg-default",
		Tags:                     tagsView{Tags: []tagView{}},
	}
	if !ri.connected.IsZero() {
		v.ConnectedTime = ri.connected.UTC().Format(aliTimeFormat)
	}
	if opp := w.interfaces[ri.OppositeInterfaceID]; opp != nil {
		v.OppositeInterfaceSpec = opp.Spec
		v.OppositeInterfaceStatus = opp.Status
		v.OppositeInterfaceBusinessStatus = "Normal"
		v.OppositeBandwidth = opp.Bandwidth
		if v.OppositeVpcInstanceId == "" {
			v.OppositeVpcInstanceId = opp.vpcInstanceID
		}
	}
	for _, k := range sortedKeys(ri.Tags) {
		v.Tags.Tags = append(v.Tags.Tags, tagView{Key: k, Value: ri.Tags[k]})
	}
	return v
}
