//! Name resolution that reads `*.plex.direct` names instead of asking DNS for them.
//!
//! Many home routers (DNS-rebinding protection) refuse to resolve plex.direct names to private
//! addresses, which sends other clients to a relay or nowhere. A plex.direct name encodes its
//! address (`192-168-1-150.<hash>.plex.direct` is 192.168.1.150) and Plex's DNS answers exactly
//! that address, so reading it from the name gives the same result without asking. The name is
//! still used for TLS: SNI and the certificate check are unchanged, so nothing is trusted that
//! was not before. Every other name goes to the system resolver.
//!
//! # Why every plex.direct name, and not only one that encodes the advertised address
//!
//! The resolver sees a host name, not the connection plex.tv advertised, and it does not need
//! to: it answers exactly what Plex's own DNS answers for that name (Plex's DNS decodes the
//! label the same way, whatever the address plex.tv lists beside it), so a client with working
//! DNS would connect to the same address. Over https the certificate must still be valid for
//! the name, which only the server holding that `*.<hash>.plex.direct` certificate can show: a
//! name that lies about its address leads to a TLS error, not to a stranger. Restricting the
//! resolver to names that match the advertised address would add no protection and would send
//! such a connection back to the router that refuses it.
//!
//! The check that the name encodes the advertised address stays where no certificate vouches
//! for anything: the core makes a plain-http twin (`http://<address>:<port>`) of an https
//! plex.direct connection only when the name and the advertised address agree
//! ([`plexlink_core::plex_direct::direct_address`]). Turn the resolver off
//! ([`ClientBuilder::resolve_plex_direct`](crate::ClientBuilder::resolve_plex_direct)) to send
//! plex.direct names to the system resolver like any other, e.g. where a hosts file or a local
//! DNS maps them somewhere on purpose.

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
