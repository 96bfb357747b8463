package service

import (
	"github.com/prometheus/client_golang/prometheus"
)

// signInFailures counts failed sign-ins. They go to logs and metrics, not to
// any organization's audit log (SPEC §7).
var signInFailures = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "tenantry_signin_failures_total",
	Help: "Sign-in attempts refused for a wrong email or password.",
})

// Collectors returns the service's metrics, for registration by the server.
func Collectors() []prometheus.Collector { return []prometheus.Collector{signInFailures} }
