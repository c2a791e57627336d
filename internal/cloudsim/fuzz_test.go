package cloudsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fuzz targets check that request parsing never panics and always
// answers a well-formed JSON body: a success, or an error with a code, a
// message and a request ID.

func newFuzzServer(f *testing.F) *Server {
	srv, err := New(Options{Fixture: GenerateFixture(2), Clock: NewManualClock(time.Now()), Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	return srv
}

func checkAlibabaAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("status %d, body not JSON: %v: %q", rec.Code, err, rec.Body.String())
	}
	if id, _ := body["RequestId"].(string); len(id) != 36 {
		t.Fatalf("bad RequestId in %v", body)
	}
	if rec.Code == http.StatusOK {
		return
	}
	if rec.Code < 400 || rec.Code > 599 {
		t.Fatalf("unexpected status %d", rec.Code)
	}
	if code, _ := body["Code"].(string); code == "" {
		t.Fatalf("error without Code: %v", body)
	}
	if msg, _ := body["Message"].(string); msg == "" {
		t.Fatalf("error without Message: %v", body)
	}
}

// FuzzAlibabaRawRequest feeds arbitrary methods, query strings and bodies.
func FuzzAlibabaRawRequest(f *testing.F) {
	f.Add("POST", "Action=DescribeRouterInterfaces&Version=2016-04-28", "")
	f.Add("GET", "%zz&a=1&a=2", "x=%")
	f.Add("POST", "", "Action=ConnectRouterInterface&Signature=abc")
	f.Add("DELETE", "Filter.1.Value.999999999999999999999=x", "")
	srv := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, method, rawQuery, body string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
			method = http.MethodPost
		}
		req := &http.Request{
			Method: method, URL: &url.URL{Path: "/", RawQuery: rawQuery},
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   httpBody(body), Host: "127.0.0.1",
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkAlibabaAnswer(t, rec)
	})
}

// FuzzAlibabaSignedRequest signs arbitrary parameters with the default key,
// so the fuzzer reaches the operation handlers behind authentication.
func FuzzAlibabaSignedRequest(f *testing.F) {
	actions := slices.Sorted(func(yield func(string) bool) {
		for a := range alibabaActions {
			if !yield(a) {
				return
			}
		}
	})
	f.Add(uint8(0), "RouterInterfaceId="+DefaultInitiatingInterfaceID)
	f.Add(uint8(1), "Filter.1.Key=Status&Filter.1.Value.1=Idle&PageSize=50&PageNumber=2")
	f.Add(uint8(2), "TargetType=ECR&TargetInstanceId="+DefaultECRID+"&RouteEntries.1.RouteTableId="+DefaultSystemRouteTableID+"&RouteEntries.1.DestinationCidrBlock=10.10.1.0%2F24&DryRun=true")
	f.Add(uint8(3), "VpnConnectionId="+DefaultVpnConnectionID+"&RouteEntryType=bgp&PageSize=0")
	f.Add(uint8(4), "TargetType=ECR&NextToken=cloudsim-99999999999999999999&MaxResults=-1")
	f.Add(uint8(5), "RouteEntries.51.RouteTableId=x&Tags.1.Key=a&Filter.6.Key=Status")
	srv := newFuzzServer(f)
	nonce := 0
	f.Fuzz(func(t *testing.T, actionIndex uint8, rawQuery string) {
		values, err := url.ParseQuery(rawQuery)
		if err != nil {
			return // covered by FuzzAlibabaRawRequest
		}
		params := map[string]string{}
		for k, v := range values {
			params[k] = v[0]
		}
		nonce++
		params["Action"] = actions[int(actionIndex)%len(actions)]
		params["Version"] = alibabaAPIVersion
		params["AccessKeyId"] = DefaultAccessKeyID
		params["SignatureMethod"] = "HMAC-SHA1"
		params["SignatureVersion"] = "1.0"
		params["SignatureType"] = ""
		params["SignatureNonce"] = fmt.Sprintf("fuzz-%d-%d", time.Now().UnixNano(), nonce)
		params["Timestamp"] = time.Now().UTC().Format(aliTimeFormat)
		if _, ok := params["RegionId"]; !ok {
			params["RegionId"] = DefaultRegionID
		}
		delete(params, "Format")
		params["Signature"] = alibabaSign(alibabaStringToSign(http.MethodPost, params), DefaultAccessKeySecret)
		q := url.Values{}
		for k, v := range params {
			q.Set(k, v)
		}
		req := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/", RawQuery: q.Encode()}, Header: http.Header{}, Body: httpBody(""), Host: "127.0.0.1"}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkAlibabaAnswer(t, rec)
		if rec.Code == 400 && strings.Contains(rec.Body.String(), "SignatureDoesNotMatch") {
			t.Fatalf("a request signed like the SDK signs it was refused: %s", rec.Body.String())
		}
	})
}

// FuzzHuaweiRequest feeds arbitrary paths, queries and auth headers.
func FuzzHuaweiRequest(f *testing.F) {
	f.Add(defaultConnsPath, "limit=-1&offset=-99999999999999999999", "", DefaultHuaweiToken, "")
	f.Add(defaultConnsPath, "status=accepted&marker_id=1", "SDK-HMAC-SHA256 Access=X, SignedHeaders=x-sdk-date, Signature=00", "", "20261122T080000Z")
	f.Add("/v2//apigw/instances//vpc-endpoint/connections", "", "SDK-HMAC-SHA256 ,,,", "", "")
	f.Add("/v2/%zz", "a=%", "Bearer x", "", "garbage")
	srv := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, path, rawQuery, authz, token, date string) {
		if !strings.HasPrefix(path, "/v2/") {
			path = "/v2/" + path
		}
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path, RawQuery: rawQuery}, Header: http.Header{}, Body: httpBody(""), Host: "127.0.0.1"}
		req.Header.Set("Authorization", authz)
		req.Header.Set("X-Auth-Token", token)
		req.Header.Set("X-Sdk-Date", date)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if len(rec.Header().Get("X-Request-Id")) != 32 {
			t.Fatalf("no X-Request-Id")
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("body not JSON: %q", rec.Body.String())
		}
		if rec.Code != http.StatusOK {
			if code, _ := body["error_code"].(string); code == "" {
				t.Fatalf("status %d without error_code: %v", rec.Code, body)
			}
			if msg, _ := body["error_msg"].(string); msg == "" {
				t.Fatalf("status %d without error_msg: %v", rec.Code, body)
			}
		}
	})
}
