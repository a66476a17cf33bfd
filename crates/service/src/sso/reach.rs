//! Where the server may connect to talk to an identity provider. The issuer is named by an
//! account's administrator, and so, through the provider's discovery document, are the
//! token endpoint and key set: unless the operator allows it, none of them may lead the
//! server to its own machine or its private network (a fetch there would let an
//! administrator probe the server's surroundings through the answers' errors). Host names
//! are checked at connection time, after resolution, so a name that resolves to a public
//! address when saved and to a private one later is refused too.

use std::net::{IpAddr, SocketAddr};

use switchboard_domain::net::is_public;

/// The reason given when only private addresses are left.
const PUBLIC_ONLY: &str = "this server reaches identity providers at public addresses only";

/// Resolves a provider's host name, keeping only the addresses the server may reach.
pub(super) struct GuardedResolver {
    /// Whether loopback and private-network addresses may be reached too.
    pub(super) private_ok: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let private_ok = self.private_ok;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| private_ok || is_public(a.ip()))
                .collect();
            if kept.is_empty()
                && let Some(first) = found.first()
            {
                return Err(format!(
                    "{host} resolves to a private network address ({}); {PUBLIC_ONLY}",
                    first.ip()
                )
                .into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Why the server will not connect to `url`, when its host is an address written out
/// (such a host is never resolved, so the resolver above does not see it).
pub(super) fn refused_address(url: &str, private_ok: bool) -> Option<String> {
    if private_ok {
        return None;
    }
    let parsed = reqwest::Url::parse(url).ok()?;
    let ip = match parsed.host()? {
        url::Host::Ipv4(a) => IpAddr::V4(a),
        url::Host::Ipv6(a) => IpAddr::V6(a),
        url::Host::Domain(_) => return None,
    };
    (!is_public(ip)).then(|| format!("{url} is at a private network address ({ip}); {PUBLIC_ONLY}"))
}
