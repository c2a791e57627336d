package contract

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
)

func validNetworkChange() NetworkChangeInput {
	return NetworkChangeInput{
		RegionId: "cn-hangzhou", RouterInterfaceId: "ri-2zeo3xzyf38r4urzd", TargetType: "ECR", TargetInstanceId: "ecr-dhw2xsds5",
		RouteEntries:    []RouteEntry{{RouteTableId: "vtb-2ze3jgygk9bmsj23s", DestinationCidrBlock: "121.41.165.123/32"}},
		VpnConnectionId: "vco-p0w2jpkhi2eeop6q6",
	}
}

func routes(n int) []RouteEntry {
	out := make([]RouteEntry, n)
	for i := range out {
		out[i] = RouteEntry{RouteTableId: "vtb-1", DestinationCidrBlock: fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)}
	}
	return out
}

func intp(v int) *int { return &v }

func TestValidInputsPass(t *testing.T) {
	assert.NoError(t, validNetworkChange().Validate())
	in := validNetworkChange()
	in.RouteEntries = routes(50)
	in.PageSize = intp(50)
	in.WaitTimeout = Duration(30 * time.Minute)
	in.CrossAccount = &ExpectedCrossAccount{BindInstance: "cen-vv8h0t3klfpaae", BindUid: 1210123456123456}
	in.ExpectedRoutes = []ExpectedVpnRoute{{DestinationCidrBlock: "2001:db8::/32", RouteEntryType: "custom"}}
	assert.NoError(t, in.Validate())
	assert.NoError(t, ConnectRouterInterfaceInput{RegionId: "ap-southeast-1", RouterInterfaceId: "ri-1"}.Validate())
	assert.NoError(t, ApigEndpointConnectionsInput{InstanceId: "eddc4d25480b4cd6b512f270a1b8b341",
		WaitForAccepted: []string{"76ad893c-6a1e-4055-8019-fe9c9bd3204d"}}.Validate())
}

func TestEachProblemIsNamed(t *testing.T) {
	cases := []struct {
		name   string
		change func(*NetworkChangeInput)
		want   string
	}{
		{"no region", func(in *NetworkChangeInput) { in.RegionId = "" }, "RegionId is required"},
		{"bad region", func(in *NetworkChangeInput) { in.RegionId = "Hangzhou" }, `RegionId "Hangzhou" is not a region ID`},
		{"no interface", func(in *NetworkChangeInput) { in.RouterInterfaceId = "" }, "RouterInterfaceId is required"},
		{"interface with the wrong prefix", func(in *NetworkChangeInput) { in.RouterInterfaceId = "vco-1" }, "RouterInterfaceId \"vco-1\" is not an ID of the form ri-"},
		{"interface with upper case", func(in *NetworkChangeInput) { in.RouterInterfaceId = "ri-ABC" }, "not an ID of the form ri-"},
		{"huge interface ID", func(in *NetworkChangeInput) { in.RouterInterfaceId = "ri-" + strings.Repeat("a", 100000) }, "(100003 bytes)"},
		{"unknown target type", func(in *NetworkChangeInput) { in.TargetType = "VBR" },
			`TargetType "VBR" is not supported: the PublishVpcRouteEntries document names ECR as the only target type`},
		{"no target type", func(in *NetworkChangeInput) { in.TargetType = "" }, "TargetType is required"},
		{"bad target", func(in *NetworkChangeInput) { in.TargetInstanceId = "tr-1" }, "TargetInstanceId \"tr-1\" is not an ID of the form ecr-"},
		{"no routes", func(in *NetworkChangeInput) { in.RouteEntries = nil }, "RouteEntries is empty"},
		{"51 routes", func(in *NetworkChangeInput) { in.RouteEntries = routes(51) }, "RouteEntries has 51 entries; PublishVpcRouteEntries takes at most 50"},
		{"duplicate route", func(in *NetworkChangeInput) { in.RouteEntries = append(routes(2), routes(1)...) }, "RouteEntries[2] repeats RouteEntries[0]"},
		{"one IPv6 prefix in two spellings", func(in *NetworkChangeInput) {
			in.RouteEntries = []RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: "2001:DB8::/32"}, {RouteTableId: "vtb-1", DestinationCidrBlock: "2001:db8:0::/32"}}
		}, "RouteEntries[1] repeats RouteEntries[0] (vtb-1 2001:db8::/32)"},
		{"region with an upper-case letter", func(in *NetworkChangeInput) { in.RegionId = "cn-Hangzhou" }, "is not a region ID"},
		{"region too long", func(in *NetworkChangeInput) { in.RegionId = "cn-" + strings.Repeat("a", 70) }, "is not a region ID"},
		{"bad CIDR", func(in *NetworkChangeInput) { in.RouteEntries[0].DestinationCidrBlock = "10.0.0.0/33" }, "RouteEntries[0].DestinationCidrBlock \"10.0.0.0/33\" is not a CIDR block"},
		{"CIDR without length", func(in *NetworkChangeInput) { in.RouteEntries[0].DestinationCidrBlock = "10.0.0.0" }, "is not a CIDR block"},
		{"CIDR with host bits", func(in *NetworkChangeInput) { in.RouteEntries[0].DestinationCidrBlock = "10.0.0.1/24" }, "has host bits set; the route's destination is 10.0.0.0/24"},
		{"no route table", func(in *NetworkChangeInput) { in.RouteEntries[0].RouteTableId = "" }, "RouteEntries[0].RouteTableId is required"},
		{"bad route table", func(in *NetworkChangeInput) { in.RouteEntries[0].RouteTableId = "rtb-1" }, "not an ID of the form vtb-"},
		{"no VPN connection", func(in *NetworkChangeInput) { in.VpnConnectionId = "" }, "VpnConnectionId is required"},
		{"bad VPN connection", func(in *NetworkChangeInput) { in.VpnConnectionId = "vpn-1" }, "not an ID of the form vco-"},
		{"page size 0", func(in *NetworkChangeInput) { in.PageSize = intp(0) }, "PageSize 0 is out of range 1..50"},
		{"page size 51", func(in *NetworkChangeInput) { in.PageSize = intp(51) }, "PageSize 51 is out of range 1..50"},
		{"negative timeout", func(in *NetworkChangeInput) { in.WaitTimeout = Duration(-time.Second) }, "WaitTimeout -1s is negative"},
		{"timeout over a day", func(in *NetworkChangeInput) { in.WaitTimeout = Duration(25 * time.Hour) }, "longer than 24h0m0s"},
		{"bad CEN", func(in *NetworkChangeInput) {
			in.CrossAccount = &ExpectedCrossAccount{BindInstance: "cbn-1", BindUid: 1}
		}, "CrossAccount.BindInstance \"cbn-1\" is not an ID of the form cen-"},
		{"no CEN owner", func(in *NetworkChangeInput) { in.CrossAccount = &ExpectedCrossAccount{BindInstance: "cen-1"} }, "CrossAccount.BindUid is required"},
		{"bad route type", func(in *NetworkChangeInput) {
			in.ExpectedRoutes = []ExpectedVpnRoute{{DestinationCidrBlock: "10.0.0.0/8", RouteEntryType: "static"}}
		}, `ExpectedRoutes[0].RouteEntryType "static" is not one of custom, bgp`},
		{"duplicate expected route", func(in *NetworkChangeInput) {
			r := ExpectedVpnRoute{DestinationCidrBlock: "10.0.0.0/8", RouteEntryType: "bgp"}
			in.ExpectedRoutes = []ExpectedVpnRoute{r, r}
		}, "ExpectedRoutes[1] repeats ExpectedRoutes[0]"},
		{"one expected IPv6 route in two spellings", func(in *NetworkChangeInput) {
			in.ExpectedRoutes = []ExpectedVpnRoute{{DestinationCidrBlock: "2408:4005:3AD::/48", RouteEntryType: "bgp"},
				{DestinationCidrBlock: "2408:4005:03ad::/48", RouteEntryType: "bgp"}}
		}, "ExpectedRoutes[1] repeats ExpectedRoutes[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validNetworkChange()
			c.change(&in)
			err := in.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Less(t, len(err.Error()), 2000, "a huge input does not make a huge error")
		})
	}
}

// Every region of the Alibaba SDK's endpoint data is a region ID to
// validation, cn-north-2-gov-1 and cn-hangzhou-finance among them, and so
// are Huawei's.
func TestEveryKnownRegionPasses(t *testing.T) {
	regions := slices.Collect(maps.Keys(vpc.GetEndpointMap()))
	regions = append(regions, "cn-hangzhou", "ap-southeast-1", "us-west-1", "eu-central-1", "me-east-1", "cn-north-2-gov-1",
		"cn-north-4", "ap-southeast-3", "la-south-2", "ru-moscow-1")
	for _, r := range regions {
		in := ConnectRouterInterfaceInput{RegionId: r, RouterInterfaceId: "ri-1"}
		assert.NoError(t, in.Validate(), r)
	}
	assert.NoError(t, ApigEndpointConnectionsInput{Region: "cn-north-4", ProjectId: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", InstanceId: "gw1"}.Validate())
	assert.ErrorContains(t, ApigEndpointConnectionsInput{Region: "North 4", InstanceId: "gw1"}.Validate(), `Region "North 4" is not a region ID`)
	assert.ErrorContains(t, ApigEndpointConnectionsInput{ProjectId: "p/1", InstanceId: "gw1"}.Validate(), `ProjectId "p/1" is not an ID`)
}

// Inputs are put in one canonical form: the starter starts it, and a
// workflow puts a service's input in it before any call.
func TestCanonicalInputsAndIDs(t *testing.T) {
	in := validNetworkChange()
	in.RouteEntries = []RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: "2001:DB8:0::/48"}}
	in.ExpectedRoutes = []ExpectedVpnRoute{{DestinationCidrBlock: "2001:DB8::/48", RouteEntryType: "bgp"}}
	c := in.Canonical()
	assert.Equal(t, "2001:db8::/48", c.RouteEntries[0].DestinationCidrBlock)
	assert.Equal(t, "2001:db8::/48", c.ExpectedRoutes[0].DestinationCidrBlock)
	assert.Equal(t, "2001:DB8:0::/48", in.RouteEntries[0].DestinationCidrBlock, "the caller's input is left as it was")

	pub := PublishVpcRoutesInput{RouteSet: RouteSet{TargetInstanceId: "ecr-1", RouteEntries: in.RouteEntries}}
	assert.Equal(t, PublishVpcRoutes.ID(pub), PublishVpcRoutes.ID(pub.Canonical()), "one change, one workflow ID")
	v := VerifyVpnRoutesInput{VpnConnectionId: "vco-1", ExpectedRoutes: in.ExpectedRoutes}
	assert.Equal(t, VerifyVpnRoutes.ID(v), VerifyVpnRoutes.ID(v.Canonical()))
	assert.Equal(t, "publish-vpc-routes/ecr-1/2805acf9f012", PublishVpcRoutes.ID(PublishVpcRoutesInput{RouteSet: RouteSet{TargetInstanceId: "ecr-1",
		RouteEntries: []RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: "10.0.0.0/24"}}}}), "IPv4 IDs are what they were")
	apig := ApigEndpointConnectionsInput{InstanceId: "gw1"}
	other := apig
	other.ProjectId = "p2"
	assert.NotEqual(t, ApigEndpointConnections.ID(apig), ApigEndpointConnections.ID(other))

	// A plan is of what the change does: asking for approval or not is the
	// same plan, other routes another.
	asked := in
	asked.Approval = &Approval{Required: true}
	assert.Equal(t, NetworkChangePlan.ID(in), NetworkChangePlan.ID(asked))
	assert.Nil(t, in.Approval, "the caller's input is left as it was")
	moved := in
	moved.RouteEntries = []RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: "10.0.0.0/24"}}
	assert.NotEqual(t, NetworkChangePlan.ID(in), NetworkChangePlan.ID(moved))
}

func TestEveryProblemIsListedAtOnce(t *testing.T) {
	err := NetworkChangeInput{}.Validate()
	var v *ValidationError
	require.ErrorAs(t, err, &v)
	assert.Len(t, v.Problems, 6, "%v", v.Problems)
	assert.True(t, strings.HasPrefix(err.Error(), "invalid NetworkChange input: "))
}

func TestOtherInputsAreValidated(t *testing.T) {
	limit := int32(501)
	marker := int32(-1)
	err := ApigEndpointConnectionsInput{InstanceId: "gw 1", Status: "pending", Limit: &limit, MarkerId: &marker,
		WaitForAccepted: []string{"ep-1", "ep-1", ""}}.Validate()
	require.Error(t, err)
	for _, want := range []string{`InstanceId "gw 1" is not an ID`, `Status "pending" is not one of`, "Limit 501 is out of range 1..500",
		"MarkerId -1 is negative", "WaitForAccepted[1] repeats WaitForAccepted[0]", "WaitForAccepted[2] is required"} {
		assert.Contains(t, err.Error(), want)
	}
	err = VerifyVpnRoutesInput{RegionId: "cn-hangzhou", VpnConnectionId: "vco-1"}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ExpectedRoutes is empty")
	err = PublishVpcRoutesInput{RouteSet: RouteSet{RegionId: "cn-hangzhou", TargetType: "ECR", TargetInstanceId: "ecr-1"}}.Validate()
	assert.ErrorContains(t, err, "RouteEntries is empty")
	err = ConnectRouterInterfaceInput{RegionId: "cn-hangzhou", RouterInterfaceId: "ri-1", WaitTimeout: Duration(-1)}.Validate()
	assert.ErrorContains(t, err, "WaitTimeout -1ns is negative")
}

func TestDurationsAreText(t *testing.T) {
	var in ConnectRouterInterfaceInput
	require.NoError(t, json.Unmarshal([]byte(`{"RegionId":"cn-hangzhou","RouterInterfaceId":"ri-1","WaitTimeout":"90s"}`), &in))
	assert.Equal(t, Duration(90*time.Second), in.WaitTimeout)
	out, err := json.Marshal(in)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"WaitTimeout":"1m30s"`)
	in = ConnectRouterInterfaceInput{}
	require.NoError(t, DecodeInput([]byte(`{"RegionId":"cn-hangzhou","RouterInterfaceId":"ri-1","WaitTimeout":"ten minutes"}`), &in))
	assert.ErrorContains(t, in.Validate(), `use a value such as "10m"`)
	in = ConnectRouterInterfaceInput{}
	require.NoError(t, DecodeInput([]byte(`{"RegionId":"cn-hangzhou","RouterInterfaceId":"ri-1","WaitTimeout":600}`), &in))
	assert.Error(t, in.Validate(), "a bare number is ambiguous (seconds? nanoseconds?) and refused")
}

// What another service sends is decoded strictly, and what does not fit is
// reported by Validate with the rest, instead of being dropped.
func TestDecodeProblemsAreValidationProblems(t *testing.T) {
	cases := map[string]string{
		`{"RegionId":"cn-hangzhou","RouteEntrys":[]}`:     `unknown field "RouteEntrys"`,
		`{"RegionId":"cn-hangzhou","RouteEntries":"all"}`: `"RouteEntries" (line 1) is a JSON string where a list is wanted`,
		`{"RegionId":"cn-hangzhou","PageSize":"50"}`:      `"PageSize" (line 1) is a JSON string where a number is wanted`,
		`"network-change"`: "the input (line 1) is a JSON string where an object is wanted",
	}
	for data, want := range cases {
		var in NetworkChangeInput
		require.NoError(t, DecodeInput([]byte(data), &in), data)
		err := in.Validate()
		require.Error(t, err, data)
		assert.Contains(t, err.Error(), want, data)
		if strings.HasPrefix(data, "{") {
			assert.Equal(t, "cn-hangzhou", in.RegionId, "what decodes is kept, so other problems are reported too")
		}
	}
}

// FuzzNetworkChangeInput feeds arbitrary JSON through decoding and
// validation: never a panic, and a valid input survives a round trip.
func FuzzNetworkChangeInput(f *testing.F) {
	good, _ := json.Marshal(validNetworkChange())
	f.Add(good)
	f.Add([]byte(`{"RegionId":"cn-hangzhou","RouteEntries":[{"DestinationCidrBlock":"::/0"}],"PageSize":-3,"WaitTimeout":"-5m"}`))
	f.Add([]byte(`{"RouteEntries":null,"CrossAccount":{},"ExpectedRoutes":[{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in NetworkChangeInput
		require.NoError(t, DecodeInput(data, &in))
		if err := in.Validate(); err != nil {
			var v *ValidationError
			require.ErrorAs(t, err, &v)
			require.NotEmpty(t, v.Problems)
			return
		}
		again, err := json.Marshal(in)
		require.NoError(t, err)
		var back NetworkChangeInput
		require.NoError(t, DecodeInput(again, &back))
		require.NoError(t, back.Validate())
	})
}

// However large an input, validation looks at a bounded part of it and its
// error stays small.
func TestHugeInputsMakeSmallErrors(t *testing.T) {
	in := validNetworkChange()
	for i := range 60_000 {
		in.ExpectedRoutes = append(in.ExpectedRoutes, ExpectedVpnRoute{DestinationCidrBlock: fmt.Sprintf("bad-%d", i), RouteEntryType: "static"})
	}
	in.RouteEntries = routes(3000)
	err := in.Validate()
	var v *ValidationError
	require.ErrorAs(t, err, &v)
	assert.Len(t, v.Problems, MaxProblems+1)
	assert.Contains(t, err.Error(), "ExpectedRoutes has 60000 entries; at most 500")
	assert.Contains(t, err.Error(), "RouteEntries has 3000 entries; PublishVpcRouteEntries takes at most 50")
	assert.Regexp(t, `and \d+ more problems$`, v.Problems[MaxProblems])
	var more int
	_, scanErr := fmt.Sscanf(v.Problems[MaxProblems], "and %d more problems", &more)
	require.NoError(t, scanErr)
	assert.Equal(t, fmt.Sprintf("the input has %d problems", MaxProblems+more), v.Headline(),
		"the headline counts the problems left out of the list")
	assert.Less(t, len(err.Error()), 8000)

	apig := ApigEndpointConnectionsInput{InstanceId: "gw1"}
	for i := range MaxWaitForAccepted + 1 {
		apig.WaitForAccepted = append(apig.WaitForAccepted, fmt.Sprintf("ep-%d", i))
	}
	assert.ErrorContains(t, apig.Validate(), "WaitForAccepted has 201 entries; at most 200")
}

// An input that is not JSON at all (a service sending raw bytes) fails the
// workflow as InvalidInput, naming what it was, not as a decode error of
// the SDK's; every other value decodes as before.
func TestAnInputThatIsNotJSONIsInvalidInput(t *testing.T) {
	dc := StrictInputs(converter.GetDefaultDataConverter())
	raw, err := converter.GetDefaultDataConverter().ToPayloads([]byte("RegionId=cn-hangzhou"))
	require.NoError(t, err)
	var in NetworkChangeInput
	require.NoError(t, dc.FromPayloads(raw, &in))
	err = in.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the input does not decode: it is binary/plain, not a JSON object")

	var b []byte
	require.NoError(t, dc.FromPayloads(raw, &b), "values other than inputs decode as they always did")
	var n int
	assert.Error(t, dc.FromPayloads(raw, &n))

	good, err := dc.ToPayloads(validNetworkChange())
	require.NoError(t, err)
	var back NetworkChangeInput
	require.NoError(t, dc.FromPayloads(good, &back))
	assert.NoError(t, back.Validate())

	typo, err := dc.ToPayloads(map[string]any{"RegionId": "cn-hangzhou", "RouteEntrys": []any{}})
	require.NoError(t, err)
	var strict NetworkChangeInput
	require.NoError(t, dc.FromPayloads(typo, &strict))
	assert.ErrorContains(t, strict.Validate(), `unknown field "RouteEntrys"`, "JSON inputs decode strictly")
	assert.Equal(t, "cn-hangzhou", strict.RegionId)

	assert.ErrorContains(t, DecodeInput([]byte(`{}`), &b), "not a pointer to a vpcflow workflow input")
}

// A route set embedded in an input keeps the input's JSON as it was.
func TestRouteSetKeepsTheJSON(t *testing.T) {
	in := PublishVpcRoutesInput{RouteSet: RouteSet{RegionId: "cn-hangzhou", TargetType: "ECR", TargetInstanceId: "ecr-1",
		RouteEntries: []RouteEntry{{RouteTableId: "vtb-1", DestinationCidrBlock: "10.0.0.0/24"}}}, WaitTimeout: Duration(time.Minute)}
	data, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"RegionId":"cn-hangzhou","TargetType":"ECR","TargetInstanceId":"ecr-1",
		"RouteEntries":[{"RouteTableId":"vtb-1","DestinationCidrBlock":"10.0.0.0/24"}],"WaitTimeout":"1m0s"}`, string(data))
	assert.Equal(t, `{"RegionId":"cn-hangzhou","TargetType":"ECR","TargetInstanceId":"ecr-1","RouteEntries":[{"RouteTableId":"vtb-1","DestinationCidrBlock":"10.0.0.0/24"}],"WaitTimeout":"1m0s"}`,
		string(data), "in the order it always had")
	var back PublishVpcRoutesInput
	require.NoError(t, DecodeInput(data, &back))
	require.NoError(t, back.Validate())
	assert.Equal(t, in.RouteSet, back.RouteSet)
	changed := ChangeRecord{RegionId: "cn-hangzhou", TargetType: "ECR", TargetInstanceId: "ecr-1", Published: in.RouteEntries}
	assert.Equal(t, in.RouteSet, changed.Routes())
	assert.Equal(t, "1 routes to ECR ecr-1", in.Describe("to"))
}
