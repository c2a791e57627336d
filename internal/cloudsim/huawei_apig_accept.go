package cloudsim

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// AcceptOrRejectEndpointConnections: POST
// /v2/{project_id}/apigw/instances/{instance_id}/vpc-endpoint/connections/action
// with {"action": "receive" | "reject", "endpoints": [1..50 connection IDs]}
// (APIG API Reference: Accepting or Rejecting a VPC Endpoint Connection).
// It answers the connections it acted on, in their new status.
//
// The document names no code for an endpoint the gateway does not have,
// nor for a connection in a status that cannot be accepted or rejected
// (failed, creating, deleting); cloudsim answers both as the parameter
// error the gateway gives every refused parameter, 400 APIG.2012 naming
// endpoints. Accepting an accepted connection, or rejecting a rejected
// one, changes nothing and succeeds.

const (
	endpointActionReceive = "receive"
	endpointActionReject  = "reject"
	// maxEndpointsPerAction is the document's array length of endpoints.
	maxEndpointsPerAction = 50
)

type endpointActionBody struct {
	Action    *string  `json:"action"`
	Endpoints []string `json:"endpoints"`
}

// endpointActionTarget is the status each action moves a connection to,
// and the statuses it moves from.
var endpointActionTarget = map[string]struct {
	to   string
	from []string
}{
	endpointActionReceive: {EndpointAccepted, []string{EndpointPendingAcceptance, EndpointRejected}},
	endpointActionReject:  {EndpointRejected, []string{EndpointPendingAcceptance, EndpointAccepted}},
}

func (s *Server) acceptOrRejectEndpointConnections(projectID, instanceID string, body []byte, call *Call) (any, *apiError) {
	var req endpointActionBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, errHuaweiBadRequest()
	}
	if req.Action == nil {
		return nil, errHuaweiInvalidParam("action")
	}
	target, ok := endpointActionTarget[*req.Action]
	if !ok {
		return nil, errHuaweiInvalidParam("action")
	}
	if len(req.Endpoints) < 1 || len(req.Endpoints) > maxEndpointsPerAction {
		return nil, errHuaweiInvalidParam("endpoints")
	}
	call.Params["action"] = *req.Action
	call.Params["endpoints"] = strings.Join(req.Endpoints, ",")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.world.settle(now)
	g, apiErr := s.world.endpointService(projectID, instanceID)
	if apiErr != nil {
		return nil, apiErr
	}
	// Check every endpoint before changing any: a refused call changes
	// nothing.
	acted := make([]*endpointConnection, 0, len(req.Endpoints))
	for _, id := range req.Endpoints {
		i := slices.IndexFunc(g.connections, func(c *endpointConnection) bool { return c.id == id })
		if i < 0 {
			return nil, errHuaweiInvalidParam("endpoints")
		}
		c := g.connections[i]
		if c.status != target.to && !slices.Contains(target.from, c.status) {
			return nil, errHuaweiInvalidParam("endpoints")
		}
		if !slices.Contains(acted, c) {
			acted = append(acted, c)
		}
	}
	out := listEndpointConnectionsBody{Connections: []endpointConnectionView{}}
	for _, c := range acted {
		if c.status != target.to {
			s.quirks.endpointActedOn(c.id, c.status)
			c.status, c.updated = target.to, now
		}
		// Whatever the fixture said it would become, it is decided now.
		c.pending = nil
		delete(s.world.unsettledConnections, c)
		out.Connections = append(out.Connections, c.view())
	}
	out.Size, out.Total = len(out.Connections), len(out.Connections)
	return out, nil
}
