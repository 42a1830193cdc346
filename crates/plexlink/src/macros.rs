//! The macro that declares a driven call once for both clients.

/// Calls that run a driver (more than one request, or a request and some logic), declared once
/// for `Client` and `AsyncClient`: each body is a driver future over `io`, blocked on by the one
/// and awaited by the other. (Single requests are `calls!` in `client.rs`.)
macro_rules! driven {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = |$client:ident, $io:ident| $body:expr;
    )*) => {
        #[cfg(feature = "blocking")]
        impl crate::Client {
            $(
                $(#[$doc])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, plexlink_core::Error> {
                    let $client = self;
                    self.block_on(|$io| $body)
                }
            )*
        }

        #[cfg(feature = "async")]
        impl crate::AsyncClient {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, plexlink_core::Error> {
                    let $client = self;
                    let $io = self.io();
                    $body.await
                }
            )*
        }
    };
}
