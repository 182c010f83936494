package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/aquanet/aquanet/actors/triggersvc"
	"github.com/aquanet/aquanet/interpreter/value"
)

// Defaults of the HTTP triggers' settings.
const (
	defaultHTTPTriggerRate    = 10
	defaultHTTPTriggerTimeout = 10 * time.Second
)

// triggerHandler serves POST /run/ROUTE: the request's JSON object is the arguments of a run
// of the trigger of ROUTE, and the response is what its script passes to callbackSrv.response,
// as JSON.
type triggerHandler struct {
	triggers *triggersvc.Service
	token    string
	rate     int
	timeout  time.Duration

	mu     sync.Mutex
	limits map[string]*rate.Limiter
}

func newTriggerHandler(t *triggersvc.Service, token string, perSecond int, timeout time.Duration) *triggerHandler {
	return &triggerHandler{triggers: t, token: token, rate: perSecond, timeout: timeout, limits: map[string]*rate.Limiter{}}
}

func (h *triggerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.token != "" {
		got := r.Header.Get("Authorization")
		if subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+h.token)) != 1 {
			httpError(w, http.StatusUnauthorized, "a bearer token is needed: Authorization: Bearer TOKEN")
			return
		}
	}
	route := r.PathValue("route")
	if !h.triggers.HasRoute(route) { // before the limiter: made-up routes keep no state
		httpError(w, http.StatusNotFound, "route \""+route+"\": "+triggersvc.ErrNoRoute.Error())
		return
	}
	if !h.allow(route) {
		httpError(w, http.StatusTooManyRequests, "too many requests to this route: try again later")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, triggersvc.MaxArgsBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			httpError(w, http.StatusRequestEntityTooLarge, "the body is over the limit of "+strconv.Itoa(triggersvc.MaxArgsBytes)+" bytes")
			return
		}
		httpError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	args := value.Null()
	if len(body) > 0 {
		if args, err = value.Parse(body, value.Limits{}); err != nil {
			httpError(w, http.StatusBadRequest, "the body is not JSON: "+err.Error())
			return
		}
	}
	inv, err := h.triggers.Invoke(route, args)
	switch {
	case errors.Is(err, triggersvc.ErrNoRoute):
		httpError(w, http.StatusNotFound, err.Error())
		return
	case err != nil:
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	v, err := h.triggers.Wait(ctx, inv)
	if err != nil {
		httpError(w, http.StatusGatewayTimeout, "the script did not answer (callbackSrv.response) within "+h.timeout.String()+"; its particle is "+inv.ParticleID)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(v.AppendJSON(nil), '\n')) //nolint:errcheck // the client may be gone
}

// allow says whether a request to route (one a trigger has: there are as many as triggers) may
// go now; routes are limited one by one.
func (h *triggerHandler) allow(route string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.limits[route]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(h.rate), 2*h.rate)
		h.limits[route] = l
	}
	return l.Allow()
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(append(b, '\n')) //nolint:errcheck // the client may be gone
}
