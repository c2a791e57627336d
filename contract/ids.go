package contract

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Workflow IDs are derived from the resource a workflow changes, so starting
// the same change twice (a retried deploy, a second click) attaches to the
// running workflow instead of making the change twice, and another change
// of the resource is refused while one runs: start with Start (start.go).
// Temporal allows one running workflow per ID, so the ID is also a lock on
// the resource. Each function takes the canonical input (Workflow.ID
// makes it), so two spellings of one change are one workflow.

// connectRouterInterfaceID is "connect-router-interface/<RouterInterfaceId>".
func connectRouterInterfaceID(in ConnectRouterInterfaceInput) string {
	return "connect-router-interface/" + in.RouterInterfaceId
}

// networkChangeID is "network-change/<RouterInterfaceId>": one change
// at a time per router interface.
func networkChangeID(in NetworkChangeInput) string {
	return "network-change/" + in.RouterInterfaceId
}

// networkChangePlanID is "plan-network-change/<RouterInterfaceId>/<digest
// of the input>": plans of different changes of one interface do not
// attach to each other. Approval and the recovery fields are left out of
// the digest: they say how the change asks and recovers, not what it
// does, so a spec file planned with or without them is one plan.
func networkChangePlanID(in NetworkChangeInput) string {
	in.Approval, in.OnCancel, in.OnFailure, in.DeactivateOnRollback = nil, "", "", false
	return "plan-network-change/" + in.RouterInterfaceId + "/" + digest(in)
}

// publishVpcRoutesID is "publish-vpc-routes/<TargetInstanceId>/<digest
// of the entries>".
func publishVpcRoutesID(in PublishVpcRoutesInput) string {
	return "publish-vpc-routes/" + in.TargetInstanceId + "/" + digest(in.RouteEntries)
}

// verifyVpnRoutesID is "verify-vpn-routes/<VpnConnectionId>/<digest
// of the expectations>".
func verifyVpnRoutesID(in VerifyVpnRoutesInput) string {
	return "verify-vpn-routes/" + in.VpnConnectionId + "/" + digest([]any{in.ExpectedRoutes, in.CrossAccount})
}

// apigEndpointConnectionsID is "apig-endpoint-connections/<InstanceId>/<digest
// of the filters and endpoints>".
func apigEndpointConnectionsID(in ApigEndpointConnectionsInput) string {
	return "apig-endpoint-connections/" + in.InstanceId + "/" + digest(apigIDParts(in))
}

// apigIDParts are what tells two ApigEndpointConnections inputs of one
// gateway apart. The project and region join them only when given, so an
// input without them keeps the ID it always had.
func apigIDParts(in ApigEndpointConnectionsInput) []any {
	parts := []any{in.Id, in.MarkerId, in.Status, in.WaitForAccepted}
	if in.ProjectId != "" || in.Region != "" {
		parts = append(parts, in.ProjectId, in.Region)
	}
	return parts
}

// apigEndpointChangeID is "apig-endpoint-change/<InstanceId>": one
// change at a time per gateway, whatever endpoints it names, as
// "network-change/<RouterInterfaceId>" is per interface.
func apigEndpointChangeID(in ApigEndpointChangeInput) string {
	return "apig-endpoint-change/" + in.InstanceId
}

// apigEndpointChangePlanID is "plan-apig-endpoint-change/<InstanceId>/<digest
// of what the change does>", Approval and recovery left out as for
// networkChangePlanID.
func apigEndpointChangePlanID(in ApigEndpointChangeInput) string {
	in.Approval, in.OnCancel, in.OnFailure = nil, "", ""
	return "plan-apig-endpoint-change/" + in.InstanceId + "/" + digest(in)
}

// InputDigest is the digest of a canonical input kept in a run's memo
// (InputDigestMemo): two starts of one ID with the same digest are the same
// change.
func InputDigest(in any) string { return digest(in) }

// digest is 12 hex digits of the SHA-256 of v's JSON: short enough to read,
// long enough that two different changes to one resource do not collide.
func digest(v any) string {
	data, _ := json.Marshal(v) // plain data: cannot fail
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:6])
}
