package cloudsim_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcflow/vpcflow/internal/cloudsim"
)

// Connect the default router interface pair through the real SDK and watch
// it become Active on a manual clock.
func Example() {
	clock := cloudsim.NewManualClock(time.Now())
	srv, err := cloudsim.New(cloudsim.Options{Clock: clock})
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	u, _ := url.Parse(hs.URL)

	client, err := vpc.NewClientWithOptions(cloudsim.DefaultRegionID, sdk.NewConfig(),
		credentials.NewAccessKeyCredential(cloudsim.DefaultAccessKeyID, cloudsim.DefaultAccessKeySecret))
	if err != nil {
		panic(err)
	}
	client.Domain = u.Host

	status := func() string {
		req := vpc.CreateDescribeRouterInterfacesRequest() // a fresh request per call
		req.Filter = &[]vpc.DescribeRouterInterfacesFilter{{Key: "RouterInterfaceId", Value: &[]string{cloudsim.DefaultInitiatingInterfaceID}}}
		resp, err := client.DescribeRouterInterfaces(req)
		if err != nil {
			return err.Error()
		}
		return resp.RouterInterfaceSet.RouterInterfaceType[0].Status
	}

	req := vpc.CreateConnectRouterInterfaceRequest()
	req.RouterInterfaceId = cloudsim.DefaultInitiatingInterfaceID
	if _, err := client.ConnectRouterInterface(req); err != nil {
		panic(err)
	}
	fmt.Println(status())
	clock.Advance(cloudsim.DefaultDelays.RouterInterfaceConnect.Std())
	fmt.Println(status())
	fmt.Println(srv.CallCount("ConnectRouterInterface"))
	// Output:
	// Connecting
	// Active
	// 1
}
