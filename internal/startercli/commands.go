package startercli

import (
	"flag"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// workflowCommand is a subcommand that starts one workflow type.
type workflowCommand struct {
	name         string
	workflowType string
	summary      string
	// bind defines the command's flags on fs and returns a function that
	// builds the input: from the spec file if one was given, with the flags
	// that were set on top.
	bind func(fs *flag.FlagSet) (build func(specPath string, set map[string]bool) (startRequest, error))
}

// startRequest is everything needed to start one workflow.
type startRequest struct {
	input            interface{ Validate() error }
	id               string
	summary          string
	searchAttributes temporal.SearchAttributes
	newResult        func() any
}

func waitTimeoutFlag(fs *flag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "wait-timeout", 0, "how long each wait may take (default 10m)")
}

func loadIf(specPath string, in any) error {
	if specPath == "" {
		return nil
	}
	return loadSpec(specPath, in)
}

var workflowCommands = []workflowCommand{
	{
		name: "connect", workflowType: contract.ConnectRouterInterface.Type,
		summary: "connect an InitiatingSide router interface and wait until it is Active",
		bind: func(fs *flag.FlagSet) func(string, map[string]bool) (startRequest, error) {
			var region, ri string
			var wait time.Duration
			fs.StringVar(&region, "region", "", "region ID, such as cn-hangzhou")
			fs.StringVar(&ri, "router-interface", "", "the InitiatingSide router interface, ri-...")
			waitTimeoutFlag(fs, &wait)
			return func(spec string, set map[string]bool) (startRequest, error) {
				var in contract.ConnectRouterInterfaceInput
				if err := loadIf(spec, &in); err != nil {
					return startRequest{}, err
				}
				override(set, "region", &in.RegionId, region)
				override(set, "router-interface", &in.RouterInterfaceId, ri)
				override(set, "wait-timeout", &in.WaitTimeout, contract.Duration(wait))
				return startRequest{
					input: in, id: contract.ConnectRouterInterface.ID(in),
					summary:          "Connect " + in.RouterInterfaceId,
					searchAttributes: contract.StartSearchAttributes(in.RegionId, in.RouterInterfaceId, ""),
					newResult:        func() any { return new(contract.ConnectRouterInterfaceResult) },
				}, nil
			}
		},
	},
	{
		name: "publish", workflowType: contract.PublishVpcRoutes.Type,
		summary: "publish VPC route entries to an ECR, after a DryRun",
		bind: func(fs *flag.FlagSet) func(string, map[string]bool) (startRequest, error) {
			var region, targetType, target string
			var routes []contract.RouteEntry
			var wait time.Duration
			fs.StringVar(&region, "region", "", "region ID, such as cn-hangzhou")
			fs.StringVar(&targetType, "target-type", "ECR", "type of the publish target")
			fs.StringVar(&target, "target", "", "the publish target, ecr-...")
			fs.Var(routeFlag{&routes}, "route", "a route to publish, ROUTE_TABLE_ID=CIDR (repeat for more, at most 50)")
			waitTimeoutFlag(fs, &wait)
			return func(spec string, set map[string]bool) (startRequest, error) {
				var in contract.PublishVpcRoutesInput
				if err := loadIf(spec, &in); err != nil {
					return startRequest{}, err
				}
				override(set, "region", &in.RegionId, region)
				overrideDefault(set, spec, "target-type", &in.TargetType, targetType)
				override(set, "target", &in.TargetInstanceId, target)
				override(set, "route", &in.RouteEntries, routes)
				override(set, "wait-timeout", &in.WaitTimeout, contract.Duration(wait))
				in = in.Canonical()
				return startRequest{
					input: in, id: contract.PublishVpcRoutes.ID(in),
					summary:          "Publish routes to " + in.TargetInstanceId,
					searchAttributes: contract.StartSearchAttributes(in.RegionId, "", ""),
					newResult:        func() any { return new(contract.PublishVpcRoutesResult) },
				}, nil
			}
		},
	},
	{
		name: "verify", workflowType: contract.VerifyVpnRoutes.Type,
		summary: "verify that routes reach an IPsec-VPN connection (and its cross-account CEN authorization)",
		bind: func(fs *flag.FlagSet) func(string, map[string]bool) (startRequest, error) {
			var region, vco string
			var expect []contract.ExpectedVpnRoute
			var pageSize *int
			var cross crossAccountFlags
			var wait time.Duration
			fs.StringVar(&region, "region", "", "region ID, such as cn-hangzhou")
			fs.StringVar(&vco, "vpn-connection", "", "the IPsec-VPN connection, vco-...")
			fs.Var(expectFlag{&expect}, "expect", "a route that must be present, TYPE:CIDR with TYPE custom or bgp (repeat for more)")
			fs.Var(intPtrFlag{&pageSize}, "page-size", "DescribeVcoRouteEntries page size, 1..50 (default 50)")
			fs.StringVar(&cross.cen, "cen", "", "check that the VPN connection is authorized for this CEN instance, cen-...")
			fs.Int64Var(&cross.uid, "cen-uid", 0, "the account ID that owns the CEN instance")
			waitTimeoutFlag(fs, &wait)
			return func(spec string, set map[string]bool) (startRequest, error) {
				var in contract.VerifyVpnRoutesInput
				if err := loadIf(spec, &in); err != nil {
					return startRequest{}, err
				}
				override(set, "region", &in.RegionId, region)
				override(set, "vpn-connection", &in.VpnConnectionId, vco)
				override(set, "expect", &in.ExpectedRoutes, expect)
				override(set, "page-size", &in.PageSize, pageSize)
				in.CrossAccount = cross.value(in.CrossAccount)
				override(set, "wait-timeout", &in.WaitTimeout, contract.Duration(wait))
				in = in.Canonical()
				return startRequest{
					input: in, id: contract.VerifyVpnRoutes.ID(in),
					summary:          "Verify routes on " + in.VpnConnectionId,
					searchAttributes: contract.StartSearchAttributes(in.RegionId, "", in.VpnConnectionId),
					newResult:        func() any { return new(contract.VerifyVpnRoutesResult) },
				}, nil
			}
		},
	},
	{
		name: "network-change", workflowType: contract.NetworkChange.Type,
		summary: "the whole change: cross-account check, connect, wait Active, DryRun, publish, verify",
		bind: func(fs *flag.FlagSet) func(string, map[string]bool) (startRequest, error) {
			var region, ri, targetType, target, vco string
			var routes []contract.RouteEntry
			var expect []contract.ExpectedVpnRoute
			var pageSize *int
			var cross crossAccountFlags
			var wait time.Duration
			fs.StringVar(&region, "region", "", "region ID, such as cn-hangzhou")
			fs.StringVar(&ri, "router-interface", "", "the InitiatingSide router interface, ri-...")
			fs.StringVar(&targetType, "target-type", "ECR", "type of the publish target")
			fs.StringVar(&target, "target", "", "the publish target, ecr-...")
			fs.Var(routeFlag{&routes}, "route", "a route to publish, ROUTE_TABLE_ID=CIDR (repeat for more, at most 50)")
			fs.StringVar(&vco, "vpn-connection", "", "the IPsec-VPN connection the routes must reach, vco-...")
			fs.Var(expectFlag{&expect}, "expect", "a route that must be present, TYPE:CIDR (default: every published CIDR as bgp)")
			fs.Var(intPtrFlag{&pageSize}, "page-size", "DescribeVcoRouteEntries page size, 1..50 (default 50)")
			fs.StringVar(&cross.cen, "cen", "", "check first that the VPN connection is authorized for this CEN instance, cen-...")
			fs.Int64Var(&cross.uid, "cen-uid", 0, "the account ID that owns the CEN instance")
			waitTimeoutFlag(fs, &wait)
			return func(spec string, set map[string]bool) (startRequest, error) {
				var in contract.NetworkChangeInput
				if err := loadIf(spec, &in); err != nil {
					return startRequest{}, err
				}
				override(set, "region", &in.RegionId, region)
				override(set, "router-interface", &in.RouterInterfaceId, ri)
				overrideDefault(set, spec, "target-type", &in.TargetType, targetType)
				override(set, "target", &in.TargetInstanceId, target)
				override(set, "route", &in.RouteEntries, routes)
				override(set, "vpn-connection", &in.VpnConnectionId, vco)
				override(set, "expect", &in.ExpectedRoutes, expect)
				override(set, "page-size", &in.PageSize, pageSize)
				in.CrossAccount = cross.value(in.CrossAccount)
				override(set, "wait-timeout", &in.WaitTimeout, contract.Duration(wait))
				return networkChangeRequest(in.Canonical()), nil
			}
		},
	},
	{
		name: "apig-endpoints", workflowType: contract.ApigEndpointConnections.Type,
		summary: "list a Huawei Cloud APIG gateway's VPC endpoint connections, and wait until some are accepted",
		bind: func(fs *flag.FlagSet) func(string, map[string]bool) (startRequest, error) {
			var project, region, instance, id, status string
			var marker, limit *int32
			var accepted []string
			var wait time.Duration
			fs.StringVar(&project, "project-id", "", "the gateway's Huawei Cloud project, if not the worker's (HUAWEICLOUD_SDK_PROJECT_ID)")
			fs.StringVar(&region, "region", "", "the gateway's Huawei Cloud region, if not the worker's (HUAWEICLOUD_SDK_REGION)")
			fs.StringVar(&instance, "instance", "", "the APIG gateway ID")
			fs.StringVar(&id, "id", "", "only the connection of this VPC endpoint ID")
			fs.Var(int32PtrFlag{&marker}, "marker-id", "only the connection with this packet (marker) ID")
			fs.StringVar(&status, "status", "", "only connections in this status: pendingAcceptance, accepted, rejected or failed")
			fs.Var(int32PtrFlag{&limit}, "limit", "page size, 1..500 (default 500)")
			fs.Var(listFlag{&accepted}, "wait-accepted", "wait until this endpoint connection is accepted (repeat for more)")
			waitTimeoutFlag(fs, &wait)
			return func(spec string, set map[string]bool) (startRequest, error) {
				var in contract.ApigEndpointConnectionsInput
				if err := loadIf(spec, &in); err != nil {
					return startRequest{}, err
				}
				override(set, "project-id", &in.ProjectId, project)
				override(set, "region", &in.Region, region)
				override(set, "instance", &in.InstanceId, instance)
				override(set, "id", &in.Id, id)
				override(set, "marker-id", &in.MarkerId, marker)
				override(set, "status", &in.Status, status)
				override(set, "limit", &in.Limit, limit)
				override(set, "wait-accepted", &in.WaitForAccepted, accepted)
				override(set, "wait-timeout", &in.WaitTimeout, contract.Duration(wait))
				return startRequest{
					input: in, id: contract.ApigEndpointConnections.ID(in),
					summary:   "VPC endpoint connections of " + in.InstanceId,
					newResult: func() any { return new(contract.ApigEndpointConnectionsResult) },
				}, nil
			}
		},
	},
}

func networkChangeRequest(in contract.NetworkChangeInput) startRequest {
	return startRequest{
		input: in, id: contract.NetworkChange.ID(in),
		summary:          "Connect " + in.RouterInterfaceId + ", publish " + plural(len(in.RouteEntries), "route") + " to " + in.TargetInstanceId + ", verify on " + in.VpnConnectionId,
		searchAttributes: contract.StartSearchAttributes(in.RegionId, in.RouterInterfaceId, in.VpnConnectionId),
		newResult:        func() any { return new(contract.NetworkChangeResult) },
	}
}

// override sets *field to value when the flag was given: flags win over the
// spec file.
func override[T any](set map[string]bool, name string, field *T, value T) {
	if set[name] {
		*field = value
	}
}

// overrideDefault also applies a flag's default when there is no spec file,
// for flags whose default is a real value (--target-type ECR).
func overrideDefault[T any](set map[string]bool, spec, name string, field *T, value T) {
	if set[name] || spec == "" {
		*field = value
	}
}
