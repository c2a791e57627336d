package workflows

import "github.com/vpcflow/vpcflow/contract"

// changeRecorder keeps what a workflow changed in the cloud, as it changes
// it: the interface it connected, the routes it published, the RequestIds of
// the calls that changed something, and how a rollback of it went. The
// progress query shows it; a cancel reports it and a Rollback undoes it.
type changeRecorder struct {
	progress *contract.Progress // its Changed, ChangeRequestIds and Rollback
}

// changed notes the RequestId of a call that changed something.
func (r *changeRecorder) changed(requestID string) {
	if requestID != "" {
		r.progress.ChangeRequestIds = append(r.progress.ChangeRequestIds, requestID)
	}
}

// requestIDs are the RequestIds of the calls that changed something.
func (r *changeRecorder) requestIDs() []string {
	return append([]string{}, r.progress.ChangeRequestIds...)
}

// connected records that the change connected an interface. requestID
// is "" when the connect's answer never came (cancelled while retried):
// it counts as made, since a rollback reads before it undoes.
func (r *changeRecorder) connected(regionID, routerInterfaceID, requestID string) {
	c := r.changes(regionID)
	c.RouterInterfaceId = routerInterfaceID
	if requestID != "" {
		c.RequestIds = append(c.RequestIds, requestID)
	}
}

// activated records that the change activated an interface it found
// Inactive, requestID as for connected.
func (r *changeRecorder) activated(regionID, routerInterfaceID, requestID string) {
	r.connected(regionID, routerInterfaceID, requestID)
	r.progress.Changed.Activated = true
}

// published records entries of set the change published, requestID as
// for connected.
func (r *changeRecorder) published(set contract.RouteSet, entries []contract.RouteEntry, requestID string) {
	if len(entries) == 0 {
		return
	}
	c := r.changes(set.RegionId)
	c.TargetType, c.TargetInstanceId = set.TargetType, set.TargetInstanceId
	c.Published = append(c.Published, entries...)
	if requestID != "" {
		c.RequestIds = append(c.RequestIds, requestID)
	}
}

// endpoints records endpoint connections the change accepted or
// rejected, requestID as for connected.
func (r *changeRecorder) endpoints(done contract.EndpointChangeRecord, ids []string, requestID string) {
	if len(ids) == 0 {
		return
	}
	c := r.changes(done.Region)
	if c.Endpoints == nil {
		done.EndpointIds = nil
		c.Endpoints = &done
	}
	c.Endpoints.EndpointIds = append(c.Endpoints.EndpointIds, ids...)
	if requestID != "" {
		c.RequestIds = append(c.RequestIds, requestID)
	}
}

// changes is the record, started on first use.
func (r *changeRecorder) changes(regionID string) *contract.ChangeRecord {
	if r.progress.Changed == nil {
		r.progress.Changed = &contract.ChangeRecord{RegionId: regionID}
	}
	return r.progress.Changed
}

// record is what the change changed so far (empty if nothing).
func (r *changeRecorder) record() contract.ChangeRecord {
	if r.progress.Changed == nil {
		return contract.ChangeRecord{}
	}
	return *r.progress.Changed
}

// rollingBack records the rollback of the change, which outcome follows.
func (r *changeRecorder) rollingBack(outcome *contract.RollbackOutcome) {
	r.progress.Rollback = outcome
}
