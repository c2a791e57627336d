package cloudsim

import (
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
	"github.com/stretchr/testify/require"
)

func TestSmoke(t *testing.T) {
	e := newTestEnv(t, nil)
	req := vpc.CreateDescribeRouterInterfacesRequest()
	resp, err := e.defaultVPC().DescribeRouterInterfaces(req)
	require.NoError(t, err)
	t.Logf("%+v", resp.RouterInterfaceSet.RouterInterfaceType[0])
	creq := vpc.CreateConnectRouterInterfaceRequest()
	creq.RouterInterfaceId = DefaultInitiatingInterfaceID
	_, err = e.defaultVPC().ConnectRouterInterface(creq)
	require.NoError(t, err)
	hreq := &model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGInstanceID}
	hresp, err := e.defaultAPIG().ListEndpointConnections(hreq)
	require.NoError(t, err)
	t.Logf("%v", hresp)
}
