package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the networks whose forwarded headers are believed
// (--trusted-proxy). The API and the web both answer by them.
type Proxies []netip.Prefix

func (ps Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer is the address the request came from directly.
func peer(r *http.Request) (string, netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return host, a, err == nil
}

// FromTrusted reports whether the request came directly from a trusted proxy.
func (ps Proxies) FromTrusted(r *http.Request) bool {
	_, a, ok := peer(r)
	return ok && ps.trusted(a)
}

// ClientAddress is the client's address: the peer, or, when the peer is a
// trusted proxy, the last address in X-Forwarded-For that is not one.
func (ps Proxies) ClientAddress(r *http.Request) string {
	host, a, ok := peer(r)
	if !ok || !ps.trusted(a) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !ps.trusted(h) {
			return h.String()
		}
	}
	return host
}
