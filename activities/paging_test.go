package activities

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/vpcflow/vpcflow/contract"
)

// pages serves n entries in pages of size, numbered from 1, answering
// count as TotalCount would be (ignored by the rule, whatever it says).
func pages(n, size int) func(pageCursor) (pageAnswer, error) {
	return func(c pageCursor) (pageAnswer, error) {
		from := min((c.Number-1)*size, n)
		to := min(from+size, n)
		return pageAnswer{Entries: to - from, RequestId: fmt.Sprintf("RID-%d", c.Number)}, nil
	}
}

func TestAListingEndsOnAShortOrEmptyPage(t *testing.T) {
	for _, tc := range []struct {
		entries, size, calls int
	}{
		{0, 50, 1},   // one empty page
		{3, 50, 1},   // one short page
		{50, 50, 2},  // a full page, then an empty one: the price of not trusting a count
		{120, 50, 3}, // 50, 50, 20
		{3, 1, 4},    // 1, 1, 1, then empty
	} {
		l := listing{Operation: "Op", Resource: "r", PageSize: tc.size}
		ids, err := l.read(pages(tc.entries, tc.size))
		require.NoError(t, err)
		assert.Len(t, ids, tc.calls, "%d entries in pages of %d", tc.entries, tc.size)
	}
}

// A cloud that serves smaller pages than asked, and says so, is paged by
// the size it says; one that says nothing ends the listing at its first
// short page.
func TestAListingFollowsThePageSizeTheCloudAnswers(t *testing.T) {
	calls := 0
	l := listing{Operation: "Op", Resource: "r", PageSize: 50}
	_, err := l.read(func(c pageCursor) (pageAnswer, error) {
		calls++
		ans, _ := pages(25, 10)(c)
		ans.PageSize = 10
		return ans, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls, "10, 10, 5: pages of the 10 the cloud says it used")
}

func TestAListingByTokenEndsWithoutAToken(t *testing.T) {
	tokens := []string{"t2", "t3", ""}
	var asked []string
	l := listing{Operation: "Op", Resource: "r", PageSize: 100, ByToken: true}
	ids, err := l.read(func(c pageCursor) (pageAnswer, error) {
		asked = append(asked, c.Token)
		// Short pages do not end a listing paged by token.
		return pageAnswer{Entries: 1, NextToken: tokens[c.Number-1], RequestId: fmt.Sprintf("RID-%d", c.Number)}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"", "t2", "t3"}, asked)
	assert.Equal(t, []string{"RID-1", "RID-2", "RID-3"}, ids)
}

func TestAListingThatDoesNotEndFailsClearly(t *testing.T) {
	t.Run("a cloud that ignores the page number", func(t *testing.T) {
		calls := 0
		l := listing{Operation: "DescribeVcoRouteEntries", Resource: "vco-1", PageSize: 50}
		_, err := l.read(func(pageCursor) (pageAnswer, error) {
			calls++
			return pageAnswer{Entries: 50, RequestId: "RID-SAME"}, nil
		})
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr)
		assert.Equal(t, contract.ListingDidNotEndType, appErr.Type())
		assert.True(t, appErr.NonRetryable())
		assert.Contains(t, appErr.Error(), "DescribeVcoRouteEntries vco-1")
		assert.Contains(t, appErr.Error(), "still answered full pages after 200 pages")
		assert.Contains(t, appErr.Error(), "RequestId: RID-SAME")
		assert.Equal(t, maxListPages, calls)
	})
	t.Run("a token that comes back", func(t *testing.T) {
		l := listing{Operation: "ListVpcPublishedRouteEntries", Resource: "vtb-1", PageSize: 100, ByToken: true}
		_, err := l.read(func(c pageCursor) (pageAnswer, error) {
			return pageAnswer{Entries: 100, NextToken: "again", RequestId: fmt.Sprint("RID-", c.Number)}, nil
		})
		var appErr *temporal.ApplicationError
		require.ErrorAs(t, err, &appErr)
		assert.Equal(t, contract.ListingDidNotEndType, appErr.Type())
		assert.Contains(t, appErr.Error(), "NextToken of an earlier page again")
	})
	t.Run("a page's error ends it as it is", func(t *testing.T) {
		boom := errors.New("boom")
		l := listing{Operation: "Op", Resource: "r", PageSize: 1}
		_, err := l.read(func(c pageCursor) (pageAnswer, error) {
			if c.Number == 2 {
				return pageAnswer{}, boom
			}
			return pageAnswer{Entries: 1}, nil
		})
		assert.Same(t, boom, err)
	})
}
