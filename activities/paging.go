package activities

import (
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// Every listing vpcflow reads (router interfaces, a VPN connection's routes
// and cross-account authorizations, published route entries, APIG endpoint
// connections) goes through listing.read, under one rule that holds however
// a cloud reads its own documents.
//
// The Alibaba documents call TotalCount "the number of entries returned":
// the page's count, or the grand total. A listing that stopped once
// page*PageSize reached TotalCount read only page 1 from a cloud that meant
// the page's count. So no listing stops on a count:
//   - a page shorter than the page size (the one asked for, or the one the
//     cloud says it used if that is smaller), or an empty one, is the last;
//   - a listing paged by NextToken ends when the cloud answers no token;
//   - a listing that has not ended after maxListPages pages, or that hands
//     back a token it gave before, fails with ListingDidNotEnd: a cloud that
//     ignores the page number must not make a step read forever.
//
// What this costs: one more call when the entries fill the last page
// exactly, which with pages of 50 (100, 500) is rare.

// maxListPages bounds one listing: 200 pages of 50 is 10,000 routes or
// authorizations, far beyond what one VPN connection or gateway holds.
const maxListPages = 200

// maxDescribePageSize is the largest page the Alibaba Describe* operations
// serve (PageSize 1..50): vpcflow reads in pages of it unless asked
// otherwise, the fewest calls.
const maxDescribePageSize = 50

// listing describes one paged read.
type listing struct {
	Operation string // the API operation, for errors
	Resource  string // what is listed, for errors
	PageSize  int    // the page size asked for
	ByToken   bool   // paged by NextToken, not by page number or offset
}

// pageCursor says where the page to read starts: its 1-based number, the
// entries before it, or the token the previous page answered.
type pageCursor struct {
	Number int
	Offset int64
	Token  string
}

// pageAnswer is what one page told.
type pageAnswer struct {
	Entries int
	// PageSize is the page size the cloud says it answered with; 0 when the
	// response does not say.
	PageSize  int
	NextToken string
	RequestId string
}

// read calls page for each page in turn until the listing ends, and
// returns the RequestId of every page read. page makes the call and keeps
// the entries; its error ends the listing as it is.
func (l listing) read(page func(pageCursor) (pageAnswer, error)) ([]string, error) {
	var requestIDs []string
	tokens := make(map[string]bool)
	cursor := pageCursor{Number: 1}
	for ; cursor.Number <= maxListPages; cursor.Number++ {
		ans, err := page(cursor)
		if err != nil {
			return requestIDs, err
		}
		requestIDs = append(requestIDs, ans.RequestId)
		if l.last(ans) {
			return requestIDs, nil
		}
		if l.ByToken {
			if tokens[ans.NextToken] {
				return requestIDs, l.didNotEnd(ans.RequestId, "it answered the NextToken of an earlier page again")
			}
			tokens[ans.NextToken] = true
		}
		cursor.Offset += int64(ans.Entries)
		cursor.Token = ans.NextToken
	}
	return requestIDs, l.didNotEnd(lastOf(requestIDs), fmt.Sprintf("it still answered full pages after %d pages", maxListPages))
}

// last applies the rule above to one page.
func (l listing) last(ans pageAnswer) bool {
	if l.ByToken {
		return ans.NextToken == ""
	}
	size := l.PageSize
	if ans.PageSize > 0 && ans.PageSize < size {
		size = ans.PageSize
	}
	return ans.Entries == 0 || ans.Entries < size
}

func (l listing) didNotEnd(requestID, why string) error {
	d := contract.CloudErrorDetails{
		Operation: l.Operation, Resource: l.Resource, Code: contract.ListingDidNotEndType, RequestId: requestID, Class: contract.Permanent,
		Message: "the listing did not end: " + why,
		Fix:     "the cloud's paging is broken for this listing; quote the RequestId to its support",
	}
	return temporal.NewNonRetryableApplicationError(d.String(), contract.ListingDidNotEndType, nil, d)
}
