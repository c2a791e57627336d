package cloudsim

import (
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Alibaba Cloud VPC RPC front end: decode, authenticate, authorize, inject
// faults, dispatch to the operation, render.

const (
	alibabaAPIVersion = "2016-04-28"
	alibabaHostID     = "vpc.aliyuncs.com"
	// maxAlibabaBody bounds what is read from a form body.
	maxAlibabaBody = 1 << 20
)

// rpcRequest is an authenticated call handed to an operation handler. The
// handler runs with Server.mu held and the world settled to now.
type rpcRequest struct {
	params    rpcParams
	key       *accessKey
	account   *account
	regionID  string
	now       time.Time
	requestID string
	quirks    *quirkState
}

// alibabaHandler performs one Action and returns the success body (which
// must carry RequestId) or an error.
type alibabaHandler func(w *world, req *rpcRequest) (any, *apiError)

// alibabaActions lists the supported Actions of version 2016-04-28.
var alibabaActions = map[string]alibabaHandler{
	"ConnectRouterInterface":                connectRouterInterface,
	"ActivateRouterInterface":               activateRouterInterface,
	"DeactivateRouterInterface":             deactivateRouterInterface,
	"DescribeRouterInterfaces":              describeRouterInterfaces,
	"PublishVpcRouteEntries":                publishVpcRouteEntries,
	"WithdrawVpcPublishedRouteEntries":      withdrawVpcPublishedRouteEntries,
	"ListVpcPublishedRouteEntries":          listVpcPublishedRouteEntries,
	"DescribeVcoRouteEntries":               describeVcoRouteEntries,
	"DescribeVpnCrossAccountAuthorizations": describeVpnCrossAccountAuthorizations,
}

// alibabaErrorBody is the error shape the SDK parses (sdk/errors/server_error.go).
type alibabaErrorBody struct {
	RequestId          string
	HostId             string
	Code               string
	Message            string
	Recommend          string
	AccessDeniedDetail *accessDeniedDetail `json:",omitempty"`
}

func (s *Server) serveAlibaba(w http.ResponseWriter, r *http.Request) {
	if s.answerBadGateway(w, "alibaba", alibabaActionInQuery(r)) {
		return
	}
	call := Call{Time: time.Now(), Cloud: "alibaba", RequestID: newAlibabaRequestID()}

	body, status, apiErr := s.handleAlibaba(r, &call)
	headers := map[string]string{}
	if apiErr != nil {
		status = apiErr.status
		call.Code = apiErr.code
		body = alibabaErrorBody{
			RequestId: call.RequestID,
			HostId:    alibabaHostID,
			Code:      apiErr.code,
			Message:   apiErr.message,
			Recommend: "https://api.aliyun.com/troubleshoot?q=" + url.QueryEscape(apiErr.code) +
				"&product=Vpc&requestId=" + call.RequestID,
			AccessDeniedDetail: apiErr.accessDenied,
		}
		if retryAfter := s.throttlingRetryAfter(apiErr.code); retryAfter != "" {
			headers["x-acs-retry-after"] = retryAfter
		}
	}
	call.Status = status
	call.Lost = s.lostResponse(call.Action, status)
	s.record(call)
	s.logger.Debug("alibaba call", "action", call.Action, "status", status, "code", call.Code,
		"requestId", call.RequestID, "lost", call.Lost)
	if call.Lost {
		dropConnection(w)
		return
	}
	headers["x-acs-request-id"] = call.RequestID
	writeJSON(w, status, body, headers)
}

// throttlingRetryAfter is the x-acs-retry-after value (milliseconds) a
// Throttling answer carries under the quirk RetryAfter, or "".
func (s *Server) throttlingRetryAfter(code string) string {
	if !strings.HasPrefix(code, "Throttling") {
		return ""
	}
	s.mu.Lock()
	d := s.quirks.cfg.RetryAfter.Std()
	s.mu.Unlock()
	if d <= 0 {
		return ""
	}
	return strconv.FormatInt(d.Milliseconds(), 10)
}

// handleAlibaba returns the body and status of a success, or an apiError.
// It fills call as far as the request could be understood; a success
// replayed for its ClientToken sets call.RequestID to the first answer's.
func (s *Server) handleAlibaba(r *http.Request, call *Call) (any, int, *apiError) {
	params, apiErr := decodeAlibabaParams(r)
	if apiErr != nil {
		return nil, 0, apiErr
	}
	call.Action = truncate(params["Action"], maxRecordedAction)
	call.AccessKeyID = truncate(params["AccessKeyId"], maxRecordedAccessKeyID)

	key, apiErr := s.authenticateAlibaba(r.Method, params)
	if apiErr != nil {
		// Nothing an unauthenticated client sent beyond the action and
		// the key it claims is recorded: the call log is not its storage.
		return nil, 0, apiErr
	}
	call.Params = recordableAlibabaParams(params)
	handler := alibabaActions[params["Action"]]
	if key.policy != nil && !key.policy.Allows(ramAction(call.Action), ramResources(call.Action, params, key.accountUID)) {
		s.mu.Lock()
		code := s.quirks.cfg.RAMDenialCode
		s.mu.Unlock()
		return nil, 0, ramDenied(key, call.Action, code)
	}
	if key.deniedActions[call.Action] {
		if key.ramUser {
			return nil, 0, newAPIError(http.StatusForbidden, "Forbbiden.SubUser",
				"User not authorized to operate on the specified resource as your account is created by another user.")
		}
		return nil, 0, newAPIError(http.StatusForbidden, "Forbidden", "User not authorized to operate on the specified resource.")
	}

	// The quota is counted after authentication and RAM: a call refused
	// before never reached the API's flow control.
	if apiErr := s.overQuota(key, call.Action); apiErr != nil {
		return nil, 0, apiErr
	}

	// Faults come after authentication (a throttled call was still a
	// well-signed call) and outside the state lock (latency must not block
	// other clients).
	s.mu.Lock()
	decision := s.faults.decide(call.Action)
	s.mu.Unlock()
	sleepLatency(r.Context().Done(), decision.latency)
	if err := alibabaFaultError(decision); err != nil {
		call.Injected = true
		return nil, 0, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.world.accounts[key.accountUID]
	regionID, apiErr := params.required("RegionId")
	if apiErr != nil {
		return nil, 0, apiErr
	}
	if !s.world.regionKnown(regionID) {
		return nil, 0, newAPIError(http.StatusNotFound, "InvalidRegionId.NotFound",
			"The RegionId provided does not exist in our records.")
	}
	now := s.clock.Now()
	s.world.settle(now)
	req := &rpcRequest{
		params: params, key: key, account: acc, regionID: regionID, now: now, requestID: call.RequestID, quirks: s.quirks,
	}
	token := params["ClientToken"]
	if !clientTokenActions[call.Action] || token == "" {
		resp, apiErr := handler(s.world, req)
		if apiErr != nil {
			return nil, 0, apiErr
		}
		return resp, http.StatusOK, nil
	}
	return s.answerOncePerClientToken(newClientTokenKey(key.accountUID, call.Action, token), handler, req, call)
}

// answerOncePerClientToken answers a call that carries a ClientToken: the
// first success is remembered and answered again, byte for byte, to every
// later call with the same token and parameters. Called with s.mu held.
func (s *Server) answerOncePerClientToken(k clientTokenKey, handler alibabaHandler, req *rpcRequest, call *Call) (any, int, *apiError) {
	params := digestOperationParams(req.params)
	if prior, ok := s.clientTokens.lookup(k); ok {
		if prior.params != params {
			return nil, 0, errIdempotentParameterMismatch()
		}
		call.RequestID = prior.requestID
		return json.RawMessage(prior.body), http.StatusOK, nil
	}
	resp, apiErr := handler(s.world, req)
	if apiErr != nil {
		return nil, 0, apiErr
	}
	body, err := encodeJSONBody(resp)
	if err != nil {
		return nil, 0, newAPIError(http.StatusInternalServerError, "InternalError",
			"The request processing has failed due to some unknown error, exception or failure.")
	}
	s.clientTokens.remember(k, rememberedAnswer{params: params, requestID: req.requestID, body: body})
	return json.RawMessage(body), http.StatusOK, nil
}

func alibabaFaultError(d faultDecision) *apiError {
	switch d.kind {
	case faultThrottle:
		return newAPIError(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
	case faultUnavailable:
		return newAPIError(http.StatusServiceUnavailable, "ServiceUnavailable",
			"The request has failed due to a temporary failure of the server.")
	case faultScripted:
		msg := d.scripted.Message
		if msg == "" {
			msg = "Injected by cloudsim."
		}
		return newAPIError(d.scripted.Status, d.scripted.Code, "%s", msg)
	}
	return nil
}

// decodeAlibabaParams merges query and form parameters, bounded first
// (see maxRequestParams). A name given twice is rejected: the signature is
// defined over single values, so the server could not tell which one the
// client signed.
func decodeAlibabaParams(r *http.Request) (rpcParams, *apiError) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, newAPIError(http.StatusBadRequest, "UnsupportedHTTPMethod",
			"Specified HTTP method %q is not supported; use POST or GET.", r.Method)
	}
	body, apiErr := readAlibabaFormBody(r)
	if apiErr != nil {
		return nil, apiErr
	}
	if err := checkParamCount(countEncodedParams(r.URL.RawQuery) + countEncodedParams(body)); err != nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The request has %s.", err)
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The query string is malformed: %v.", err)
	}
	form, err := url.ParseQuery(body)
	if err != nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The request body is malformed: %v.", err)
	}
	params := rpcParams{}
	for _, values := range []url.Values{query, form} {
		if err := checkParamNames(values); err != nil {
			return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The request has %s.", err)
		}
		for k, vs := range values {
			if _, dup := params[k]; dup || len(vs) > 1 {
				return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The parameter %q is given more than once.", k)
			}
			params[k] = vs[0]
		}
	}
	return params, nil
}

// readAlibabaFormBody returns the body of a POST whose Content-Type is
// application/x-www-form-urlencoded, undecoded, so that its parameters can
// be counted before they are decoded; other bodies carry no parameters
// (as for http.Request.ParseForm) and are not read.
func readAlibabaFormBody(r *http.Request) (string, *apiError) {
	ct := r.Header.Get("Content-Type")
	if r.Method != http.MethodPost || ct == "" {
		return "", nil
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", newAPIError(http.StatusBadRequest, "InvalidParameter", "The request body is malformed: %v.", err)
	}
	if mediaType != "application/x-www-form-urlencoded" {
		return "", nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxAlibabaBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", newAPIError(http.StatusBadRequest, "InvalidParameter", "The request body exceeds %d bytes.", maxAlibabaBody)
		}
		return "", newAPIError(http.StatusBadRequest, "InvalidParameter", "The request body is malformed: %v.", err)
	}
	return string(b), nil
}

// recordableAlibabaParams drops what must never be recorded.
func recordableAlibabaParams(p rpcParams) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		switch k {
		case "Signature", "SecurityToken", "BearerToken":
			continue
		}
		out[k] = v
	}
	return out
}

// authenticateAlibaba checks the common parameters, the API, the
// timestamp, the AccessKey, the signature and the nonce, in that order.
func (s *Server) authenticateAlibaba(method string, p rpcParams) (*accessKey, *apiError) {
	for _, name := range []string{"Action", "Version", "AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "Timestamp"} {
		if _, err := p.required(name); err != nil {
			if name == "Signature" {
				// The gateway's own code for this one common parameter.
				return nil, newAPIError(http.StatusBadRequest, "MissingSignature", "Signature is mandatory for this action.")
			}
			return nil, err
		}
	}
	if p["Version"] != alibabaAPIVersion {
		return nil, newAPIError(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid.")
	}
	if _, ok := alibabaActions[p["Action"]]; !ok {
		return nil, newAPIError(http.StatusNotFound, "InvalidAction.NotFound",
			"Specified api is not found, please check your url and method.")
	}
	if f := p["Format"]; f != "" && f != "JSON" && f != "json" {
		return nil, newAPIError(http.StatusBadRequest, "InvalidParameter", "The specified Format %q is not supported by cloudsim; use JSON.", f)
	}
	if p["SignatureMethod"] != "HMAC-SHA1" {
		return nil, newAPIError(http.StatusBadRequest, "InvalidSignatureMethod", "Specified signature method is not supported.")
	}
	if p["SignatureVersion"] != "1.0" {
		return nil, newAPIError(http.StatusBadRequest, "InvalidSignatureVersion", "Specified signature version is not supported.")
	}
	if p["SignatureType"] != "" {
		// BEARERTOKEN: bearer tokens are not part of any fixture.
		return nil, newAPIError(http.StatusBadRequest, "InvalidSignatureType", "Specified signature type is not supported.")
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", p["Timestamp"])
	if err != nil {
		return nil, newAPIError(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
	}
	// Signatures are checked against wall time, not the simulated clock:
	// the SDK stamps requests with the client's real time, and a scaled or
	// manual clock must not make honest requests stale.
	wall := time.Now()
	if ts.Before(wall.Add(-alibabaTimestampWindow)) || ts.After(wall.Add(alibabaTimestampWindow)) {
		return nil, newAPIError(http.StatusBadRequest, "InvalidTimeStamp.Expired",
			"Specified time stamp or date value is expired.")
	}

	s.mu.Lock()
	key := s.world.accessKeys[p["AccessKeyId"]]
	s.mu.Unlock()
	if key == nil {
		return nil, newAPIError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	sts := alibabaStringToSign(method, p)
	if !hmacEqual(alibabaSign(sts, key.secret), p["Signature"]) {
		return nil, newAPIError(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:%s", sts)
	}
	if !s.nonces.use(key.id, p["SignatureNonce"], wall, ts.Add(alibabaTimestampWindow+time.Second)) {
		return nil, newAPIError(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	return key, nil
}

// hmacEqual compares signatures in constant time.
func hmacEqual(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
