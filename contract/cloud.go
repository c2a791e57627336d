package contract

import "net/netip"

// Values and limits the API documents set, which inputs are checked against.
const (
	// MaxRouteEntriesPerPublish is the documented limit of one
	// PublishVpcRouteEntries call.
	MaxRouteEntriesPerPublish = 50
	// MaxVcoRoutesPageSize is DescribeVcoRouteEntries' largest page.
	MaxVcoRoutesPageSize = 50
	// MaxEndpointConnectionsPage is the largest page of Huawei Cloud APIG's
	// ListEndpointConnections.
	MaxEndpointConnectionsPage = 500
)

// Route entry types of a VPN connection (DescribeVcoRouteEntries).
const (
	VcoRouteCustom = "custom"
	VcoRouteBgp    = "bgp"
)

// VPC endpoint connection statuses (Huawei Cloud APIG). The first four are
// what a listing can filter by.
const (
	EndpointPendingAcceptance = "pendingAcceptance"
	EndpointAccepted          = "accepted"
	EndpointRejected          = "rejected"
	EndpointFailed            = "failed"
	EndpointCreating          = "creating"
	EndpointDeleting          = "deleting"
)

// RouteEntry names a route of a VPC route table by its destination.
type RouteEntry struct {
	RouteTableId         string `json:"RouteTableId"`
	DestinationCidrBlock string `json:"DestinationCidrBlock"`
}

// RoutePublishStatus is a route entry's publish status towards the target,
// as last read.
type RoutePublishStatus struct {
	RouteTableId         string `json:"RouteTableId"`
	DestinationCidrBlock string `json:"DestinationCidrBlock"`
	PublishStatus        string `json:"PublishStatus"`
}

// ExpectedVpnRoute is a route that must be present on the VPN connection:
// a custom route in State published, or a bgp route Active from Source CLOUD.
type ExpectedVpnRoute struct {
	DestinationCidrBlock string `json:"DestinationCidrBlock"`
	RouteEntryType       string `json:"RouteEntryType"`
}

// VpnRoute is one route DescribeVcoRouteEntries reported.
type VpnRoute struct {
	RouteDest      string `json:"RouteDest"`
	RouteEntryType string `json:"RouteEntryType"`
	State          string `json:"State"`
	Source         string `json:"Source,omitempty"`
	NextHop        string `json:"NextHop,omitempty"`
}

// CrossAccountAuthorization lets a VPN connection join a resource (a CEN
// instance) of another account.
type CrossAccountAuthorization struct {
	BindInstance string `json:"BindInstance"`
	BindUid      int64  `json:"BindUid"`
	BindProduct  string `json:"BindProduct"`
	AliUid       int64  `json:"AliUid"`
}

// EndpointConnection is one VPC endpoint connection of a gateway.
type EndpointConnection struct {
	Id        string `json:"Id"`
	MarkerId  int32  `json:"MarkerId"`
	Status    string `json:"Status"`
	DomainId  string `json:"DomainId,omitempty"`
	CreatedAt string `json:"CreatedAt,omitempty"`
	UpdatedAt string `json:"UpdatedAt,omitempty"`
}

// CanonicalCIDR returns a CIDR block in the one form vpcflow sends and
// compares: an IPv6 prefix has many spellings (2001:DB8::/32,
// 2001:db8:0::/32, ...) and a string compare matches none of the others,
// so every CIDR from an input or a cloud answer is compared in RFC 5952
// form (lower case, zeros compressed), the form netip prints. A value that
// is not a CIDR block (a prefix list ID, pl-...) is returned unchanged.
func CanonicalCIDR(s string) string {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return s
	}
	return p.String()
}
