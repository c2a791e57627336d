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

// publicationRequest is what Publish and Withdraw share: the validated
// target and entries.
type publicationRequest struct {
	target  *ecr
	entries []*routeEntry
	dryRun  bool
}

// parsePublication runs every check of PublishVpcRouteEntries /
// WithdrawVpcPublishedRouteEntries that does not depend on the direction,
// in the order a failing request is answered.
func parsePublication(w *world, req *rpcRequest) (*publicationRequest, *apiError) {
	targetType, apiErr := req.params.required("TargetType")
	if apiErr != nil {
		return nil, apiErr
	}
	targetID, apiErr := req.params.required("TargetInstanceId")
	if apiErr != nil {
		return nil, apiErr
	}
	dryRun, apiErr := req.params.boolean("DryRun")
	if apiErr != nil {
		return nil, apiErr
	}
	groups, apiErr := req.params.repeated("RouteEntries", maxPublishEntries)
	if apiErr != nil {
		return nil, apiErr
	}
	var refs []routeRef
	for _, n := range sortedIndices(groups) {
		g := groups[n]
		for field := range g {
			if field != "RouteTableId" && field != "DestinationCidrBlock" {
				return nil, newAPIError(http.StatusBadRequest, "InvalidParameter",
					"The parameter name %q is not supported.", fmt.Sprintf("RouteEntries.%d.%s", n, field))
			}
		}
		if g["RouteTableId"] == "" {
			return nil, errMissingParameter(fmt.Sprintf("RouteEntries.%d.RouteTableId", n))
		}
		if g["DestinationCidrBlock"] == "" {
			return nil, errMissingParameter(fmt.Sprintf("RouteEntries.%d.DestinationCidrBlock", n))
		}
		refs = append(refs, routeRef{tableID: g["RouteTableId"], destination: g["DestinationCidrBlock"]})
	}
	if targetType != PublishTargetECR {
		return nil, newAPIError(http.StatusBadRequest, "OperationDenied.UnsupportedTargetType",
			"The operation is not allowed because the target type is not supported.")
	}
	target := w.ecrs[targetID]
	if target == nil {
		return nil, errTargetNotAssociated()
	}
	out := &publicationRequest{target: target, dryRun: dryRun}
	seen := map[*routeEntry]bool{}
	for _, ref := range refs {
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
	if t.status != ResourceAvailable {
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
	if pr.dryRun {
		return nil, errDryRunPassed()
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
	if pr.dryRun {
		return nil, errDryRunPassed()
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
	maxResults, apiErr := req.params.integer("MaxResults", 20, 1, 100)
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
	tableID := req.params.get("RouteTableId")
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
	if end < len(all) {
		body.NextToken = nextTokenPrefix + strconv.Itoa(end)
	}
	return body, nil
}
