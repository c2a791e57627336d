package cloudsim

import (
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/apig/v2/model"
)

func httpBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// BenchmarkAlibabaSDKDescribeRouterInterfaces measures a full round trip
// through the real Alibaba SDK on loopback (signing, HTTP, verification,
// handling, JSON both ways), in parallel, against the 64-pair load fixture.
func BenchmarkAlibabaSDKDescribeRouterInterfaces(b *testing.B) {
	srv, err := New(Options{Fixture: GenerateFixture(64), Clock: NewManualClock(time.Now())})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	u, _ := url.Parse(hs.URL)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c, err := vpc.NewClientWithOptions(DefaultRegionID, sdk.NewConfig(), credentials.NewAccessKeyCredential(DefaultAccessKeyID, DefaultAccessKeySecret))
		if err != nil {
			b.Error(err)
			return
		}
		c.Domain = u.Host
		for pb.Next() {
			req := vpc.CreateDescribeRouterInterfacesRequest()
			ini, _ := LoadRouterInterfaceIDs(7)
			req.Filter = &[]vpc.DescribeRouterInterfacesFilter{{Key: "RouterInterfaceId", Value: &[]string{ini}}}
			resp, err := c.DescribeRouterInterfaces(req)
			if err != nil || resp.TotalCount != 1 {
				b.Errorf("describe: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkHuaweiSDKListEndpointConnections is the same through the Huawei
// SDK.
func BenchmarkHuaweiSDKListEndpointConnections(b *testing.B) {
	srv, err := New(Options{Clock: NewManualClock(time.Now())})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e := &testEnv{http: hs}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := e.defaultAPIG()
		for pb.Next() {
			resp, err := c.ListEndpointConnections(&model.ListEndpointConnectionsRequest{InstanceId: DefaultAPIGInstanceID})
			if err != nil || resp.Total != 4 {
				b.Errorf("list: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
