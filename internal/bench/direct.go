package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/vpc"

	"github.com/vpcflow/vpcflow/activities"
	"github.com/vpcflow/vpcflow/contract"
)

// directChange makes the cloud calls of one NetworkChange, in the same
// order and with the same parameters as the activities, one after another
// through the same SDK client and no Temporal: the cross-account read, the
// interface read, the connect, reads until Active, the publish-status read
// and DryRun, the publish-status read and publish, and reads of the VPN
// connection's routes (after reads of the publish status until the routes
// are Published) until two in a row show them, pause apart as the wait's
// schedule paces them (the pause is not orchestration, so the
// baseline keeps it).
//
// byDestination reads the publish status with one filtered call per route
// (DestinationCidrBlock) instead of paging through the route table as the
// activity does: the change proposed for list_vpc_published_route_entries.go.
func directChange(ctx context.Context, vpcAPI activities.VPCAPI, in contract.NetworkChangeInput, pause time.Duration, byDestination bool) error {
	cross := vpc.CreateDescribeVpnCrossAccountAuthorizationsRequest()
	cross.RegionId, cross.VpnConnectionId = in.RegionId, in.VpnConnectionId
	cross.PageNumber, cross.PageSize = requests.NewInteger(1), requests.NewInteger(50)
	auths, err := vpcAPI.DescribeVpnCrossAccountAuthorizations(cross)
	if err != nil {
		return err
	}
	if len(auths.CrossAccountAuthorizations) == 0 {
		return errors.New("no cross-account authorization")
	}

	describe := func() (string, error) {
		req := vpc.CreateDescribeRouterInterfacesRequest()
		req.RegionId = in.RegionId
		req.Filter = &[]vpc.DescribeRouterInterfacesFilter{{Key: "RouterInterfaceId", Value: &[]string{in.RouterInterfaceId}}}
		resp, err := vpcAPI.DescribeRouterInterfaces(req)
		if err != nil {
			return "", err
		}
		if len(resp.RouterInterfaceSet.RouterInterfaceType) != 1 {
			return "", fmt.Errorf("%s not found", in.RouterInterfaceId)
		}
		return resp.RouterInterfaceSet.RouterInterfaceType[0].Status, nil
	}
	status, err := describe()
	if err != nil {
		return err
	}
	if status == activities.RouterInterfaceIdle {
		conn := vpc.CreateConnectRouterInterfaceRequest()
		conn.RegionId, conn.RouterInterfaceId = in.RegionId, in.RouterInterfaceId
		if _, err := vpcAPI.ConnectRouterInterface(conn); err != nil {
			return err
		}
	}
	for status != activities.RouterInterfaceActive {
		if status, err = describe(); err != nil {
			return err
		}
		if status != activities.RouterInterfaceActive {
			if err := sleep(ctx, pause); err != nil {
				return err
			}
		}
	}

	publish := func(dryRun bool) error {
		if _, err := publishStatus(vpcAPI, in, byDestination); err != nil {
			return err
		}
		req := vpc.CreatePublishVpcRouteEntriesRequest()
		req.RegionId, req.TargetType, req.TargetInstanceId = in.RegionId, in.TargetType, in.TargetInstanceId
		req.DryRun = requests.NewBoolean(dryRun)
		entries := make([]vpc.PublishVpcRouteEntriesRouteEntries, len(in.RouteEntries))
		for i, e := range in.RouteEntries {
			entries[i] = vpc.PublishVpcRouteEntriesRouteEntries{RouteTableId: e.RouteTableId, DestinationCidrBlock: e.DestinationCidrBlock}
		}
		req.RouteEntries = &entries
		_, err := vpcAPI.PublishVpcRouteEntries(req)
		if dryRun {
			var se *sdkerrors.ServerError
			if errors.As(err, &se) && se.ErrorCode() == "DryRunOperation" {
				return nil
			}
			return fmt.Errorf("DryRun: %v", err)
		}
		return err
	}
	if err := publish(true); err != nil {
		return err
	}
	if err := publish(false); err != nil {
		return err
	}

	// Like the verify wait: reads of the publish status until every route
	// is Published, then of the VPN connection's routes.
	want := map[string]bool{}
	for _, e := range in.RouteEntries {
		want[e.DestinationCidrBlock] = true
	}
	for published := 0; published < len(want); {
		status, err := publishStatus(vpcAPI, in, byDestination)
		if err != nil {
			return err
		}
		published = 0
		for dest := range want {
			if status[dest] == activities.PublishStatusPublished {
				published++
			}
		}
		if published < len(want) {
			if err := sleep(ctx, pause); err != nil {
				return err
			}
		}
	}
	for matches, round := 0, 0; matches < 2; round++ {
		if round > 0 {
			if err := sleep(ctx, pause); err != nil {
				return err
			}
		}
		req := vpc.CreateDescribeVcoRouteEntriesRequest()
		req.RegionId, req.VpnConnectionId, req.RouteEntryType = in.RegionId, in.VpnConnectionId, contract.VcoRouteBgp
		req.PageNumber, req.PageSize = requests.NewInteger(1), requests.NewInteger(50)
		resp, err := vpcAPI.DescribeVcoRouteEntries(req)
		if err != nil {
			return err
		}
		found := 0
		for _, e := range resp.VcoRouteEntries {
			if want[e.RouteDest] && e.State == activities.VcoStateActive && e.Source == activities.VcoSourceCloud {
				found++
			}
		}
		if found == len(want) {
			matches++
		} else {
			matches = 0
		}
	}
	return nil
}

// publishStatus reads the publish status of the change's routes towards
// its target: like the activity, every page of the route table's list
// (MaxResults 500, following NextToken), or one call per destination.
func publishStatus(vpcAPI activities.VPCAPI, in contract.NetworkChangeInput, byDestination bool) (map[string]string, error) {
	status := map[string]string{}
	list := func(dest, token string) (string, error) {
		req := vpc.CreateListVpcPublishedRouteEntriesRequest()
		req.RegionId, req.RouteTableId = in.RegionId, in.RouteEntries[0].RouteTableId
		req.TargetType, req.TargetInstanceId = in.TargetType, in.TargetInstanceId
		req.MaxResults = requests.NewInteger(500)
		req.DestinationCidrBlock, req.NextToken = dest, token
		resp, err := vpcAPI.ListVpcPublishedRouteEntries(req)
		if err != nil {
			return "", err
		}
		for _, e := range resp.RouteEntries {
			for _, t := range e.RoutePublishTargets {
				if t.PublishTargetInstanceId == in.TargetInstanceId {
					status[e.DestinationCidrBlock] = t.PublishStatus
				}
			}
		}
		return resp.NextToken, nil
	}
	if byDestination {
		for _, e := range in.RouteEntries {
			if _, err := list(e.DestinationCidrBlock, ""); err != nil {
				return nil, err
			}
		}
		return status, nil
	}
	for token := ""; ; {
		next, err := list("", token)
		if err != nil {
			return nil, err
		}
		if next == "" || next == token {
			return status, nil
		}
		token = next
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// runDirect makes changes with at most inflight at once and returns each
// one's duration.
func runDirect(ctx context.Context, vpcAPI activities.VPCAPI, inputs []contract.NetworkChangeInput, inflight int, pause time.Duration, byDestination bool) (loadResult, error) {
	out := make([]outcome, len(inputs))
	sem := make(chan struct{}, max(1, inflight))
	var wg sync.WaitGroup
	begin := time.Now()
	for i, in := range inputs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o := outcome{id: in.RouterInterfaceId, start: time.Now()}
			o.err = directChange(ctx, vpcAPI, in, pause, byDestination)
			o.end = time.Now()
			out[i] = o
		}()
	}
	wg.Wait()
	res := loadResult{outcomes: out, elapsed: time.Since(begin)}
	var errs []string
	for _, o := range res.failed() {
		errs = append(errs, o.id+": "+o.err.Error())
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("direct baseline: %d changes failed: %s", len(errs), strings.Join(errs[:min(3, len(errs))], "; "))
	}
	return res, nil
}
