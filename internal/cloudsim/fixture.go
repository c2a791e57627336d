package cloudsim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Fixture is the seed state of a cloudsim server. One schema serves YAML
// and JSON files (JSON is read as YAML, which is a superset); keys are the
// lowerCamel names in the tags. Unknown keys are rejected so a typo does not
// silently fall back to a default. Omitted statuses take the defaults noted
// on each field.
type Fixture struct {
	// Delays of the time-based transitions; zero values take the defaults
	// in DefaultDelays.
	Delays  Delays         `json:"delays" yaml:"delays"`
	Alibaba AlibabaFixture `json:"alibaba" yaml:"alibaba"`
	Huawei  HuaweiFixture  `json:"huawei" yaml:"huawei"`
}

// Delays are the simulated durations of asynchronous transitions.
type Delays struct {
	// RouterInterfaceConnect: Connecting/AcceptingConnecting -> Active.
	RouterInterfaceConnect Duration `json:"routerInterfaceConnect,omitempty" yaml:"routerInterfaceConnect,omitempty"`
	// RouterInterfaceActivate: Activating -> Active.
	RouterInterfaceActivate Duration `json:"routerInterfaceActivate,omitempty" yaml:"routerInterfaceActivate,omitempty"`
	// RouterInterfaceDeactivate: Deactivating -> Inactive.
	RouterInterfaceDeactivate Duration `json:"routerInterfaceDeactivate,omitempty" yaml:"routerInterfaceDeactivate,omitempty"`
	// RoutePublish: Publishing -> Published.
	RoutePublish Duration `json:"routePublish,omitempty" yaml:"routePublish,omitempty"`
	// RouteWithdraw: Withdrawing -> NonPublished.
	RouteWithdraw Duration `json:"routeWithdraw,omitempty" yaml:"routeWithdraw,omitempty"`
}

// DefaultDelays are used for every Delays field left at zero.
var DefaultDelays = Delays{
	RouterInterfaceConnect:    D(5 * time.Second),
	RouterInterfaceActivate:   D(3 * time.Second),
	RouterInterfaceDeactivate: D(3 * time.Second),
	RoutePublish:              D(5 * time.Second),
	RouteWithdraw:             D(5 * time.Second),
}

func (d Delays) withDefaults() Delays {
	pick := func(v, def Duration) Duration {
		if v == 0 {
			return def
		}
		return v
	}
	return Delays{
		RouterInterfaceConnect:    pick(d.RouterInterfaceConnect, DefaultDelays.RouterInterfaceConnect),
		RouterInterfaceActivate:   pick(d.RouterInterfaceActivate, DefaultDelays.RouterInterfaceActivate),
		RouterInterfaceDeactivate: pick(d.RouterInterfaceDeactivate, DefaultDelays.RouterInterfaceDeactivate),
		RoutePublish:              pick(d.RoutePublish, DefaultDelays.RoutePublish),
		RouteWithdraw:             pick(d.RouteWithdraw, DefaultDelays.RouteWithdraw),
	}
}

// AlibabaFixture seeds the Alibaba Cloud VPC side.
type AlibabaFixture struct {
	Regions          []string                 `json:"regions,omitempty" yaml:"regions,omitempty"`
	Accounts         []AccountFixture         `json:"accounts,omitempty" yaml:"accounts,omitempty"`
	AccessKeys       []AccessKeyFixture       `json:"accessKeys,omitempty" yaml:"accessKeys,omitempty"`
	Routers          []RouterFixture          `json:"routers,omitempty" yaml:"routers,omitempty"`
	RouterInterfaces []RouterInterfaceFixture `json:"routerInterfaces,omitempty" yaml:"routerInterfaces,omitempty"`
	VPCs             []VPCFixture             `json:"vpcs,omitempty" yaml:"vpcs,omitempty"`
	ECRs             []ECRFixture             `json:"ecrs,omitempty" yaml:"ecrs,omitempty"`
	VpnConnections   []VpnConnectionFixture   `json:"vpnConnections,omitempty" yaml:"vpnConnections,omitempty"`
}

// AccountFixture is an Alibaba Cloud account (AliUid).
type AccountFixture struct {
	// UID is the numeric account ID, e.g. "1250123456123456".
	UID string `json:"uid" yaml:"uid"`
	// BID is the business (site) ID; connections across BIDs answer
	// CROSS_BID.FORBIDDEN. Default "26842".
	BID string `json:"bid,omitempty" yaml:"bid,omitempty"`
	// BillsOutstanding makes ConnectRouterInterface answer
	// Forbidden.BillsOutstanding for this account.
	BillsOutstanding bool `json:"billsOutstanding,omitempty" yaml:"billsOutstanding,omitempty"`
	// FinancialLocked makes ActivateRouterInterface answer
	// Forbidden.FinancialLocked for this account.
	FinancialLocked bool `json:"financialLocked,omitempty" yaml:"financialLocked,omitempty"`
}

// AccessKeyFixture is an AccessKey pair and what it may do.
type AccessKeyFixture struct {
	ID         string `json:"id" yaml:"id"`
	Secret     string `json:"secret" yaml:"secret"`
	AccountUID string `json:"accountUid" yaml:"accountUid"`
	// RAMUser marks a key of a RAM sub-user: a denied action answers
	// Forbbiden.SubUser (sic) instead of Forbidden.
	RAMUser bool `json:"ramUser,omitempty" yaml:"ramUser,omitempty"`
	// DeniedActions lists actions this key may not call (HTTP 403).
	DeniedActions []string `json:"deniedActions,omitempty" yaml:"deniedActions,omitempty"`
	// Policy binds the key to a RAM policy (ram_policy.go): an action it
	// does not allow answers Forbidden.RAM.
	Policy *RAMPolicy `json:"policy,omitempty" yaml:"policy,omitempty"`
}

// RouterFixture is a VRouter (of a VPC) or a VBR.
type RouterFixture struct {
	ID       string `json:"id" yaml:"id"`
	RegionID string `json:"regionId" yaml:"regionId"`
	OwnerUID string `json:"ownerUid" yaml:"ownerUid"`
	// Type is VRouter or VBR.
	Type string `json:"type" yaml:"type"`
	// VpcID is the VPC of a VRouter (reported as VpcInstanceId).
	VpcID string `json:"vpcId,omitempty" yaml:"vpcId,omitempty"`
	// PconnTrafficDisabled makes ActivateRouterInterface on this router's
	// interfaces answer OperationFailed.PconnTrafficNotEnable.
	PconnTrafficDisabled bool `json:"pconnTrafficDisabled,omitempty" yaml:"pconnTrafficDisabled,omitempty"`
}

// RouterInterfaceFixture is one router interface.
type RouterInterfaceFixture struct {
	ID       string `json:"id" yaml:"id"`
	RegionID string `json:"regionId" yaml:"regionId"`
	OwnerUID string `json:"ownerUid" yaml:"ownerUid"`
	RouterID string `json:"routerId" yaml:"routerId"`
	// Role is InitiatingSide or AcceptingSide. An empty role models an
	// interface whose role was never assigned (AttrMismatching.AcceptingSideRole).
	Role string `json:"role" yaml:"role"`
	// Status defaults to Idle.
	Status      string `json:"status,omitempty" yaml:"status,omitempty"`
	Name        string `json:"name,omitempty" yaml:"name,omitempty"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Spec defaults to Large.2, Bandwidth (Mbit/s) to 2048.
	Spec      string `json:"spec,omitempty" yaml:"spec,omitempty"`
	Bandwidth int    `json:"bandwidth,omitempty" yaml:"bandwidth,omitempty"`

	OppositeInterfaceID      string `json:"oppositeInterfaceId,omitempty" yaml:"oppositeInterfaceId,omitempty"`
	OppositeRouterID         string `json:"oppositeRouterId,omitempty" yaml:"oppositeRouterId,omitempty"`
	OppositeRouterType       string `json:"oppositeRouterType,omitempty" yaml:"oppositeRouterType,omitempty"`
	OppositeInterfaceOwnerID string `json:"oppositeInterfaceOwnerId,omitempty" yaml:"oppositeInterfaceOwnerId,omitempty"`
	// OppositeRegionID defaults to the interface's own region.
	OppositeRegionID string `json:"oppositeRegionId,omitempty" yaml:"oppositeRegionId,omitempty"`
	// OppositeVpcInstanceID, when set, must equal the accepting side's VPC
	// (AttrMismatching.AcceptingSideInstanceId otherwise).
	OppositeVpcInstanceID string `json:"oppositeVpcInstanceId,omitempty" yaml:"oppositeVpcInstanceId,omitempty"`

	Tags map[string]string `json:"tags,omitempty" yaml:"tags,omitempty"`
}

// VPCFixture is a VPC with its route tables.
type VPCFixture struct {
	ID       string `json:"id" yaml:"id"`
	RegionID string `json:"regionId" yaml:"regionId"`
	OwnerUID string `json:"ownerUid" yaml:"ownerUid"`
	// Status defaults to Available; anything else answers IncorrectStatus.Vpc
	// to PublishVpcRouteEntries.
	Status      string              `json:"status,omitempty" yaml:"status,omitempty"`
	RouteTables []RouteTableFixture `json:"routeTables,omitempty" yaml:"routeTables,omitempty"`
}

// RouteTableFixture is a route table of a VPC.
type RouteTableFixture struct {
	ID string `json:"id" yaml:"id"`
	// Type is System or Custom (publishing from Custom answers
	// Forbidden.OperateCustomRouteTable).
	Type string `json:"type" yaml:"type"`
	// Status defaults to Available.
	Status  string              `json:"status,omitempty" yaml:"status,omitempty"`
	Entries []RouteEntryFixture `json:"entries,omitempty" yaml:"entries,omitempty"`
}

// RouteEntryFixture is one route of a route table.
type RouteEntryFixture struct {
	ID string `json:"id" yaml:"id"`
	// Destination is a CIDR block or a prefix list ID (pl-...).
	Destination string `json:"destination" yaml:"destination"`
	// Type is Custom (default) or System.
	Type string `json:"type,omitempty" yaml:"type,omitempty"`
	// NextHopType: Instance, NetworkInterface, HaVip, RouterInterface and
	// Ipv6Gateway can be published; others (VpnGateway, NatGateway,
	// Attachment, VpcPeer, Ipv4Gateway, GatewayEndpoint, local ...) answer
	// OperationUnsupported.UnsupportedNextHop.
	NextHopType string `json:"nextHopType" yaml:"nextHopType"`
	NextHopID   string `json:"nextHopId,omitempty" yaml:"nextHopId,omitempty"`
	// Status defaults to Available (Pending/Modifying/Deleting answer
	// IncorrectStatus.RouteEntry).
	Status string `json:"status,omitempty" yaml:"status,omitempty"`
	// PublishedTo lists ECR IDs to which the entry is already Published.
	PublishedTo []string `json:"publishedTo,omitempty" yaml:"publishedTo,omitempty"`
}

// ECRFixture is an Express Connect Router, the only supported publish
// target.
type ECRFixture struct {
	ID       string `json:"id" yaml:"id"`
	OwnerUID string `json:"ownerUid" yaml:"ownerUid"`
	// TransitRouterID is the transit router the ECR is attached to; routes
	// published to the ECR are learned by VPN connections attached to it.
	TransitRouterID string `json:"transitRouterId" yaml:"transitRouterId"`
	// ASN is shown in the AsPath of learned bgp routes. Default 45104.
	ASN            int64    `json:"asn,omitempty" yaml:"asn,omitempty"`
	AssociatedVPCs []string `json:"associatedVpcs,omitempty" yaml:"associatedVpcs,omitempty"`
}

// VpnConnectionFixture is an IPsec-VPN connection.
type VpnConnectionFixture struct {
	ID       string `json:"id" yaml:"id"`
	RegionID string `json:"regionId" yaml:"regionId"`
	OwnerUID string `json:"ownerUid" yaml:"ownerUid"`
	// State defaults to attached. Only active and attached allow
	// DescribeVcoRouteEntries; others (init, attaching, detaching, updating,
	// deleting) answer Vco.StatusNotSupport.
	State string `json:"state,omitempty" yaml:"state,omitempty"`
	// Status (tunnel status) defaults to ipsec_sa_established.
	Status          string                          `json:"status,omitempty" yaml:"status,omitempty"`
	TransitRouterID string                          `json:"transitRouterId,omitempty" yaml:"transitRouterId,omitempty"`
	CenID           string                          `json:"cenId,omitempty" yaml:"cenId,omitempty"`
	CustomRoutes    []VcoRouteFixture               `json:"customRoutes,omitempty" yaml:"customRoutes,omitempty"`
	BgpRoutes       []VcoRouteFixture               `json:"bgpRoutes,omitempty" yaml:"bgpRoutes,omitempty"`
	Authorizations  []CrossAccountAuthorizationSeed `json:"authorizations,omitempty" yaml:"authorizations,omitempty"`
}

// VcoRouteFixture is a destination-based (custom) route or a BGP route the
// connection learned from the data center (Source VPN_BGP).
type VcoRouteFixture struct {
	Dest      string `json:"dest" yaml:"dest"`
	NextHop   string `json:"nextHop,omitempty" yaml:"nextHop,omitempty"`
	Weight    int    `json:"weight,omitempty" yaml:"weight,omitempty"`
	State     string `json:"state,omitempty" yaml:"state,omitempty"`
	AsPath    string `json:"asPath,omitempty" yaml:"asPath,omitempty"`
	Community string `json:"community,omitempty" yaml:"community,omitempty"`
}

// CrossAccountAuthorizationSeed authorizes the VPN connection to be bound
// to another account's CEN.
type CrossAccountAuthorizationSeed struct {
	BindUID      string `json:"bindUid" yaml:"bindUid"`
	BindProduct  string `json:"bindProduct,omitempty" yaml:"bindProduct,omitempty"`
	BindInstance string `json:"bindInstance" yaml:"bindInstance"`
	// CreatedBefore places CreationTime this long before the server start.
	CreatedBefore Duration `json:"createdBefore,omitempty" yaml:"createdBefore,omitempty"`
}

// HuaweiFixture seeds the Huawei Cloud APIG side.
type HuaweiFixture struct {
	Credentials []HuaweiCredentialFixture `json:"credentials,omitempty" yaml:"credentials,omitempty"`
	Tokens      []HuaweiTokenFixture      `json:"tokens,omitempty" yaml:"tokens,omitempty"`
	Gateways    []GatewayFixture          `json:"gateways,omitempty" yaml:"gateways,omitempty"`
}

// HuaweiCredentialFixture is an AK/SK pair of an account, which may act
// in ProjectID and in the further Projects of the account.
type HuaweiCredentialFixture struct {
	AK        string `json:"ak" yaml:"ak"`
	SK        string `json:"sk" yaml:"sk"`
	ProjectID string `json:"projectId" yaml:"projectId"`
	// Projects are further project IDs the AK may use besides ProjectID;
	// a path naming any other project answers 403 APIC.7106.
	Projects []string `json:"projects,omitempty" yaml:"projects,omitempty"`
	// Denied answers 403 APIC.7106 to every call.
	Denied bool `json:"denied,omitempty" yaml:"denied,omitempty"`
	// Policy binds the AK to an IAM custom policy (iam_policy.go): a call
	// it does not allow answers 403 APIC.7106. Without one, every call is
	// allowed.
	Policy *IAMPolicy `json:"policy,omitempty" yaml:"policy,omitempty"`
}

// HuaweiTokenFixture is an IAM token accepted in X-Auth-Token.
type HuaweiTokenFixture struct {
	Token     string `json:"token" yaml:"token"`
	ProjectID string `json:"projectId" yaml:"projectId"`
	Denied    bool   `json:"denied,omitempty" yaml:"denied,omitempty"`
}

// GatewayFixture is an APIG gateway (instance).
type GatewayFixture struct {
	ID        string `json:"id" yaml:"id"`
	ProjectID string `json:"projectId" yaml:"projectId"`
	// NoEndpointService answers 404 APIC.7314 (no VPC endpoint service).
	NoEndpointService bool `json:"noEndpointService,omitempty" yaml:"noEndpointService,omitempty"`
	// VpcepFailure answers 500 APIC.9007 (the VPCEP backend fails).
	VpcepFailure bool                        `json:"vpcepFailure,omitempty" yaml:"vpcepFailure,omitempty"`
	Connections  []EndpointConnectionFixture `json:"connections,omitempty" yaml:"connections,omitempty"`
}

// EndpointConnectionFixture is a VPC endpoint connection of a gateway.
// It starts in Status and, when Becomes is set, moves to Becomes After the
// server start (or reset).
type EndpointConnectionFixture struct {
	ID       string `json:"id" yaml:"id"`
	MarkerID int32  `json:"markerId" yaml:"markerId"`
	DomainID string `json:"domainId" yaml:"domainId"`
	// Status defaults to pendingAcceptance.
	Status  string   `json:"status,omitempty" yaml:"status,omitempty"`
	Becomes string   `json:"becomes,omitempty" yaml:"becomes,omitempty"`
	After   Duration `json:"after,omitempty" yaml:"after,omitempty"`
	// CreatedBefore places created_at this long before the server start.
	CreatedBefore Duration `json:"createdBefore,omitempty" yaml:"createdBefore,omitempty"`
}

// LoadFixture reads a YAML or JSON fixture file and validates it.
func LoadFixture(path string) (*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fixture: %w", err)
	}
	f, err := ParseFixture(data)
	if err != nil {
		return nil, fmt.Errorf("fixture %s: %w", path, err)
	}
	return f, nil
}

// ParseFixture decodes a YAML or JSON fixture and validates it.
func ParseFixture(data []byte) (*Fixture, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f Fixture
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// YAML encodes the fixture in the schema ParseFixture reads; the command's
// --print-fixture flag uses it to show the default fixture.
func (f *Fixture) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Validate checks references between resources and enumerated values, so a
// broken fixture fails at startup rather than as a puzzling API answer.
// It deliberately accepts states that produce documented errors (an
// AcceptingSide with mismatching opposite fields, a VPC in Pending ...).
func (f *Fixture) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	a := f.Alibaba
	regions := map[string]bool{}
	for _, r := range a.Regions {
		if r == "" {
			bad("alibaba.regions: empty region ID")
		}
		regions[r] = true
	}
	accounts := map[string]bool{}
	for i, acc := range a.Accounts {
		if _, err := strconv.ParseInt(acc.UID, 10, 64); err != nil {
			bad("alibaba.accounts[%d]: uid %q must be numeric", i, acc.UID)
		}
		if accounts[acc.UID] {
			bad("alibaba.accounts[%d]: duplicate uid %q", i, acc.UID)
		}
		accounts[acc.UID] = true
	}
	keys := map[string]bool{}
	for i, k := range a.AccessKeys {
		if k.ID == "" || k.Secret == "" {
			bad("alibaba.accessKeys[%d]: id and secret are required", i)
		}
		if keys[k.ID] {
			bad("alibaba.accessKeys[%d]: duplicate id %q", i, k.ID)
		}
		keys[k.ID] = true
		if !accounts[k.AccountUID] {
			bad("alibaba.accessKeys[%d]: unknown accountUid %q", i, k.AccountUID)
		}
		if k.Policy != nil {
			if err := k.Policy.Validate(); err != nil {
				bad("alibaba.accessKeys[%d]: %v", i, err)
			}
		}
	}
	ids := map[string]string{}
	unique := func(kind, id string) {
		if id == "" {
			bad("%s: empty id", kind)
			return
		}
		if prev, ok := ids[id]; ok {
			bad("%s %q: id already used by a %s", kind, id, prev)
			return
		}
		ids[id] = kind
	}
	routers := map[string]RouterFixture{}
	for _, r := range a.Routers {
		unique("router", r.ID)
		routers[r.ID] = r
		if !regions[r.RegionID] {
			bad("router %q: unknown regionId %q", r.ID, r.RegionID)
		}
		if !accounts[r.OwnerUID] {
			bad("router %q: unknown ownerUid %q", r.ID, r.OwnerUID)
		}
		if r.Type != RouterTypeVRouter && r.Type != RouterTypeVBR {
			bad("router %q: type must be VRouter or VBR, got %q", r.ID, r.Type)
		}
	}
	for _, ri := range a.RouterInterfaces {
		unique("router interface", ri.ID)
		if !regions[ri.RegionID] {
			bad("router interface %q: unknown regionId %q", ri.ID, ri.RegionID)
		}
		if !accounts[ri.OwnerUID] {
			bad("router interface %q: unknown ownerUid %q", ri.ID, ri.OwnerUID)
		}
		if _, ok := routers[ri.RouterID]; !ok {
			bad("router interface %q: unknown routerId %q", ri.ID, ri.RouterID)
		}
		switch ri.Role {
		case RoleInitiatingSide, RoleAcceptingSide, "":
		default:
			bad("router interface %q: role must be InitiatingSide, AcceptingSide or empty, got %q", ri.ID, ri.Role)
		}
		if ri.Status != "" && !knownRouterInterfaceStatus[ri.Status] {
			bad("router interface %q: unknown status %q", ri.ID, ri.Status)
		}
	}
	vpcs := map[string]bool{}
	for _, v := range a.VPCs {
		unique("vpc", v.ID)
		vpcs[v.ID] = true
		if !regions[v.RegionID] {
			bad("vpc %q: unknown regionId %q", v.ID, v.RegionID)
		}
		if !accounts[v.OwnerUID] {
			bad("vpc %q: unknown ownerUid %q", v.ID, v.OwnerUID)
		}
		for _, t := range v.RouteTables {
			unique("route table", t.ID)
			if t.Type != RouteTableTypeSystem && t.Type != RouteTableTypeCustom {
				bad("route table %q: type must be System or Custom, got %q", t.ID, t.Type)
			}
			dests := map[string]bool{}
			for _, e := range t.Entries {
				unique("route entry", e.ID)
				if e.Destination == "" {
					bad("route entry %q: empty destination", e.ID)
				}
				if dests[e.Destination] {
					bad("route table %q: duplicate destination %q", t.ID, e.Destination)
				}
				dests[e.Destination] = true
				if e.Type != "" && e.Type != RouteEntryTypeCustom && e.Type != RouteEntryTypeSystem {
					bad("route entry %q: type must be Custom or System, got %q", e.ID, e.Type)
				}
			}
		}
	}
	ecrs := map[string]bool{}
	for _, e := range a.ECRs {
		unique("ecr", e.ID)
		ecrs[e.ID] = true
		if !accounts[e.OwnerUID] {
			bad("ecr %q: unknown ownerUid %q", e.ID, e.OwnerUID)
		}
		for _, v := range e.AssociatedVPCs {
			if !vpcs[v] {
				bad("ecr %q: unknown associated vpc %q", e.ID, v)
			}
		}
	}
	for _, v := range a.VPCs {
		for _, t := range v.RouteTables {
			for _, e := range t.Entries {
				for _, target := range e.PublishedTo {
					if !ecrs[target] {
						bad("route entry %q: publishedTo unknown ecr %q", e.ID, target)
					}
				}
			}
		}
	}
	for _, c := range a.VpnConnections {
		unique("vpn connection", c.ID)
		if !regions[c.RegionID] {
			bad("vpn connection %q: unknown regionId %q", c.ID, c.RegionID)
		}
		if !accounts[c.OwnerUID] {
			bad("vpn connection %q: unknown ownerUid %q", c.ID, c.OwnerUID)
		}
		for _, auth := range c.Authorizations {
			if _, err := strconv.ParseInt(auth.BindUID, 10, 64); err != nil {
				bad("vpn connection %q: authorization bindUid %q must be numeric", c.ID, auth.BindUID)
			}
		}
	}

	h := f.Huawei
	aks := map[string]bool{}
	for i, c := range h.Credentials {
		if c.AK == "" || c.SK == "" || c.ProjectID == "" {
			bad("huawei.credentials[%d]: ak, sk and projectId are required", i)
		}
		if aks[c.AK] {
			bad("huawei.credentials[%d]: duplicate ak %q", i, c.AK)
		}
		aks[c.AK] = true
		projects := map[string]bool{c.ProjectID: true}
		for _, p := range c.Projects {
			if p == "" {
				bad("huawei.credentials[%d]: empty project in projects", i)
			} else if projects[p] {
				bad("huawei.credentials[%d]: project %q listed twice", i, p)
			}
			projects[p] = true
		}
		if c.Policy != nil {
			if err := c.Policy.Validate(); err != nil {
				bad("huawei.credentials[%d]: %v", i, err)
			}
		}
	}
	for i, t := range h.Tokens {
		if t.Token == "" || t.ProjectID == "" {
			bad("huawei.tokens[%d]: token and projectId are required", i)
		}
	}
	gateways := map[string]bool{}
	for _, g := range h.Gateways {
		if g.ID == "" || g.ProjectID == "" {
			bad("huawei gateway %q: id and projectId are required", g.ID)
		}
		if gateways[g.ID] {
			bad("huawei gateway %q: duplicate id", g.ID)
		}
		gateways[g.ID] = true
		conns := map[string]bool{}
		for _, c := range g.Connections {
			if c.ID == "" {
				bad("gateway %q: connection with empty id", g.ID)
			}
			if conns[c.ID] {
				bad("gateway %q: duplicate connection id %q", g.ID, c.ID)
			}
			conns[c.ID] = true
			if c.Status != "" && !knownEndpointConnectionStatus[c.Status] {
				bad("connection %q: unknown status %q", c.ID, c.Status)
			}
			if c.Becomes != "" && !knownEndpointConnectionStatus[c.Becomes] {
				bad("connection %q: unknown becomes %q", c.ID, c.Becomes)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid fixture: %w", errors.Join(errs...))
	}
	return nil
}

// clone returns a deep copy, so a Server never shares slices with the
// caller's Fixture and Reset always starts from the original seed.
func (f *Fixture) clone() (*Fixture, error) {
	data, err := yaml.Marshal(f)
	if err != nil {
		return nil, err
	}
	var c Fixture
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
