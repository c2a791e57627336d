package activities

import (
	"strings"
	"time"

	"github.com/vpcflow/vpcflow/contract"
)

// ErrorCode is one row of the error-code table: a code a cloud API answers,
// what vpcflow does with it, what the user must fix, and where the code is
// documented.
type ErrorCode struct {
	Code   string
	Class  contract.ErrorClass
	Fix    string // for contract.Permanent rows: what the user must change
	Source string // the document that names the code
}

// busyFor holds the Busy codes retried only so long, then taken as
// permanent with their row's Fix: a state that clears in seconds when it is
// a race, and never by itself when it is not.
var busyFor = map[string]time.Duration{
	"OperationFailed.OperationLocked": 30 * time.Second,
}

// after is the row as it stands for a call retried for so long: a Busy row
// of busyFor whose time has passed is Permanent.
func (row ErrorCode) after(retried time.Duration) ErrorCode {
	if limit, ok := busyFor[row.Code]; ok && row.Class == contract.Busy && retried >= limit {
		row.Class = contract.Permanent
	}
	return row
}

// The documents the rows cite. The five API references are kept verbatim in
// testdata/seeds so a test can check that every code they name has a row.
const (
	docConnect      = "Alibaba Cloud VPC API: ConnectRouterInterface, error codes (updated 2024-03-04)"
	docPublish      = "Alibaba Cloud VPC API: PublishVpcRouteEntries, error codes (updated 2025-10-27)"
	docVco          = "Alibaba Cloud VPN Gateway API: DescribeVcoRouteEntries, error codes (updated 2024-04-02)"
	docDeactivate   = "Alibaba Cloud VPC API: DeactivateRouterInterface, error codes (updated 2026-04-27; IncorrectStatus from its 2024-03-04 version)"
	docActivate     = "Alibaba Cloud VPC API: ActivateRouterInterface, error codes (updated 2026-01-07)"
	docWithdraw     = "Alibaba Cloud VPC API: WithdrawVpcPublishedRouteEntries, error codes (updated 2026-01-07; changed 2025-03-03)"
	docCrossAcct    = "Alibaba Cloud VPN Gateway API: DescribeVpnCrossAccountAuthorizations (updated 2025-03-21), which defers to the common error codes"
	docAliCommon    = "Alibaba Cloud common error codes (OpenAPI error center; VPC, ECS, CEN tables)"
	docIdempotency  = "Alibaba Cloud VPC: How to ensure idempotence (ClientToken)"
	docAPIG         = "Huawei Cloud APIG API: Querying VPC Endpoint Connections (updated 2023-11-30)"
	docAPIGAccept   = "Huawei Cloud APIG API: Accepting or Rejecting a VPC Endpoint Connection (updated 2023-11-30; endpoints 1-50; IAM action apig:instance:acceptOrRejectVpcEndpointConnection, depending on apig:instance:get)"
	docAPIGThrottle = "Huawei Cloud APIG error codes; terraform-provider-huaweicloud issue #1335 (APIGW.0308 over ratelimit)"
	docAPIGGateway  = "Huawei Cloud APIG User Guide: Error Codes (what the gateway answers to an API call), and its FAQ \"Incorrect IAM authentication information\""
	docAPIGManage   = "Huawei Cloud APIG API Reference: Error Codes (what the APIG management API answers)"
	docRAMDenied    = "Alibaba Cloud RAM: How to troubleshoot an access denied error (NoPermission, Forbidden.RAM, NotAuthorized); ECS: announcement of the authentication change of query APIs (Forbidden.RAM with AccessDeniedDetail)"
)

// errorCodes is the one table that classifies every code vpcflow can meet.
// Codes are matched exactly; a row whose Code ends in ".*" matches every code
// with that prefix that has no row of its own.
var errorCodes = []ErrorCode{
	// ConnectRouterInterface.
	{"IncorrectRole.NotInitiatingSide", contract.Permanent, "connect from the InitiatingSide router interface of the pair; this one is the AcceptingSide", docConnect},
	{"IncorrectRIStatus", contract.Busy, "only an Idle router interface can be connected; vpcflow reads the state and stops if it cannot become Active", docConnect},
	{"IncorrectOppositeInterfaceInfo.NotSet", contract.Permanent, "set OppositeInterfaceId, OppositeRouterId, OppositeRouterType and OppositeInterfaceOwnerId on the initiator (ModifyRouterInterfaceAttribute) before connecting", docConnect},
	{"IncorrectOppositeInterfaceInfo", contract.Permanent, "the opposite interface fields are wrong: they name the same router, a missing interface or router, or an interface that is not AcceptingSide", docConnect},
	{"Forbidden.OnlyOneConnection", contract.Permanent, "these two routers already have a connected pair, or another connection between them is in progress; use the existing pair", docConnect},
	{"Forbidden.BillsOutstanding", contract.Permanent, "the account has overdue bills; settle them before connecting", docConnect},
	{"InvalidAccount.NotFound", contract.Permanent, "the account named by the opposite interface owner does not exist; check OppositeInterfaceOwnerId", docConnect},
	{"ErrCode.Invalid", contract.Permanent, "the cloud rejected the request without detail; check the interface pair in the console and the RequestId with support", docConnect},
	{"AttrMismatching.AcceptingSideRole", contract.Permanent, "the accepting side's role does not match; its Role must be AcceptingSide", docConnect},
	{"AttrMismatching.AcceptingSideInstanceId", contract.Permanent, "the accepting side's interface ID does not match the initiator's OppositeInterfaceId", docConnect},
	{"AttrMismatching.AcceptingSideRegionNo", contract.Permanent, "the accepting side's region does not match the initiator's OppositeRegionId", docConnect},
	{"AttrMismatching.AcceptingSideRouterId", contract.Permanent, "the accepting side's router does not match the initiator's OppositeRouterId", docConnect},
	{"AttrMismatching.AcceptingSideRouterType", contract.Permanent, "the accepting side's router type does not match the initiator's OppositeRouterType", docConnect},
	{"AttrMismatching.AcceptingSideAliUid", contract.Permanent, "the accepting side's owner account does not match the initiator's OppositeInterfaceOwnerId", docConnect},
	{"AttrMismatching.AcceptingSideOppositeInterfaceOwnerId", contract.Permanent, "the accepting side's OppositeInterfaceOwnerId does not name the initiator's account", docConnect},
	{"AttrMismatching.AcceptingSideOppositeRegionNo", contract.Permanent, "the accepting side's OppositeRegionId does not name the initiator's region", docConnect},
	{"AttrMismatching.AcceptingSideOppositeInterfaceId", contract.Permanent, "the accepting side's OppositeInterfaceId does not name the initiator", docConnect},
	{"AttrMismatching.AcceptingSideOppositeRouterId", contract.Permanent, "the accepting side's OppositeRouterId does not name the initiator's router", docConnect},
	{"AttrMismatching.AcceptingSideOppositeRouterType", contract.Permanent, "the accepting side's OppositeRouterType does not name the initiator's router type", docConnect},
	{"IllegalParam.InstanceOwner", contract.Permanent, "the router instance belongs to another owner; connect with the owning account's credentials", docConnect},
	{"InvalidRegionId.NotFound", contract.Permanent, "the RegionId does not exist; use a region ID such as cn-hangzhou", docConnect},
	{"InvalidRouterInterfaceId.NotFound", contract.Permanent, "no router interface has this ID in this region; check RouterInterfaceId and RegionId", docConnect},
	{"CROSS_BID.FORBIDDEN", contract.Permanent, "the two interfaces belong to accounts of different sites (BID); cross-site connections are not allowed", docConnect},

	// PublishVpcRouteEntries.
	{"IncorrectStatus.Vpc", contract.Busy, "", docPublish},
	{"ResourceNotFound.RouteEntry", contract.Permanent, "no route entry with this destination exists in the route table; create it first or fix DestinationCidrBlock/RouteTableId", docPublish},
	{"IncorrectStatus.RouteEntry", contract.Busy, "", docPublish},
	{"Forbidden.OperateCustomRouteTable", contract.Permanent, "routes can only be published from the VPC's system route table; use the system route table's ID", docPublish},
	{"IncorrectStatus.RouteEntryPublishStatus", contract.Busy, "", docPublish},
	{"ResourceNotAssociated.TargetInstance", contract.Permanent, "the target instance is not associated with this VPC; associate the VPC with the ECR first", docPublish},
	{"OperationDenied.UnsupportedTargetType", contract.Permanent, "this TargetType cannot receive published routes; use ECR", docPublish},
	{"IncorrectStatus.RouteTable", contract.Busy, "", docPublish},
	{"OperationUnsupported.PublishSystemRouteEntry", contract.Permanent, "system route entries (the VPC's own CIDR routes) cannot be published; publish custom route entries only", docPublish},
	{"OperationUnsupported.UnsupportedNextHop", contract.Permanent, "the route entry's next-hop type cannot be published; pick routes whose next hop is supported", docPublish},
	{"OperationUnsupported.PublishPrefixListRouteEntry", contract.Permanent, "route entries whose destination is a prefix list cannot be published; publish CIDR routes", docPublish},
	{"DryRunOperation", contract.DryRunPassed, "", docPublish},

	// DeactivateRouterInterface, which a rollback calls. Its refusal of an
	// interface that is not Active (IncorrectRIStatus, above; IncorrectStatus
	// in the document's older versions) is settled by reading: a retry
	// after a lost answer finds the interface Deactivating.
	{"IncorrectStatus", contract.Busy, "", docDeactivate},
	{"Forbidden.FinancialLocked", contract.Permanent, "the interface is locked because the account has overdue bills; settle them, then start (or roll back) again", docDeactivate + "; " + docActivate},
	{"Forbbiden.InvaildOwner", contract.Permanent, "the router interface belongs to another account; roll back with the owning account's credentials", docDeactivate}, // sic
	// The interface is locked: by an operation in flight (clears in
	// seconds), or by Alibaba Cloud itself (a security or administrative
	// lock, which no retry clears).
	// (busyFor: retried 30 s, then permanent with this Fix.)
	{"OperationFailed.OperationLocked", contract.Busy, "the router interface is locked and stayed locked for 30 s: Alibaba Cloud locks a resource for security or administrative reasons, and only its support can lift that; ask them with the RequestId, then roll back again", docDeactivate},

	// ActivateRouterInterface, which a change calls when it finds its
	// interface Inactive (a rollback deactivated it). Its refusal of an
	// interface that is not Inactive (IncorrectRIStatus, above) is settled
	// by reading, as the deactivate's.
	{"OperationFailed.PconnTrafficNotEnable", contract.Permanent, "outbound data transfer is not enabled for the physical connection behind the interface; enable its billing, then start again", docActivate},
	{"Forbbiden", contract.Permanent, "the router does not belong to this account; activate with the owning account's credentials", docActivate}, // sic
	{"NotSupportLinkrole", contract.Permanent, "the interface is not a virtual interface for a connection, which only can be activated; check RouterInterfaceId", docActivate},
	{"OppositeRouterInterfaceIsDeleted", contract.Permanent, "the interface's peer was deleted: the pair cannot be activated; create a new pair", docActivate},

	// WithdrawVpcPublishedRouteEntries, which a rollback calls, answers the
	// codes of PublishVpcRouteEntries above, and this one.
	{"MissingParam.RouteEntries", contract.Permanent, "the withdraw named no route entries; this is a vpcflow bug, report it with the RequestId", docWithdraw},

	// DescribeVcoRouteEntries.
	{"IllegalParam.RouteEntryType", contract.Permanent, "RouteEntryType must be custom or bgp", docVco},
	{"Vco.StatusNotSupport", contract.Busy, "", docVco},
	{"Forbbiden.SubUser", contract.Permanent, "this RAM user may not read a resource created by another user; grant it access to the VPN connection", docVco}, // sic: the document spells it Forbbiden
	{"Forbidden", contract.Permanent, "the credentials are not authorized for this operation; grant the RAM policy action (for example vpc:DescribeVcoRouteEntries)", docVco},
	{"InvalidVpnConnectionInstanceId.NotFound", contract.Permanent, "no IPsec-VPN connection has this ID in this region; check VpnConnectionId and RegionId", docVco},

	// Alibaba Cloud generic codes, answered by every operation above.
	{"Throttling", contract.Throttled, "", docAliCommon},
	{"Throttling.User", contract.Throttled, "", docAliCommon},
	{"Throttling.Api", contract.Throttled, "", docAliCommon},
	// Any other Throttling.* (Throttling.Resource, ...) is a throttle too.
	{"Throttling.*", contract.Throttled, "", docAliCommon},
	{"ServiceUnavailable", contract.Transient, "", docAliCommon},
	{"InternalError", contract.Transient, "", docAliCommon},
	{"UnknownError", contract.Transient, "", docAliCommon},
	{"SystemBusy", contract.Transient, "", docAliCommon},
	{"OperationConflict", contract.Busy, "", docAliCommon},
	{"LastTokenProcessing", contract.Busy, "", docIdempotency},
	{"OperationFailed.LastTokenProcessing", contract.Busy, "", docIdempotency},
	{"IncorrectStatus.*", contract.Busy, "", docAliCommon},
	{"IdempotentParameterMismatch", contract.Permanent, "the same ClientToken was used with other parameters; vpcflow sends no ClientToken, so report this with the RequestId", docIdempotency},
	{"Forbidden.RAM", contract.Permanent, "the worker's RAM identity lacks the permission of this action; grant it (deploy/policies/alibaba-ram-policy.json lists every action vpcflow calls)", docRAMDenied},
	{"NoPermission", contract.Permanent, "the worker's RAM identity lacks the permission of this action; grant it (deploy/policies/alibaba-ram-policy.json lists every action vpcflow calls)", docRAMDenied},
	{"NotAuthorized", contract.Permanent, "the worker's RAM identity is not authorized for this action; grant it (deploy/policies/alibaba-ram-policy.json lists every action vpcflow calls)", docRAMDenied},
	{"SignatureDoesNotMatch", contract.Permanent, "the AccessKey secret does not match the AccessKey ID; check ALIBABA_CLOUD_ACCESS_KEY_SECRET", docAliCommon},
	{"InvalidAccessKeyId.NotFound", contract.Permanent, "the AccessKey ID does not exist; check ALIBABA_CLOUD_ACCESS_KEY_ID", docAliCommon},
	{"InvalidAccessKeyId.Inactive", contract.Permanent, "the AccessKey is disabled; enable it or use another", docAliCommon},
	{"InvalidTimeStamp.Expired", contract.Permanent, "the worker's clock is more than 15 minutes off; synchronise it (NTP)", docAliCommon},
	{"SignatureNonceUsed", contract.Transient, "", docAliCommon}, // a fresh nonce is drawn on every attempt
	{"MissingParameter", contract.Permanent, "a required parameter is missing; this is a vpcflow bug, report it with the RequestId", docAliCommon},
	{"InvalidParameter", contract.Permanent, "a parameter is malformed; check the workflow input", docAliCommon},

	// Huawei Cloud APIG ListEndpointConnections, and
	// AcceptOrRejectEndpointConnections, whose document answers 401 and
	// 403 with the same codes.
	{"APIC.7102", contract.Permanent, "the Huawei credentials were refused (incorrect token or signature); check HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK", docAPIG + "; " + docAPIGAccept},
	{"APIC.7106", contract.Permanent, "the Huawei credentials lack permission for this APIG method; grant the IAM policy of deploy/policies/huawei-iam-policy.json (apig:instance:listVpcEndpoint, apig:instance:acceptOrRejectVpcEndpointConnection, apig:instance:get)", docAPIG + "; " + docAPIGAccept},
	{"APIC.7314", contract.Permanent, "the gateway has no VPC endpoint service; check InstanceId and that the endpoint service is enabled", docAPIG},
	{"APIC.9007", contract.Transient, "", docAPIG},
	{"APIGW.0308", contract.Throttled, "", docAPIGThrottle},

	// Huawei Cloud APIG, codes of the gateway in front of every API and of
	// the APIG management API (which ListEndpointConnections belongs to).
	{"APIG.0101", contract.Permanent, "the API was not found at this endpoint; check HUAWEICLOUD_SDK_REGION or VPCFLOW_HUAWEI_APIG_ENDPOINT", docAPIGGateway},
	{"APIG.0201", contract.Permanent, "the gateway refused the request as malformed or too large; report it with the RequestId", docAPIGGateway},
	{"APIG.0301", contract.Permanent, "the Huawei AK/SK was refused (a wrong SK, an unknown AK, or a clock more than 15 minutes off); check HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (after five failures in a row the gateway locks the AK for 5 minutes)", docAPIGGateway},
	{"APIG.0308", contract.Throttled, "", docAPIGGateway},
	{"APIG.2012", contract.Permanent, "a parameter was refused; check the workflow input (Status, MarkerId, Limit; for an accept or reject, EndpointIds: connections of this gateway that can move)", docAPIGManage},
	{"APIG.3030", contract.Permanent, "no gateway with this ID in the project; check InstanceId, and ProjectId and Region if the input names them", docAPIGManage},
	{"APIG.9999", contract.Transient, "", docAPIGManage},
}

// errorCodeIndex is errorCodes keyed by code, built once.
var errorCodeIndex = func() map[string]ErrorCode {
	index := make(map[string]ErrorCode, len(errorCodes))
	for _, row := range errorCodes {
		index[row.Code] = row
	}
	return index
}()

// LookupErrorCode returns the table row for a cloud error code: the exact row
// if there is one, else the longest wildcard row ("IncorrectStatus.*") whose
// prefix matches.
func LookupErrorCode(code string) (ErrorCode, bool) {
	if row, ok := errorCodeIndex[code]; ok {
		return row, true
	}
	for prefix := code; ; {
		i := strings.LastIndexByte(prefix, '.')
		if i < 0 {
			return ErrorCode{}, false
		}
		prefix = prefix[:i]
		if row, ok := errorCodeIndex[prefix+".*"]; ok {
			return row, true
		}
	}
}

// ErrorCodes returns a copy of the table, for documentation and tests.
func ErrorCodes() []ErrorCode {
	return append([]ErrorCode(nil), errorCodes...)
}
