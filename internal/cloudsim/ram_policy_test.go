package cloudsim

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRAMPolicyAllows(t *testing.T) {
	var p RAMPolicy
	require.NoError(t, json.Unmarshal([]byte(`{"Version": "1", "Statement": [
		{"Effect": "Allow", "Action": "vpc:Describe*", "Resource": "*"},
		{"Effect": "Allow", "Action": ["vpc:ConnectRouterInterface", "vpc:PublishVpcRouteEntries"]},
		{"Effect": "Deny", "Action": "vpc:DescribeVcoRouteEntries"}]}`), &p))
	require.NoError(t, p.Validate())
	anywhere := []string{"acs:vpc:cn-hangzhou:1:*"}
	assert.True(t, p.Allows("vpc:DescribeRouterInterfaces", anywhere), "a wildcard")
	assert.True(t, p.Allows("VPC:connectrouterinterface", anywhere), "actions are case-insensitive")
	assert.False(t, p.Allows("vpc:DescribeVcoRouteEntries", anywhere), "a Deny wins")
	assert.False(t, p.Allows("vpc:WithdrawVpcPublishedRouteEntries", anywhere), "not allowed is denied")
}

// A statement's Resource scopes it to the ARNs it names, with wildcards;
// every resource of a call must be allowed.
func TestRAMPolicyResources(t *testing.T) {
	var p RAMPolicy
	require.NoError(t, json.Unmarshal([]byte(`{"Version": "1", "Statement": [
		{"Effect": "Allow", "Action": "vpc:Describe*", "Resource": "*"},
		{"Effect": "Allow", "Action": "vpc:ConnectRouterInterface", "Resource": "acs:vpc:cn-hangzhou:123:routerinterface/ri-a*"},
		{"Effect": "Allow", "Action": "vpc:PublishVpcRouteEntries", "Resource": ["acs:vpc:*:123:routetable/vtb-1", "acs:vpc:*:123:routetable/vtb-2"]},
		{"Effect": "Deny", "Action": "vpc:ConnectRouterInterface", "Resource": "acs:vpc:cn-hangzhou:123:routerinterface/ri-abad"}]}`), &p))
	connect := func(id string) []string {
		return ramResources("ConnectRouterInterface", map[string]string{"RegionId": "cn-hangzhou", "RouterInterfaceId": id}, "123")
	}
	assert.Equal(t, []string{"acs:vpc:cn-hangzhou:123:routerinterface/ri-a1"}, connect("ri-a1"))
	assert.True(t, p.Allows("vpc:ConnectRouterInterface", connect("ri-a1")))
	assert.False(t, p.Allows("vpc:ConnectRouterInterface", connect("ri-b1")), "outside the statement's resource")
	assert.False(t, p.Allows("vpc:ConnectRouterInterface", connect("ri-abad")), "a Deny of the resource wins")
	publish := func(tables ...string) []string {
		params := map[string]string{"RegionId": "cn-hangzhou"}
		for i, tb := range tables {
			params[fmt.Sprintf("RouteEntries.%d.RouteTableId", i+1)] = tb
		}
		return ramResources("PublishVpcRouteEntries", params, "123")
	}
	assert.Len(t, publish("vtb-1", "vtb-1", "vtb-2"), 2, "each table once")
	assert.True(t, p.Allows("vpc:PublishVpcRouteEntries", publish("vtb-1", "vtb-2")))
	assert.False(t, p.Allows("vpc:PublishVpcRouteEntries", publish("vtb-1", "vtb-3")), "every table of the call")
	assert.True(t, p.Allows("vpc:DescribeRouterInterfaces", ramResources("DescribeRouterInterfaces", map[string]string{"RegionId": "cn-hangzhou"}, "123")))
	assert.True(t, globMatch("a*/*c", "ab/x/yc"))
	assert.False(t, globMatch("a?c", "abbc"))

	assert.Error(t, RAMPolicy{Version: "2"}.Validate())
	assert.Error(t, RAMPolicy{Version: "1", Statement: []RAMStatement{{Effect: "Maybe", Action: policyStrings{"vpc:*"}}}}.Validate())
}
