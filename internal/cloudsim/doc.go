// Package cloudsim is a local emulator of the cloud APIs vpcflow drives:
// the Alibaba Cloud VPC RPC API (version 2016-04-28) and the Huawei Cloud
// APIG "Querying VPC Endpoint Connections" API. The real SDK clients talk
// to it unchanged but for their endpoint: signatures are verified, bodies
// have the SDKs' exact JSON shapes, and every documented error code is
// produced by a state or an input that really causes it.
//
// # Go API
//
//	srv, err := cloudsim.New(cloudsim.Options{
//		Fixture:    cloudsim.DefaultFixture(),         // or LoadFixture(path), GenerateFixture(n); nil = default
//		Clock:      cloudsim.NewManualClock(time.Now()), // or RealClock{}, NewScaledClock(10); nil = real
//		Seed:       1,                                    // random faults
//		AdminToken: "",                                   // see "Faults and the admin API" below
//	})
//	hs := httptest.NewServer(srv) // *Server is an http.Handler
//	// or, on a real port: cloudsim.NewHTTPServer("127.0.0.1:8380", srv).ListenAndServe()
//
//	srv.CallCount("ConnectRouterInterface") // calls since start/Reset, any outcome
//	srv.Calls("ConnectRouterInterface")     // []Call with params, code, status (no secrets; see Call)
//	srv.SetFaults(cloudsim.Faults{...})     // AddFaults merges; Faults() reads
//	srv.SetQuirks(cloudsim.Quirks{...})     // harsher readings, network misbehaviour; Quirks() reads
//	srv.AddCrossAccountAuthorization(cloudsim.DefaultVpnConnectionID,
//		cloudsim.CrossAccountAuthorizationSeed{BindUID: "1310123456123456", BindInstance: "cen-x"})
//	srv.AdvanceClock(30 * time.Second)      // ManualClock only
//	srv.State()                             // statuses of interfaces, routes, connections
//	srv.Reset()                             // back to the fixture; clears faults, quirks, ClientTokens, calls
//
// # Pointing the SDKs at cloudsim
//
// Alibaba (plain http; create a fresh request object per call, because the
// SDK stores the resolved endpoint on the request; leave AutoRetry off;
// make sure HTTP_PROXY is unset or NO_PROXY covers 127.0.0.1):
//
//	c, _ := vpc.NewClientWithOptions("cn-hangzhou", sdk.NewConfig(),
//		credentials.NewAccessKeyCredential(cloudsim.DefaultAccessKeyID, cloudsim.DefaultAccessKeySecret))
//	c.Domain = "127.0.0.1:PORT"
//
// Huawei (always set the project ID, or the SDK tries to look it up in IAM):
//
//	c := apig.NewApigClient(apig.ApigClientBuilder().
//		WithEndpoints([]string{"http://127.0.0.1:PORT"}).
//		WithCredential(basic.NewCredentialsBuilder().WithAk(cloudsim.DefaultHuaweiAK).
//			WithSk(cloudsim.DefaultHuaweiSK).WithProjectId(cloudsim.DefaultHuaweiProjectID).Build()).
//		Build())
//
// # Simulated time
//
// Transitions are evaluated lazily against Options.Clock whenever a request
// or an inspection arrives; there are no background goroutines. Delays
// (Fixture.Delays, defaults in DefaultDelays): ConnectRouterInterface moves
// the initiator Idle -> Connecting and the acceptor Idle ->
// AcceptingConnecting, both Active after routerInterfaceConnect (5 s);
// Activate Inactive -> Activating -> Active (3 s); Deactivate Active ->
// Deactivating -> Inactive (3 s); Publish NonPublished -> Publishing ->
// Published (5 s); Withdraw Published -> Withdrawing -> NonPublished (5 s);
// APIG connections move from status to becomes after their own delay.
// A route Published to an ECR shows up, from the moment it is Published,
// among the bgp routes (State Active, Source CLOUD, NextHop the transit
// router, AsPath "[ASN of the ECR]") of every VPN connection attached to
// the ECR's transit router, and disappears once withdrawn.
//
// Request signatures and timestamps are checked against wall time, not the
// simulated clock, because the SDKs stamp requests with real time.
//
// # Supported operations
//
// Alibaba (POST or GET /?Action=..., parameters in the query and/or a form
// body): ConnectRouterInterface, ActivateRouterInterface,
// DeactivateRouterInterface, DescribeRouterInterfaces (Filter.N.Key /
// Filter.N.Value.M, at most 5 filters, values OR-ed, keys AND-ed; Tags.N;
// PageNumber, PageSize 1..50 default 10), PublishVpcRouteEntries,
// WithdrawVpcPublishedRouteEntries (RouteEntries.N.RouteTableId /
// .DestinationCidrBlock, at most 50, TargetType, TargetInstanceId, DryRun),
// ListVpcPublishedRouteEntries (TargetType and RouteTableId required;
// TargetInstanceId, DestinationCidrBlock, NextToken, MaxResults 1..500
// default 50), DescribeVcoRouteEntries (RouteEntryType custom|bgp, PageNumber,
// PageSize 1..50, ClientToken), and DescribeVpnCrossAccountAuthorizations
// (PageNumber, PageSize 1..50, ClientToken).
//
// ClientToken (the two operations above are the only ones cloudsim serves
// whose SDK request has one): a second call with the same ClientToken and
// the same parameters gets the first call's answer again, unchanged (the
// same body, RequestId included, and the same x-acs-request-id); the same
// ClientToken with other parameters answers IdempotentParameterMismatch;
// without a ClientToken every call is answered afresh. Tokens are scoped to
// the caller's account and the action. The parameters compared are the
// operation's own: all but Action, Version, Format, AccessKeyId, Signature,
// SignatureMethod, SignatureVersion, SignatureNonce, SignatureType,
// Timestamp, SecurityToken, BearerToken and ClientToken (RegionId counts).
// Only successes are remembered, so an error answer leaves the token
// unused; faults answer before a token is looked at. The 4096 most recent
// tokens (at most 16 MiB of answers) are remembered, the oldest forgotten
// first; Reset forgets them all.
//
// Huawei: GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-endpoint/connections
// with offset (< 0 becomes 0), limit (<= 0 becomes 20, > 500 becomes 500),
// id, marker_id and status (pendingAcceptance|accepted|rejected|failed),
// authenticated by SDK-HMAC-SHA256 or X-Auth-Token. An AK/SK may act in
// its projectId and its further projects; a token in its one project.
//
// # Error codes and what produces them
//
// Alibaba, every action (checked in this order):
//
//	UnsupportedHTTPMethod 400              method other than POST/GET
//	InvalidParameter 400                   more than 1000 parameters (query and form body together) or a
//	                                       parameter name over 256 bytes (before anything reads them), malformed
//	                                       query/body, a parameter given twice, body > 1 MiB,
//	                                       Format other than JSON, malformed N in X.N.Field, a bad
//	                                       integer/boolean/page size, an unknown filter key, NextToken
//	MissingParameter 400                   Action, Version, AccessKeyId, SignatureMethod, SignatureVersion,
//	                                       SignatureNonce or Timestamp absent or empty (RegionId and
//	                                       operation parameters: see below)
//	MissingSignature 400                   Signature absent or empty ("Signature is mandatory for this
//	                                       action."), in its place among the parameters above
//	InvalidVersion 400                     Version other than 2016-04-28
//	InvalidAction.NotFound 404             unknown Action (or a path other than "/")
//	InvalidSignatureMethod 400             SignatureMethod other than HMAC-SHA1
//	InvalidSignatureVersion 400            SignatureVersion other than 1.0
//	InvalidSignatureType 400               SignatureType set (BEARERTOKEN)
//	InvalidTimeStamp.Format 400            Timestamp not 2006-01-02T15:04:05Z
//	InvalidTimeStamp.Expired 400           Timestamp more than 15 minutes from now
//	InvalidAccessKeyId.NotFound 404        AccessKeyId not in the fixture
//	SignatureDoesNotMatch 400              wrong secret or altered parameters; the message ends in
//	                                       "server string to sign is:<sts>" so the SDK can diagnose it
//	SignatureNonceUsed 400                 a SignatureNonce seen within the timestamp window (per key:
//	                                       the newest 131072 nonces of each AccessKeyId are remembered,
//	                                       so one key's traffic never makes another's replay pass)
//	Forbbiden.SubUser 403 (sic)            a RAM-user key (accessKeys[].ramUser) calling one of its
//	                                       deniedActions (DefaultReadOnlyAccessKeyID: every mutation)
//	Forbidden.RAM 403                      a key bound to a RAM policy (accessKeys[].policy) calling an
//	                                       action it does not allow; AccessDeniedDetail.AuthAction
//	                                       names the RAM action (vpc:<Action>)
//	Forbidden 403                          a main-account key calling one of its deniedActions; a VPN
//	                                       connection owned by another account
//	Throttling.User 400, ServiceUnavailable 503, or any code   faults only (see Faults); a
//	                                       Throttling* answer carries x-acs-retry-after under the
//	                                       quirk RetryAfter
//	MissingParameter 400                   RegionId absent (the SDK always sends it)
//	InvalidRegionId.NotFound 404           RegionId not in alibaba.regions
//	IdempotentParameterMismatch 400        a ClientToken seen with other parameters (see above)
//	then the operation's own checks; a missing required parameter of the
//	operation answers MissingParameter 400 first.
//
// Before all of these, the quirk BadGateway answers HTTP 502 with an HTML
// page and no error code (the SDK's ServerError has HttpStatus 502, an
// empty ErrorCode and the page as Message); after all of them, the quirk
// LostResponses closes the connection of a success without answering.
//
// ConnectRouterInterface (in this order):
//
//	InvalidRouterInterfaceId.NotFound 404  no such interface in the region for the caller's account
//	Forbidden.BillsOutstanding 400         the caller's account has billsOutstanding
//	IllegalParam.InstanceOwner 400         the interface's router belongs to another account
//	IncorrectRole.NotInitiatingSide 400    the interface is AcceptingSide (DefaultSecondAcceptingInterfaceID)
//	IncorrectRIStatus 400                  the interface is not Idle (e.g. a second connect)
//	IncorrectOppositeInterfaceInfo.NotSet 400  one of OppositeInterfaceId/RouterId/RouterType/InterfaceOwnerId empty
//	ErrCode.Invalid 400                    OppositeInterfaceOwnerId is not numeric
//	InvalidAccount.NotFound 400            OppositeInterfaceOwnerId is no account of the fixture
//	IncorrectOppositeInterfaceInfo 400     "Cannot connect on the same router": OppositeRouterId == RouterId
//	InvalidRegionId.NotFound 404           OppositeRegionId not in alibaba.regions
//	IncorrectOppositeInterfaceInfo 400     the opposite interface or router does not exist, or the
//	                                       opposite interface is InitiatingSide
//	AttrMismatching.AcceptingSideRole      the opposite interface has no role
//	AttrMismatching.AcceptingSideInstanceId     oppositeVpcInstanceId differs from the acceptor's VPC
//	AttrMismatching.AcceptingSideRegionNo       OppositeRegionId differs from the acceptor's region
//	AttrMismatching.AcceptingSideRouterId       OppositeRouterId differs from the acceptor's router
//	AttrMismatching.AcceptingSideRouterType     OppositeRouterType differs from the acceptor's router type
//	AttrMismatching.AcceptingSideAliUid         OppositeInterfaceOwnerId differs from the acceptor's owner
//	AttrMismatching.AcceptingSideOpposite{InterfaceOwnerId,RegionNo,InterfaceId,RouterId,RouterType}
//	                                       the acceptor's own opposite field is set and disagrees with
//	                                       the initiator (all 400)
//	CROSS_BID.FORBIDDEN 404                the two owners' accounts have different bid
//	Forbidden.OnlyOneConnection 400        "have a connection already": an interface between the two
//	                                       routers (or the acceptor) is Active/Inactive/Activating/
//	                                       Deactivating/Modifying; "Cannot connect concurrently": one
//	                                       is Connecting/AcceptingConnecting
//
// Under the quirk OnlyOneConnectionFirst, the Forbidden.OnlyOneConnection
// check runs right after IncorrectRole.NotInitiatingSide (when the opposite
// interface exists), before IncorrectRIStatus: a second connect of a
// Connecting interface meets its AcceptingConnecting peer and answers
// "Cannot connect concurrently between same routers", and one of an Active
// interface "have a connection already".
//
// ActivateRouterInterface: InvalidRouterInterfaceId.NotFound 404;
// Forbidden.FinancialLocked 400 (account financialLocked); IncorrectRIStatus
// 400 (not Inactive); OperationFailed.PconnTrafficNotEnable 400 (router
// pconnTrafficDisabled). DeactivateRouterInterface:
// InvalidRouterInterfaceId.NotFound 404; Forbidden.FinancialLocked 400
// (account financialLocked); IncorrectRIStatus 400 (not Active).
//
// PublishVpcRouteEntries and WithdrawVpcPublishedRouteEntries (in this
// order; all 400; every entry is checked before anything changes). A
// DryRun checks what the PublishVpcRouteEntries document promises: the
// AccessKey and the RAM authorization (above) and the parameters; the
// state checks are made only for a real call.
//
//	MissingParameter                       TargetType, TargetInstanceId, RouteEntries.N.RouteTableId or
//	                                       RouteEntries.N.DestinationCidrBlock missing
//	InvalidParameter                       DryRun not a boolean; N outside 1..50 (more than 50 entries);
//	                                       an unknown RouteEntries.N field
//	DryRunOperation                        DryRun=true and the parameter checks above passed
//	then, for a real call only:
//	OperationDenied.UnsupportedTargetType  TargetType other than ECR
//	ResourceNotAssociated.TargetInstance   no such ECR
//	then for each entry in order:
//	ResourceNotFound.RouteEntry            no such route table for the caller in the region
//	IncorrectStatus.Vpc                    the VPC is not Available (vpcs[].status)
//	IncorrectStatus.RouteTable             the route table is not Available (routeTables[].status)
//	Forbidden.OperateCustomRouteTable      the route table is Custom (DefaultCustomRouteTableID)
//	ResourceNotAssociated.TargetInstance   the ECR is not associated with the table's VPC
//	ResourceNotFound.RouteEntry            no route with that destination in the table
//	OperationUnsupported.PublishPrefixListRouteEntry  destination is a prefix list (DefaultPrefixListRouteDest)
//	OperationUnsupported.PublishSystemRouteEntry      the route is System (DefaultSystemRouteCIDR)
//	OperationUnsupported.UnsupportedNextHop           next hop not Instance/NetworkInterface/HaVip/
//	                                                  RouterInterface/Ipv6Gateway (DefaultVpnNextHopRouteCIDR)
//	IncorrectStatus.RouteEntry             the route is not Available (entries[].status)
//	IncorrectStatus.RouteEntryPublishStatus  the route is Publishing or Withdrawing for that target
//
// Publishing a route already Published to the target, or withdrawing one
// not published, succeeds without change.
//
// DescribeVcoRouteEntries: IllegalParam.RouteEntryType 400 (not custom or
// bgp); InvalidParameter 400 (PageSize outside 1..50, PageNumber < 1);
// MissingParameter 400 (VpnConnectionId); InvalidVpnConnectionInstanceId.NotFound
// 404 (no such connection in the region); Forbidden 403 (another
// account's connection); Vco.StatusNotSupport 400 (connection state other
// than active/attached). DescribeVpnCrossAccountAuthorizations: the same
// minus the route type and state checks. ListVpcPublishedRouteEntries:
// MissingParameter, OperationDenied.UnsupportedTargetType, InvalidParameter.
//
// Huawei APIG (body {"error_code","error_msg"}, header X-Request-Id; in
// this order):
//
//	404 APIG.0101   any other path or method under /v1/, /v2/, /v3/
//	400 APIG.0201   "Bad request.": more than 1000 query parameters or a name over 256 bytes
//	413 APIG.0201   "Request entity too large.": a body over 1 MiB
//	400 APIG.0201   "Bad request.": a body that cannot be read
//	401 APIG.0301   "Incorrect IAM authentication information: <reason>", AK/SK authentication:
//	                "x-auth-token not found" (neither Authorization nor X-Auth-Token); a malformed
//	                Authorization; X-Sdk-Date missing, unsigned or more than 15 minutes off
//	                ("request expired"); "Get secretKey failed,ak:******,err:ak not exist" (unknown
//	                AK); "verify aksk signature fail" (bad signature). No message carries the AK,
//	                a signature or a secret.
//	401 APIC.7102   "Incorrect token or token resolution failed": an unknown X-Auth-Token
//	403 APIC.7106   the credential is denied, the path's project is none of its projects, or
//	                its IAM policy (iam_policy.go) does not allow the API's action and the
//	                actions it depends on
//	429 APIGW.0308, 503 APIG.9999, or any code   faults only
//	400 APIG.0201   AcceptOrRejectEndpointConnections: a body that is not {"action","endpoints"}
//	400 APIG.2012   offset, limit or marker_id not an integer; status not one of the four;
//	                action not receive or reject; endpoints not 1..50, naming a connection
//	                the gateway does not have, or one that cannot move (failed, creating,
//	                deleting): the whole call is refused, nothing changes
//	404 APIG.3030   no such instance in the project
//	404 APIC.7314   the gateway has noEndpointService (DefaultAPIGNoEndpointServiceInstanceID)
//	500 APIC.9007   the gateway has vpcepFailure (DefaultAPIGVpcepFailureInstanceID)
//
// AcceptOrRejectEndpointConnections moves pendingAcceptance and rejected
// connections to accepted (receive), pendingAcceptance and accepted ones
// to rejected (reject), at once; the same action again succeeds and
// changes nothing. A connection acted on no longer follows its fixture's
// becomes.
//
// Before all of these, the quirk BadGateway answers HTTP 502 with an HTML
// page (the SDK's ServiceResponseError has StatusCode 502 and the page as
// ErrorMessage); after them, LostResponses may drop a success.
//
// # Default fixture
//
// DefaultFixture (region cn-hangzhou, account DefaultAccountUID) holds:
// DefaultAccessKeyID/DefaultAccessKeySecret (all actions) and
// DefaultReadOnlyAccessKeyID/Secret (RAM user, mutations denied); three
// VRouters; DefaultInitiatingInterfaceID (Idle InitiatingSide, opposite
// fields set) and its AcceptingSide peer DefaultAcceptingInterfaceID;
// DefaultSecondAcceptingInterfaceID (AcceptingSide, for
// IncorrectRole.NotInitiatingSide); DefaultVpcID with
// DefaultSystemRouteTableID (routes DefaultRouteCIDR1..3 and the IPv6
// DefaultIPv6RouteCIDR publishable, DefaultSystemRouteCIDR, DefaultVpnNextHopRouteCIDR,
// DefaultPrefixListRouteDest) and DefaultCustomRouteTableID
// (DefaultCustomTableRouteCIDR); DefaultECRID associated with the VPC and
// attached to DefaultTransitRouterID; DefaultVpnConnectionID attached to
// that transit router (CEN DefaultCenID) with custom routes
// DefaultVpnCustomRoute1/2 (State published) and the learned bgp route
// DefaultVpnLearnedRoute; one cross-account authorization of it to
// DefaultCenID of DefaultPeerAccountUID (BindProduct CEN). Huawei:
// DefaultHuaweiAK/SK, which may act in DefaultHuaweiProjectID and
// DefaultHuaweiSecondProjectID; the token DefaultHuaweiToken, scoped to
// DefaultHuaweiProjectID; in DefaultHuaweiProjectID the gateway
// DefaultAPIGInstanceID with four connections (accepted; pendingAcceptance
// -> accepted after 10 s; pendingAcceptance -> accepted after 30 s;
// rejected); DefaultAPIGChangeInstanceID, whose connections change only
// when someone accepts or rejects them (two pendingAcceptance, one
// rejected, one failed); two gateways that fail
// (DefaultAPIGNoEndpointServiceInstanceID, DefaultAPIGVpcepFailureInstanceID);
// in DefaultHuaweiSecondProjectID the gateway
// DefaultAPIGSecondProjectInstanceID with one connection,
// DefaultEndpointConnectionSecondProjectID, accepted.
// GenerateFixture(n) adds n independent interface pairs
// (LoadRouterInterfaceIDs) and n publishable routes (LoadRouteCIDR) for
// load tests. GenerateFleetFixture(specs...) adds fleets (FleetFixtureSpec,
// FleetChange): per change an Idle interface pair, a VPC associated with
// DefaultECRID and a publishable route in its own system route table, but
// SharedTables changes publishing two by two from one table and HubChanges
// initiating on one router (HubRouterID); the dev stack has DemoFleet, the
// fleet of docs/examples/fleet.yaml.
// `go run ./internal/cloudsim/cmd/cloudsim --print-fixture`
// prints the default fixture in the YAML schema LoadFixture reads.
//
// # Quirks
//
// Quirks (all off by default; SetQuirks, PUT /_cloudsim/quirks, or the
// command's --quirks flag) play the harsher reading of the API documents,
// or the misbehaviour of the network in front of a real cloud:
// TotalCountPerPage (TotalCount and APIG total count the page answered);
// IdleReadsAfterConnect, PublishingReadsAfterPublish,
// PublishedReadsAfterWithdraw, ActiveReadsAfterDeactivate,
// InactiveReadsAfterActivate and EndpointReadsAfterAction (reads lag
// behind a connect, a publish, a withdraw, a deactivate, an activate, an
// accept or reject); RAMDenialCode (a RAM refusal as plain Forbidden or
// NoPermission); OnlyOneConnectionFirst (see
// ConnectRouterInterface above); OneConnectPerRouter (a connect while
// another interface of its router is connecting answers
// Forbidden.OnlyOneConnection) and OneWritePerRouteTable (a publish or
// withdraw while an entry of its table is Publishing or Withdrawing answers
// IncorrectStatus.RouteTable), the conflicts a fleet must avoid; LostResponses (a success takes effect but
// the connection is closed without an answer: the Alibaba SDK returns a
// *url.Error wrapping io.EOF; the call log marks the call Lost);
// BadGateway (the load balancer's 502 page, before authentication and
// without state change; logged as Injected, Status 502, no parameters);
// RetryAfter (x-acs-retry-after on Throttling answers). See Quirks for the
// exact rules.
//
// # Quotas
//
// Quotas (off by default; SetQuotas, PUT /_cloudsim/quotas, or the
// command's --quotas) are the Alibaba API's flow control: calls a second
// per action for one AccessKey, or with PerAccount for the main account;
// a call over its quota is answered Throttling.User ("Request was denied due
// to user flow control.", HTTP 400) with no effect. They count wall-clock
// seconds whatever the clock's speed. CodeCount counts the answers of a
// code, those the call log dropped included.
//
// # The call log
//
// Every call is recorded (Calls, CallCount, GET /_cloudsim/calls), but a
// call refused before or by authentication (a missing or bad common
// parameter, an unknown key, a bad signature, a replayed nonce; for APIG a
// bad AK/SK or token) keeps only its action, its AccessKeyId or AK cut to
// 64 bytes, its status, code and request ID, and no parameters: what an
// unauthenticated client sends is not stored. A call over the parameter
// bounds keeps not even its action. Parameter values are cut to 256
// bytes. The log keeps the newest 20000 calls, fewer once they add up to
// 32 MiB (estimated as the size of their JSON), dropping the oldest first;
// CallCount still counts every call since start or Reset.
//
// # Serving on a port
//
// Serve with NewHTTPServer, whose timeouts cut off a client that trickles
// its headers (10 s) or its request (30 s) and leave room for the longest
// injected latency. The command cmd/cloudsim listens on loopback only,
// unless --allow-remote is given: then it logs a warning and requires an
// admin token (--admin-token, or one generated and printed once at
// start).
//
// # Faults and the admin API
//
// See Faults and Quirks for the JSON schemas and admin.go for the
// endpoints under /_cloudsim/ (state, faults, quirks, reset, calls, clock,
// clock/advance). The admin API refuses what a web page open in the
// developer's browser could send: a request that changes something (any
// method but GET and HEAD) must carry Content-Type application/json
// (else 415), which a page cannot send cross-origin without a CORS
// preflight, never granted; and, unless Options.AdminToken is set, the
// request's Host must be loopback (127.0.0.1 or another 127.x address,
// ::1 or localhost, any port; else 403), which a DNS-rebound page's is
// not. With an AdminToken, every admin request must carry
// "Authorization: Bearer <token>" (else 401), whatever its Host. For
// example:
//
//	curl -X POST -H 'Content-Type: application/json' http://127.0.0.1:8380/_cloudsim/reset
//
// The SDK paths are not affected by either rule.
package cloudsim
