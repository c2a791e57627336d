package cloudsim

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Huawei Cloud APIG: GET /v2/{project_id}/apigw/instances/{instance_id}/vpc-endpoint/connections
// (ListEndpointConnections) and POST .../vpc-endpoint/connections/action
// (AcceptOrRejectEndpointConnections, huawei_apig_accept.go),
// authenticated by SDK-HMAC-SHA256 AK/SK or by an X-Auth-Token. Every
// answer carries X-Request-Id; errors are {"error_code","error_msg"}.

const (
	huaweiActionListEndpointConnections   = "ListEndpointConnections"
	huaweiActionAcceptOrRejectConnections = "AcceptOrRejectEndpointConnections"
	huaweiDateFormat                      = "20060102T150405Z"
	huaweiTimeFormat                      = "2006-01-02T15:04:05Z"
	huaweiDefaultLimit                    = 20
	huaweiMaxLimit                        = 500
	maxHuaweiBody                         = 1 << 20
)

type huaweiErrorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

type listEndpointConnectionsBody struct {
	Size        int                      `json:"size"`
	Total       int                      `json:"total"`
	Connections []endpointConnectionView `json:"connections"`
}

type endpointConnectionView struct {
	ID        string `json:"id"`
	MarkerID  int32  `json:"marker_id"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	DomainID  string `json:"domain_id"`
	Status    string `json:"status"`
}

// errHuaweiAKSK is the gateway's answer to AK/SK authentication that
// fails. The reason never carries the AK, a signature or a secret: the
// gateway masks them, and so must cloudsim.
func errHuaweiAKSK(reason string) *apiError {
	return newAPIError(http.StatusUnauthorized, "APIG.0301", "Incorrect IAM authentication information: %s", reason)
}

// errHuaweiToken is the answer to an X-Auth-Token IAM does not resolve
// (the API document's own example).
func errHuaweiToken() *apiError {
	return newAPIError(http.StatusUnauthorized, "APIC.7102", "Incorrect token or token resolution failed")
}

// errHuaweiBadRequest is the gateway's answer to a request it cannot
// take in: a body it cannot read, or parameters over cloudsim's bounds.
func errHuaweiBadRequest() *apiError {
	return newAPIError(http.StatusBadRequest, "APIG.0201", "Bad request.")
}

func errHuaweiInvalidParam(name string) *apiError {
	return newAPIError(http.StatusBadRequest, "APIG.2012", "Invalid parameter value,parameterName:%s. Please refer to the support documentation", name)
}

func (s *Server) serveHuawei(w http.ResponseWriter, r *http.Request) {
	api, _, _, ok := matchHuaweiAPI(r.Method, r.URL.Path)
	if ok && s.answerBadGateway(w, "huawei", api) {
		return
	}
	requestID := newHuaweiRequestID()
	call := Call{Time: time.Now(), Cloud: "huawei", Action: api, RequestID: requestID}
	body, apiErr := s.handleHuawei(r, &call)
	status := http.StatusOK
	if apiErr != nil {
		status = apiErr.status
		call.Code = apiErr.code
		body = huaweiErrorBody{ErrorCode: apiErr.code, ErrorMsg: apiErr.message}
	}
	call.Status = status
	call.Lost = s.lostResponse(call.Action, status)
	s.record(call)
	s.logger.Debug("huawei call", "action", call.Action, "status", status, "code", call.Code, "requestId", requestID, "lost", call.Lost)
	if call.Lost {
		dropConnection(w)
		return
	}
	writeJSON(w, status, body, map[string]string{"X-Request-Id": requestID, "Content-Type": "application/json"})
}

// matchHuaweiAPI names the API of a method and path, and splits the path
// into project and instance.
func matchHuaweiAPI(method, path string) (api, projectID, instanceID string, ok bool) {
	parts := strings.Split(path, "/")
	// "", v2, {project}, apigw, instances, {instance}, vpc-endpoint, connections[, action]
	if len(parts) < 8 || parts[0] != "" || parts[1] != "v2" || parts[3] != "apigw" || parts[4] != "instances" ||
		parts[6] != "vpc-endpoint" || parts[7] != "connections" || parts[2] == "" || parts[5] == "" {
		return "", "", "", false
	}
	switch {
	case len(parts) == 8 && method == http.MethodGet:
		return huaweiActionListEndpointConnections, parts[2], parts[5], true
	case len(parts) == 9 && parts[8] == "action" && method == http.MethodPost:
		return huaweiActionAcceptOrRejectConnections, parts[2], parts[5], true
	}
	return "", "", "", false
}

func (s *Server) handleHuawei(r *http.Request, call *Call) (any, *apiError) {
	api, projectID, instanceID, ok := matchHuaweiAPI(r.Method, r.URL.Path)
	if !ok {
		call.Action = ""
		call.Params = map[string]string{"path": r.URL.Path, "method": r.Method}
		return nil, newAPIError(http.StatusNotFound, "APIG.0101", "The API does not exist or has not been published in the environment.")
	}
	// Bound the query before anything decodes it (see maxRequestParams).
	if checkParamCount(countEncodedParams(r.URL.RawQuery)) != nil {
		return nil, errHuaweiBadRequest()
	}
	query := r.URL.Query()
	if checkParamNames(query) != nil {
		return nil, errHuaweiBadRequest()
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxHuaweiBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, newAPIError(http.StatusRequestEntityTooLarge, "APIG.0201", "Request entity too large.")
		}
		return nil, errHuaweiBadRequest()
	}

	cred, apiErr := s.authenticateHuawei(r, body, call)
	if apiErr != nil {
		// An unauthenticated client's parameters are not recorded: the
		// call log is not its storage.
		return nil, apiErr
	}
	call.Params = map[string]string{"project_id": projectID, "instance_id": instanceID}
	for k, v := range query {
		call.Params[k] = strings.Join(v, ",")
	}
	if !cred.mayCall(api, projectID) {
		return nil, errHuaweiNoPermission()
	}

	s.mu.Lock()
	decision := s.faults.decide(call.Action)
	s.mu.Unlock()
	sleepLatency(r.Context().Done(), decision.latency)
	if err := huaweiFaultError(decision); err != nil {
		call.Injected = true
		return nil, err
	}

	if api == huaweiActionAcceptOrRejectConnections {
		return s.acceptOrRejectEndpointConnections(projectID, instanceID, body, call)
	}
	q, apiErr := parseEndpointConnectionQuery(query)
	if apiErr != nil {
		return nil, apiErr
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.world.settle(s.clock.Now())
	g, apiErr := s.world.endpointService(projectID, instanceID)
	if apiErr != nil {
		return nil, apiErr
	}
	return s.listEndpointConnections(g, q), nil
}

// endpointService is the gateway of a path, if it has a VPC endpoint
// service that works.
func (w *world) endpointService(projectID, instanceID string) (*gateway, *apiError) {
	g := w.gateways[instanceID]
	if g == nil || g.ProjectID != projectID {
		return nil, newAPIError(http.StatusNotFound, "APIG.3030", "The instance does not exist;id:%s", instanceID)
	}
	if g.NoEndpointService {
		return nil, newAPIError(http.StatusNotFound, "APIC.7314", "Endpoint service not found")
	}
	if g.VpcepFailure {
		return nil, newAPIError(http.StatusInternalServerError, "APIC.9007", "Failed to execute VCPEP request")
	}
	return g, nil
}

func huaweiFaultError(d faultDecision) *apiError {
	switch d.kind {
	case faultThrottle:
		return newAPIError(http.StatusTooManyRequests, "APIGW.0308",
			"The throttling threshold has been reached: policy user over ratelimit,limit:200,time:5 minute")
	case faultUnavailable:
		return newAPIError(http.StatusServiceUnavailable, "APIG.9999", "System error. The service is temporarily unavailable.")
	case faultScripted:
		msg := d.scripted.Message
		if msg == "" {
			msg = "Injected by cloudsim."
		}
		return newAPIError(d.scripted.Status, d.scripted.Code, "%s", msg)
	}
	return nil
}

// authenticateHuawei accepts an AK/SK signature or an IAM token.
func (s *Server) authenticateHuawei(r *http.Request, body []byte, call *Call) (*huaweiCredential, *apiError) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		token := r.Header.Get("X-Auth-Token")
		if token == "" {
			// The gateway falls back to token authentication when there is
			// no signature, and reports the token it did not find.
			return nil, errHuaweiAKSK("x-auth-token not found")
		}
		call.AccessKeyID = "token"
		s.mu.Lock()
		cred := s.world.huaweiTokens[token]
		s.mu.Unlock()
		if cred == nil {
			return nil, errHuaweiToken()
		}
		return cred, nil
	}
	a, err := parseHuaweiAuthorization(authz)
	if err != nil {
		return nil, errHuaweiAKSK(err.Error())
	}
	call.AccessKeyID = truncate(a.access, maxRecordedAccessKeyID)
	sdkDate := r.Header.Get("X-Sdk-Date")
	ts, err := time.Parse(huaweiDateFormat, sdkDate)
	if err != nil || !slices.Contains(a.signedHeaders, "x-sdk-date") {
		return nil, errHuaweiAKSK("x-sdk-date is missing, malformed or not signed")
	}
	// Wall time, like the Alibaba timestamp check: the SDK stamps requests
	// with the client's real clock.
	if d := time.Since(ts); d > 15*time.Minute || d < -15*time.Minute {
		return nil, errHuaweiAKSK("request expired")
	}
	s.mu.Lock()
	cred := s.world.huaweiAKs[a.access]
	s.mu.Unlock()
	if cred == nil {
		return nil, errHuaweiAKSK("Get secretKey failed,ak:******,err:ak not exist")
	}
	sts := huaweiStringToSign(r, body, a.signedHeaders, sdkDate)
	if !hmacEqual(huaweiSign(sts, cred.secret), a.signature) {
		return nil, errHuaweiAKSK("verify aksk signature fail")
	}
	return cred, nil
}

type endpointConnectionQuery struct {
	offset   int64
	limit    int
	id       string
	markerID *int32
	status   string
}

// parseEndpointConnectionQuery applies the documented coercions: offset <
// 0 becomes 0, limit <= 0 becomes 20, limit > 500 becomes 500. Values that
// are not numbers, and unknown statuses, are invalid.
func parseEndpointConnectionQuery(q map[string][]string) (endpointConnectionQuery, *apiError) {
	out := endpointConnectionQuery{limit: huaweiDefaultLimit}
	first := func(k string) (string, bool) {
		v, ok := q[k]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
	if v, ok := first("offset"); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return out, errHuaweiInvalidParam("offset")
		}
		out.offset = max(n, 0)
	}
	if v, ok := first("limit"); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return out, errHuaweiInvalidParam("limit")
		}
		switch {
		case n <= 0:
			out.limit = huaweiDefaultLimit
		case n > huaweiMaxLimit:
			out.limit = huaweiMaxLimit
		default:
			out.limit = int(n)
		}
	}
	if v, ok := first("id"); ok {
		out.id = v
	}
	if v, ok := first("marker_id"); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return out, errHuaweiInvalidParam("marker_id")
		}
		m := int32(n)
		out.markerID = &m
	}
	if v, ok := first("status"); ok && v != "" {
		switch v {
		case EndpointPendingAcceptance, EndpointAccepted, EndpointRejected, EndpointFailed:
			out.status = v
		default:
			return out, errHuaweiInvalidParam("status")
		}
	}
	return out, nil
}

// listEndpointConnections answers one page; total is the number of
// matching connections, or of those in the page under the quirk
// TotalCountPerPage. A connection shows the status a read lag keeps
// (EndpointReadsAfterAction), and is filtered by it.
func (s *Server) listEndpointConnections(g *gateway, q endpointConnectionQuery) listEndpointConnectionsBody {
	var matched []endpointConnection
	for _, real := range g.connections {
		if q.id != "" && real.id != q.id {
			continue
		}
		if q.markerID != nil && real.markerID != *q.markerID {
			continue
		}
		c := *real
		c.status = s.quirks.endpointStatusRead(c.id, c.status)
		if q.status != "" && c.status != q.status {
			continue
		}
		matched = append(matched, c)
	}
	body := listEndpointConnectionsBody{Total: len(matched), Connections: []endpointConnectionView{}}
	if q.offset < int64(len(matched)) {
		end := min(int(q.offset)+q.limit, len(matched))
		for _, c := range matched[q.offset:end] {
			body.Connections = append(body.Connections, c.view())
		}
	}
	body.Size = len(body.Connections)
	if s.quirks.cfg.TotalCountPerPage {
		body.Total = body.Size
	}
	return body
}

// view is the connection as the API shows it.
func (c endpointConnection) view() endpointConnectionView {
	return endpointConnectionView{
		ID: c.id, MarkerID: c.markerID, DomainID: c.domainID, Status: c.status,
		CreatedAt: c.created.UTC().Format(huaweiTimeFormat), UpdatedAt: c.updated.UTC().Format(huaweiTimeFormat),
	}
}
