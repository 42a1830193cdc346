//! The account's servers while plex.tv is down: from a snapshot of its last answer
//! (docs/protocol.md §3.8).

use plexlink_core::resources::{self, Device, Include};
use plexlink_core::snapshot::{ResourcesSnapshot, use_snapshot_after};
use plexlink_core::{Error, Token};

use crate::{driver, jwt};

/// The account's servers, and the snapshot to keep for when plex.tv cannot be reached.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerList {
    /// The servers, as [`Client::servers`](crate::Client::servers) lists them.
    pub servers: Vec<Device>,
    /// plex.tv's answer (new, or the one given when plex.tv could not be reached): store it
    /// (as privately as a token: it holds every server's access token) for the next call.
    pub snapshot: ResourcesSnapshot,
    /// Why the servers come from the snapshot: `None` when plex.tv answered now.
    pub offline: Option<Error>,
}

driven! {
    /// The account's servers with a fallback: when plex.tv cannot be reached (a network error,
    /// a timeout, a 5xx or a 429, never a refused token), the servers of `kept` (an earlier
    /// answer the app stored) with [`ServerList::offline`] saying why. Races to those servers
    /// still check each one's identity.
    ///
    /// ```no_run
    /// # let client = plexlink::Client::builder("My Player", "id").build()?;
    /// # let token = plexlink::Token::new("t");
    /// # let stored: Option<String> = None;
    /// let kept = stored.as_deref().map(plexlink::ResourcesSnapshot::from_json).transpose()?;
    /// let list = client.servers_or_snapshot(&token, kept.as_ref())?;
    /// if let Some(why) = &list.offline {
    ///     println!("plex.tv is unreachable ({why}); using its answer from {}", list.snapshot.taken_at());
    /// }
    /// let to_store = list.snapshot.to_json();
    /// # Ok::<(), plexlink::Error>(())
    /// ```
    fn servers_or_snapshot(token: &Token, kept: Option<&ResourcesSnapshot>) -> ServerList = |client, io| async move {
        let request = resources::resources_request(client.info(), token, Include::default());
        let taken_at = jwt::unix_now();
        let parse = |response: &_| ResourcesSnapshot::from_response(response, taken_at);
        match driver::call(io, client.rules(), request, parse, &[token.secret()]).await {
            Ok(snapshot) => Ok(ServerList {
                servers: snapshot.servers(),
                snapshot,
                offline: None,
            }),
            Err(error) => match kept {
                Some(kept) if use_snapshot_after(&error) => Ok(ServerList {
                    servers: kept.servers(),
                    snapshot: kept.clone(),
                    offline: Some(error),
                }),
                _ => Err(error),
            },
        }
    };
}
