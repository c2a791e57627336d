package cloudsim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// rpcParams are the decoded parameters of an Alibaba RPC request (query and
// form body merged; the SDK puts everything in the query).
type rpcParams map[string]string

func (p rpcParams) get(name string) string { return p[name] }

// required returns the parameter or MissingParameter.
func (p rpcParams) required(name string) (string, *apiError) {
	v, ok := p[name]
	if !ok || v == "" {
		return "", errMissingParameter(name)
	}
	return v, nil
}

// integer parses an optional integer parameter within [min, max].
func (p rpcParams) integer(name string, def, min, max int) (int, *apiError) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, newAPIError(http.StatusBadRequest, "InvalidParameter",
			"The specified parameter %q is invalid: %q (valid values: %d to %d).", name, v, min, max)
	}
	return n, nil
}

// boolean parses an optional Boolean parameter ("true"/"false").
func (p rpcParams) boolean(name string) (bool, *apiError) {
	switch v := p[name]; strings.ToLower(v) {
	case "":
		return false, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, newAPIError(http.StatusBadRequest, "InvalidParameter",
			"The specified parameter %q is invalid: %q is not a boolean.", name, v)
	}
}

// repeatedIndex extracts N from "<prefix>.N.<rest>" keys and groups the
// rest by N, so RouteEntries.1.RouteTableId and Filter.2.Value.1 can be
// read. Indices must be 1..max; anything else is InvalidParameter.
func (p rpcParams) repeated(prefix string, max int) (map[int]map[string]string, *apiError) {
	out := map[int]map[string]string{}
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		if !ok || field == "" {
			return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The parameter name %q is malformed.", k)
		}
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 {
			return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The parameter name %q is malformed.", k)
		}
		if n > max {
			return nil, newAPIError(http.StatusBadRequest, "InvalidParameter",
				"The number of %s exceeds the limit of %d.", prefix, max)
		}
		if out[n] == nil {
			out[n] = map[string]string{}
		}
		out[n][field] = v
	}
	return out, nil
}

func sortedIndices(m map[int]map[string]string) []int {
	idx := make([]int, 0, len(m))
	for n := range m {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	return idx
}

func errMissingParameter(name string) *apiError {
	return newAPIError(http.StatusBadRequest, "MissingParameter",
		"The input parameter %q that is mandatory for processing this request is not supplied.", name)
}

// paging reads PageNumber (default 1) and PageSize (default 10, 1..50), the
// convention of the Describe* operations.
func (p rpcParams) paging() (page, size int, err *apiError) {
	if page, err = p.integer("PageNumber", 1, 1, 1<<30); err != nil {
		return
	}
	size, err = p.integer("PageSize", 10, 1, 50)
	return
}

// pageBounds returns the slice bounds of page (1-based) for total items.
func pageBounds(total, page, size int) (lo, hi int) {
	lo = (page - 1) * size
	if lo > total || lo < 0 {
		lo = total
	}
	hi = lo + size
	if hi > total {
		hi = total
	}
	return lo, hi
}
