package cloudsim

import (
	"net/http"
	"strconv"
)

// IPsec-VPN connection reads: DescribeVcoRouteEntries and
// DescribeVpnCrossAccountAuthorizations. Both answer flat arrays (no
// wrapper object), as the SDK structs expect.

const (
	vcoRouteCustom = "custom"
	vcoRouteBgp    = "bgp"
)

// vcoStatesAllowingRouteQuery are the connection states in which the
// routes can be read; others answer Vco.StatusNotSupport.
var vcoStatesAllowingRouteQuery = map[string]bool{"active": true, "attached": true}

type describeVcoRouteEntriesBody struct {
	TotalCount      int
	PageNumber      int
	PageSize        int
	RequestId       string
	VcoRouteEntries []vcoRouteEntryView
	VpnRouteCounts  []vpnRouteCountView
}

type vcoRouteEntryView struct {
	VpnConnectionId     string
	RouteDest           string
	NextHop             string
	Weight              int
	State               string
	RouteEntryType      string
	CreateTime          int64
	AsPath              string
	Community           string
	Source              string
	NextHopTunnelIdList []string
}

type vpnRouteCountView struct {
	RouteEntryType string
	RouteCount     int
	Source         string
}

// vpnConnectionOf resolves VpnConnectionId for the caller: unknown in the
// region answers InvalidVpnConnectionInstanceId.NotFound, another
// account's connection answers Forbidden.
func (w *world) vpnConnectionOf(req *rpcRequest) (*vpnConnection, *apiError) {
	id, apiErr := req.params.required("VpnConnectionId")
	if apiErr != nil {
		return nil, apiErr
	}
	c := w.vcos[id]
	if c == nil || c.RegionID != req.regionID {
		return nil, newAPIError(http.StatusNotFound, "InvalidVpnConnectionInstanceId.NotFound",
			"The specified vpn connection instance id does not exist.")
	}
	if c.OwnerUID != req.key.accountUID {
		return nil, newAPIError(http.StatusForbidden, "Forbidden", "User not authorized to operate on the specified resource.")
	}
	return c, nil
}

func describeVcoRouteEntries(w *world, req *rpcRequest) (any, *apiError) {
	routeType := req.params.get("RouteEntryType")
	switch routeType {
	case "":
		routeType = vcoRouteCustom
	case vcoRouteCustom, vcoRouteBgp:
	default:
		return nil, newAPIError(http.StatusBadRequest, "IllegalParam.RouteEntryType", "The specified RouteEntryType is invalid.")
	}
	page, size, apiErr := req.params.paging()
	if apiErr != nil {
		return nil, apiErr
	}
	c, apiErr := w.vpnConnectionOf(req)
	if apiErr != nil {
		return nil, apiErr
	}
	if !vcoStatesAllowingRouteQuery[c.State] {
		return nil, newAPIError(http.StatusBadRequest, "Vco.StatusNotSupport",
			"The current VPN connection state does not support this operation.")
	}
	routes := w.vcoRoutes(c, routeType)
	counts := map[string]int{}
	var sources []string
	for _, r := range routes {
		if counts[r.Source] == 0 {
			sources = append(sources, r.Source)
		}
		counts[r.Source]++
	}
	body := describeVcoRouteEntriesBody{
		TotalCount: len(routes), PageNumber: page, PageSize: size, RequestId: req.requestID,
		VcoRouteEntries: []vcoRouteEntryView{}, VpnRouteCounts: []vpnRouteCountView{},
	}
	for _, src := range sources {
		body.VpnRouteCounts = append(body.VpnRouteCounts, vpnRouteCountView{RouteEntryType: routeType, RouteCount: counts[src], Source: src})
	}
	lo, hi := pageBounds(len(routes), page, size)
	body.VcoRouteEntries = append(body.VcoRouteEntries, routes[lo:hi]...)
	if req.quirks.cfg.TotalCountPerPage {
		body.TotalCount = len(body.VcoRouteEntries)
	}
	return body, nil
}

// vcoRoutes returns the connection's routes of one type. BGP routes are
// those learned from the data center (fixture, Source VPN_BGP) followed by
// those learned from the transit router (Source CLOUD): every VPC route
// Published to an ECR attached to the connection's transit router.
func (w *world) vcoRoutes(c *vpnConnection, routeType string) []vcoRouteEntryView {
	var out []vcoRouteEntryView
	created := c.created.UnixMilli()
	if routeType == vcoRouteCustom {
		for _, r := range c.CustomRoutes {
			out = append(out, vcoRouteEntryView{
				VpnConnectionId: c.ID, RouteDest: r.Dest, NextHop: defaultString(r.NextHop, c.ID), Weight: r.Weight,
				State: defaultString(r.State, "published"), RouteEntryType: vcoRouteCustom, CreateTime: created,
				NextHopTunnelIdList: []string{},
			})
		}
		return out
	}
	for _, r := range c.BgpRoutes {
		out = append(out, vcoRouteEntryView{
			VpnConnectionId: c.ID, RouteDest: r.Dest, NextHop: defaultString(r.NextHop, c.ID), Weight: r.Weight,
			State: defaultString(r.State, "Active"), RouteEntryType: vcoRouteBgp, CreateTime: created,
			AsPath: r.AsPath, Community: r.Community, Source: "VPN_BGP", NextHopTunnelIdList: []string{},
		})
	}
	for _, lr := range w.publishedRoutesVia(c.TransitRouterID) {
		out = append(out, vcoRouteEntryView{
			VpnConnectionId: c.ID, RouteDest: lr.dest, NextHop: c.TransitRouterID, Weight: 0,
			State: "Active", RouteEntryType: vcoRouteBgp, CreateTime: lr.since.UnixMilli(),
			AsPath: lr.asPath(), Source: "CLOUD", NextHopTunnelIdList: []string{},
		})
	}
	return out
}

type describeCrossAccountBody struct {
	RequestId                  string
	TotalCount                 int
	PageNumber                 int
	PageSize                   int
	CrossAccountAuthorizations []crossAccountAuthorizationView
}

type crossAccountAuthorizationView struct {
	VpnConnectionId string
	BindUid         int64
	BindProduct     string
	BindInstance    string
	AliUid          int64
	CreationTime    int64
}

func describeVpnCrossAccountAuthorizations(w *world, req *rpcRequest) (any, *apiError) {
	page, size, apiErr := req.params.paging()
	if apiErr != nil {
		return nil, apiErr
	}
	c, apiErr := w.vpnConnectionOf(req)
	if apiErr != nil {
		return nil, apiErr
	}
	owner, _ := strconv.ParseInt(c.OwnerUID, 10, 64) // validated numeric by Fixture.Validate
	lo, hi := pageBounds(len(c.authorizations), page, size)
	body := describeCrossAccountBody{
		RequestId: req.requestID, TotalCount: len(c.authorizations), PageNumber: page, PageSize: size,
		CrossAccountAuthorizations: make([]crossAccountAuthorizationView, 0, hi-lo),
	}
	for _, a := range c.authorizations[lo:hi] {
		body.CrossAccountAuthorizations = append(body.CrossAccountAuthorizations, crossAccountAuthorizationView{
			VpnConnectionId: c.ID, BindUid: a.bindUID, BindProduct: a.bindProduct,
			BindInstance: a.bindInstance, AliUid: owner, CreationTime: a.created.UnixMilli(),
		})
	}
	if req.quirks.cfg.TotalCountPerPage {
		body.TotalCount = len(body.CrossAccountAuthorizations)
	}
	return body, nil
}
