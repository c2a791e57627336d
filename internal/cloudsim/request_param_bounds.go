package cloudsim

import (
	"fmt"
	"net/url"
	"strings"
)

// Bounds on a request's parameters, checked before anything else reads
// them (authentication, the call log, the operations), so that a hostile
// client cannot make any later step hold megabytes per request. The SDKs
// send far less: the most is PublishVpcRouteEntries with 50
// RouteEntries.N.RouteTableId/DestinationCidrBlock pairs (about 115
// parameters, names up to "RouteEntries.50.DestinationCidrBlock") or
// DescribeRouterInterfaces with 5 filters of a few values each.
const (
	maxRequestParams  = 1000
	maxParamNameBytes = 256
)

// countEncodedParams counts the fields of an
// application/x-www-form-urlencoded string as url.ParseQuery splits them
// (empty fields skipped), without decoding or allocating, so that too many
// parameters are refused before each costs a map entry.
func countEncodedParams(encoded string) int {
	n := 0
	for encoded != "" {
		var field string
		field, encoded, _ = strings.Cut(encoded, "&")
		if field != "" {
			n++
		}
	}
	return n
}

// checkParamCount refuses more than maxRequestParams parameters. Its
// error completes "The request has ...".
func checkParamCount(n int) error {
	if n > maxRequestParams {
		return fmt.Errorf("more than %d parameters", maxRequestParams)
	}
	return nil
}

// checkParamNames refuses a decoded name longer than maxParamNameBytes.
// Its error completes "The request has ..." and does not quote the name:
// the name is what the bound keeps out.
func checkParamNames(values url.Values) error {
	for name := range values {
		if len(name) > maxParamNameBytes {
			return fmt.Errorf("a parameter name longer than %d bytes", maxParamNameBytes)
		}
	}
	return nil
}

// firstEncodedValue returns the decoded value of the first field named name
// in an application/x-www-form-urlencoded string, or "". Unlike
// url.ParseQuery it decodes nothing else, so it may run before the bounds
// are checked.
func firstEncodedValue(encoded, name string) string {
	for encoded != "" {
		var field string
		field, encoded, _ = strings.Cut(encoded, "&")
		key, value, _ := strings.Cut(field, "=")
		if len(key) > 3*len(name) {
			continue // too long to decode to name, even fully %-escaped
		}
		if k, err := url.QueryUnescape(key); err != nil || k != name {
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return ""
		}
		return v
	}
	return ""
}
