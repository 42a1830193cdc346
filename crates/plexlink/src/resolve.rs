//! Name resolution that reads `*.plex.direct` names instead of asking DNS for them.
//!
//! Many home routers (DNS-rebinding protection) refuse to resolve plex.direct names to private
//! addresses, which sends other clients to a relay or nowhere. A plex.direct name encodes its
//! address (`192-168-1-150.<hash>.plex.direct` is 192.168.1.150) and Plex's DNS answers exactly
//! that address, so reading it from the name gives the same result without asking. The name is
//! still used for TLS: SNI and the certificate check are unchanged, so nothing is trusted that
//! was not before. Every other name goes to the system resolver.

use std::net::{SocketAddr, ToSocketAddrs};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The resolver the client installs when plex.direct decoding is on (the default).
#[derive(Debug)]
pub(crate) struct PlexDirectResolver;

impl Resolve for PlexDirectResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        if let Some(ip) = plexlink_core::plex_direct::decode_host(&host) {
            let addrs: Addrs = Box::new(std::iter::once(SocketAddr::new(ip, 0)));
            return Box::pin(std::future::ready(Ok(addrs)));
        }
        Box::pin(async move {
            // The system resolver blocks; run it where blocking is allowed.
            let found = tokio::task::spawn_blocking(move || (host.as_str(), 0).to_socket_addrs())
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            let addrs: Addrs = Box::new(found.collect::<Vec<_>>().into_iter());
            Ok(addrs)
        })
    }
}
