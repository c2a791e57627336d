package cloudsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// VPC route publication: PublishVpcRouteEntries,
// WithdrawVpcPublishedRouteEntries, ListVpcPublishedRouteEntries. Routes
// of a VPC's system route table are published to an ECR associated with
// the VPC; once Published they are learned as BGP routes by the VPN
// connections attached to the ECR's transit router (alibaba_vpn.go).

const maxPublishEntries = 50

type routeRef struct {
	tableID, destination string
}

// publicationParams are the parameters of PublishVpcRouteEntries /
// WithdrawVpcPublishedRouteEntries, present and well formed but not yet
// checked against the simulated cloud.
type publicationParams struct {
	targetType, targetID string
	dryRun               bool
	refs                 []routeRef
}

// publicationRequest is what Publish and Withdraw share: the validated
// target and entries.
type publicationRequest struct {
	target  *ecr
	entries []*routeEntry
}

// parsePublicationParams runs the checks a DryRun is documented to make
// of the parameters: the required ones are filled in and well formed
// (MissingParameter, InvalidParameter), in the order a failing request is
// answered.
func parsePublicationParams(p rpcParams) (publicationParams, *apiError) {
	var pp publicationParams
	var apiErr *apiError
	if pp.targetType, apiErr = p.required("TargetType"); apiErr != nil {
		return pp, apiErr
	}
	if pp.targetID, apiErr = p.required("TargetInstanceId"); apiErr != nil {
		return pp, apiErr
	}
	if pp.dryRun, apiErr = p.boolean("DryRun"); apiErr != nil {
		return pp, apiErr
	}
	groups, apiErr := p.repeated("RouteEntries", maxPublishEntries)
	if apiErr != nil {
		return pp, apiErr
	}
	for _, n := range sortedIndices(groups) {
		g := groups[n]
		for field := range g {
			if field != "RouteTableId" && field != "DestinationCidrBlock" {
				return pp, newAPIError(http.StatusBadRequest, "InvalidParameter",
					"The parameter name %q is not supported.", fmt.Sprintf("RouteEntries.%d.%s", n, field))
			}
		}
		if g["RouteTableId"] == "" {
			return pp, errMissingParameter(fmt.Sprintf("RouteEntries.%d.RouteTableId", n))
		}
		if g["DestinationCidrBlock"] == "" {
			return pp, errMissingParameter(fmt.Sprintf("RouteEntries.%d.DestinationCidrBlock", n))
		}
		pp.refs = append(pp.refs, routeRef{tableID: g["RouteTableId"], destination: g["DestinationCidrBlock"]})
	}
	return pp, nil
}

// resolvePublication runs the checks of a real publish or withdraw that
// do not depend on the direction: the target, then each entry in order.
func (w *world) resolvePublication(req *rpcRequest, pp publicationParams) (*publicationRequest, *apiError) {
	if pp.targetType != PublishTargetECR {
		return nil, newAPIError(http.StatusBadRequest, "OperationDenied.UnsupportedTargetType",
			"The operation is not allowed because the target type is not supported.")
	}
	target := w.ecrs[pp.targetID]
	if target == nil {
		return nil, errTargetNotAssociated()
	}
	out := &publicationRequest{target: target}
	seen := map[*routeEntry]bool{}
	for _, ref := range pp.refs {
		e, apiErr := w.publishableEntry(req, target, ref)
		if apiErr != nil {
			return nil, apiErr
		}
		if !seen[e] {
			seen[e] = true
			out.entries = append(out.entries, e)
		}
	}
	return out, nil
}

// parsePublication checks a publish or withdraw as far as it is checked:
// a DryRun stops after the parameters with DryRunOperation, as the
// PublishVpcRouteEntries document promises (AccessKey, RAM authorization
// and parameters only); a real call goes on to the state.
func parsePublication(w *world, req *rpcRequest) (*publicationRequest, *apiError) {
	pp, apiErr := parsePublicationParams(req.params)
	if apiErr != nil {
		return nil, apiErr
	}
	if pp.dryRun {
		return nil, errDryRunPassed()
	}
	return w.resolvePublication(req, pp)
}

func errTargetNotAssociated() *apiError {
	return newAPIError(http.StatusBadRequest, "ResourceNotAssociated.TargetInstance", "The target instance is not associated with vpc.")
}

func errRouteEntryNotFound() *apiError {
	return newAPIError(http.StatusBadRequest, "ResourceNotFound.RouteEntry", "The specified resource routeEntry is not found.")
}

// publishableEntry resolves one RouteEntries.N and checks that it may be
// published to (or withdrawn from) target.
func (w *world) publishableEntry(req *rpcRequest, target *ecr, ref routeRef) (*routeEntry, *apiError) {
	t := w.tables[ref.tableID]
	if t == nil || t.vpc.ownerUID != req.key.accountUID || t.vpc.regionID != req.regionID {
		return nil, errRouteEntryNotFound()
	}
	if t.vpc.status != ResourceAvailable {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectStatus.Vpc", "The status of %s [%s] is incorrect.", "vpc", t.vpc.id)
	}
	if t.status != ResourceAvailable || (req.quirks.cfg.OneWritePerRouteTable && t.writing()) {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectStatus.RouteTable", "The route table is in an invalid state.")
	}
	if t.tableType == RouteTableTypeCustom {
		return nil, newAPIError(http.StatusBadRequest, "Forbidden.OperateCustomRouteTable",
			"The operation is forbidden because publish route entry in custom route table.")
	}
	if !target.associated[t.vpc.id] {
		return nil, errTargetNotAssociated()
	}
	var e *routeEntry
	for _, x := range t.entries {
		if x.destination == ref.destination {
			e = x
			break
		}
	}
	if e == nil {
		return nil, errRouteEntryNotFound()
	}
	if strings.HasPrefix(e.destination, "pl-") {
		return nil, newAPIError(http.StatusBadRequest, "OperationUnsupported.PublishPrefixListRouteEntry",
			"Publishing prefix list route entry is unsupported.")
	}
	if e.entryType == RouteEntryTypeSystem {
		return nil, newAPIError(http.StatusBadRequest, "OperationUnsupported.PublishSystemRouteEntry",
			"Publishing system route entry is unsupported.")
	}
	if !publishableNextHops[e.nextHopType] {
		return nil, newAPIError(http.StatusBadRequest, "OperationUnsupported.UnsupportedNextHop",
			"Unsupported nexthop type for route entry publish operation.")
	}
	if e.status != ResourceAvailable {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectStatus.RouteEntry", "The status of %s [%s] is incorrect.", "routeEntry", e.id)
	}
	if st := e.targets[target.ID]; st != nil && (st.status == PublishStatusPublishing || st.status == PublishStatusWithdrawing) {
		return nil, newAPIError(http.StatusBadRequest, "IncorrectStatus.RouteEntryPublishStatus", "Route entry publish status is incorrect.")
	}
	return e, nil
}

func errDryRunPassed() *apiError {
	return newAPIError(http.StatusBadRequest, "DryRunOperation", "Request validation has been passed with DryRun flag set.")
}

// publishVpcRouteEntries moves each entry to Publishing for the target;
// entries already Published to it are left alone (idempotent).
func publishVpcRouteEntries(w *world, req *rpcRequest) (any, *apiError) {
	pr, apiErr := parsePublication(w, req)
	if apiErr != nil {
		return nil, apiErr
	}
	at := req.now.Add(w.delays.RoutePublish.Std())
	for _, e := range pr.entries {
		st := e.targets[pr.target.ID]
		if st != nil && st.status == PublishStatusPublished {
			continue
		}
		e.targets[pr.target.ID] = &publishState{
			status: PublishStatusPublishing, since: req.now,
			pending: &pendingTransition{to: PublishStatusPublished, at: at},
		}
		w.unsettledRoutes[e] = true
		req.quirks.publishing(e.id, pr.target.ID)
	}
	return requestIDBody{RequestId: req.requestID}, nil
}

// withdrawVpcPublishedRouteEntries moves each Published entry to
// Withdrawing; entries not published to the target are left alone.
func withdrawVpcPublishedRouteEntries(w *world, req *rpcRequest) (any, *apiError) {
	pr, apiErr := parsePublication(w, req)
	if apiErr != nil {
		return nil, apiErr
	}
	at := req.now.Add(w.delays.RouteWithdraw.Std())
	for _, e := range pr.entries {
		st := e.targets[pr.target.ID]
		if st == nil || st.status == PublishStatusNonPublished {
			continue
		}
		e.targets[pr.target.ID] = &publishState{
			status: PublishStatusWithdrawing, since: req.now,
			pending: &pendingTransition{to: PublishStatusNonPublished, at: at},
		}
		w.unsettledRoutes[e] = true
		req.quirks.withdrawing(e.id, pr.target.ID)
	}
	return requestIDBody{RequestId: req.requestID}, nil
}

type listPublishedBody struct {
	RequestId    string
	NextToken    string
	RouteEntries []publishedEntryView
}

type publishedEntryView struct {
	RouteEntryId         string
	DestinationCidrBlock string
	RouteTableId         string
	RoutePublishTargets  []publishTargetView
}

type publishTargetView struct {
	PublishStatus           string
	PublishTargetType       string
	PublishTargetInstanceId string
}

const nextTokenPrefix = "cloudsim-"

// listVpcPublishedRouteEntries lists the custom routes of the caller's
// system route tables in the region with their publish status per ECR
// associated with the VPC (NonPublished if never published).
func listVpcPublishedRouteEntries(w *world, req *rpcRequest) (any, *apiError) {
	targetType, apiErr := req.params.required("TargetType")
	if apiErr != nil {
		return nil, apiErr
	}
	if targetType != PublishTargetECR {
		return nil, newAPIError(http.StatusBadRequest, "OperationDenied.UnsupportedTargetType",
			"The operation is not allowed because the target type is not supported.")
	}
	// The document: MaxResults 1 to 500, default 50; RouteTableId required.
	maxResults, apiErr := req.params.integer("MaxResults", 50, 1, 500)
	if apiErr != nil {
		return nil, apiErr
	}
	tableID, apiErr := req.params.required("RouteTableId")
	if apiErr != nil {
		return nil, apiErr
	}
	offset := 0
	if tok := req.params.get("NextToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, nextTokenPrefix))
		if !strings.HasPrefix(tok, nextTokenPrefix) || err != nil || n < 0 {
			return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The specified NextToken is invalid.")
		}
		offset = n
	}
	targetID := req.params.get("TargetInstanceId")
	dest := req.params.get("DestinationCidrBlock")

	var all []publishedEntryView
	for _, v := range w.vpcOrder {
		if v.ownerUID != req.key.accountUID || v.regionID != req.regionID {
			continue
		}
		var targets []*ecr
		for _, e := range w.ecrOrder {
			if e.associated[v.id] && (targetID == "" || e.ID == targetID) {
				targets = append(targets, e)
			}
		}
		if targetID != "" && len(targets) == 0 {
			continue
		}
		for _, t := range v.tables {
			if t.tableType != RouteTableTypeSystem || (tableID != "" && t.id != tableID) {
				continue
			}
			for _, re := range t.entries {
				if re.entryType != RouteEntryTypeCustom || (dest != "" && re.destination != dest) {
					continue
				}
				view := publishedEntryView{
					RouteEntryId: re.id, DestinationCidrBlock: re.destination, RouteTableId: t.id,
					RoutePublishTargets: []publishTargetView{},
				}
				for _, e := range targets {
					status := PublishStatusNonPublished
					if st := re.targets[e.ID]; st != nil {
						status = st.status
					}
					view.RoutePublishTargets = append(view.RoutePublishTargets, publishTargetView{
						PublishStatus: status, PublishTargetType: PublishTargetECR, PublishTargetInstanceId: e.ID,
					})
				}
				all = append(all, view)
			}
		}
	}
	body := listPublishedBody{RequestId: req.requestID, RouteEntries: []publishedEntryView{}}
	if offset >= len(all) {
		return body, nil
	}
	end := min(offset+maxResults, len(all))
	body.RouteEntries = all[offset:end]
	// Only the answered page is read, so only it uses up lagged reads.
	for i := range body.RouteEntries {
		for j := range body.RouteEntries[i].RoutePublishTargets {
			t := &body.RouteEntries[i].RoutePublishTargets[j]
			t.PublishStatus = req.quirks.publishStatusRead(body.RouteEntries[i].RouteEntryId, t.PublishTargetInstanceId, t.PublishStatus)
		}
	}
	if end < len(all) {
		body.NextToken = nextTokenPrefix + strconv.Itoa(end)
	}
	return body, nil
}

// writing tells whether an entry of the table is Publishing or Withdrawing
// to any target: a write on the table in flight.
func (t *routeTable) writing() bool {
	for _, e := range t.entries {
		for _, st := range e.targets {
			if st.status == PublishStatusPublishing || st.status == PublishStatusWithdrawing {
				return true
			}
		}
	}
	return false
}
