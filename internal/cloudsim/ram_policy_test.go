package cloudsim

import (
	"encoding/json"
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
	assert.True(t, p.Allows("vpc:DescribeRouterInterfaces"), "a wildcard")
	assert.True(t, p.Allows("VPC:connectrouterinterface"), "actions are case-insensitive")
	assert.False(t, p.Allows("vpc:DescribeVcoRouteEntries"), "a Deny wins")
	assert.False(t, p.Allows("vpc:WithdrawVpcPublishedRouteEntries"), "not allowed is denied")

	assert.Error(t, RAMPolicy{Version: "2"}.Validate())
	assert.Error(t, RAMPolicy{Version: "1", Statement: []RAMStatement{{Effect: "Maybe", Action: policyStrings{"vpc:*"}}}}.Validate())
}
