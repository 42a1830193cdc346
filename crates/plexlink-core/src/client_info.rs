//! Who is asking: the `X-Plex-*` identity of an application, and where plex.tv is.

use http::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::Error;

/// The identity an application presents to plex.tv and to servers, and the addresses of plex.tv.
///
/// One client identifier per installation, kept forever: plex.tv keeps one token per account
/// and identifier, and a fresh identifier per login adds a new "Authorized Device" each time.
///
/// The identity fields are public so that every binding can fill them; [`ClientInfo::new`]
/// gives defaults for the optional ones. The plex.tv addresses change only through
/// [`ClientInfo::set_plex_url`], which checks them, so every request built from them is valid.
///
/// ```
/// use plexlink_core::ClientInfo;
///
/// let mut info = ClientInfo::new("My Player", "0b7e6f52-5c3a-4f0e-8d1c-2a9b8c7d6e5f");
/// info.version = "2.1.0".into();
/// info.device_name = "Salon TV".into();
/// info.set_plex_url("http://127.0.0.1:32500").unwrap();
/// assert_eq!(info.plex_url().as_str(), "http://127.0.0.1:32500/");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientInfo {
    /// `X-Plex-Product`: shown to the person on the consent page and in "Authorized Devices".
    pub product: String,
    /// `X-Plex-Version`: the application's version.
    pub version: String,
    /// `X-Plex-Client-Identifier`: one per installation, kept forever.
    pub client_identifier: String,
    /// `X-Plex-Platform`, e.g. `Linux`.
    pub platform: String,
    /// `X-Plex-Platform-Version`; empty leaves the header out.
    pub platform_version: String,
    /// `X-Plex-Device`, e.g. `PC`; empty leaves the header out.
    pub device: String,
    /// `X-Plex-Device-Name`: the name the person gave this device (any UTF-8).
    pub device_name: String,
    /// `X-Plex-Model`; empty leaves the header out.
    pub model: String,
    /// `X-Plex-Provides`, e.g. `controller`; empty leaves the header out.
    pub provides: String,
    plex_url: Url,
    clients_url: Url,
    auth_page_url: Url,
}

impl ClientInfo {
    /// An identity with the given product name and client identifier, version `1.0`, the
    /// compile-time OS as platform, the product as device name, and the real plex.tv addresses.
    pub fn new(product: impl Into<String>, client_identifier: impl Into<String>) -> Self {
        let product = product.into();
        Self {
            device_name: product.clone(),
            product,
            version: "1.0".into(),
            client_identifier: client_identifier.into(),
            platform: default_platform().into(),
            platform_version: String::new(),
            device: String::new(),
            model: String::new(),
            provides: String::new(),
            plex_url: fixed_url("https://plex.tv/"),
            clients_url: fixed_url("https://clients.plex.tv/"),
            auth_page_url: fixed_url("https://app.plex.tv/auth"),
        }
    }

    /// Base of the plex.tv API (`https://plex.tv/`).
    #[must_use]
    pub fn plex_url(&self) -> &Url {
        &self.plex_url
    }

    /// Base of the clients.plex.tv API (`https://clients.plex.tv/`): home users and JWT calls.
    #[must_use]
    pub fn clients_url(&self) -> &Url {
        &self.clients_url
    }

    /// The page where a strong PIN is approved (`https://app.plex.tv/auth`).
    #[must_use]
    pub fn auth_page_url(&self) -> &Url {
        &self.auth_page_url
    }

    /// Points every plex.tv address (plex.tv, clients.plex.tv, the auth page) at one base URL,
    /// such as an emulator's `http://127.0.0.1:PORT`.
    pub fn set_plex_url(&mut self, base: &str) -> Result<(), Error> {
        let mut url = Url::parse(base).map_err(|e| Error::InvalidArgument {
            what: "plex_url",
            detail: format!("not a URL: {e}"),
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Error::InvalidArgument {
                what: "plex_url",
                detail: "must be an http or https URL with a host".into(),
            });
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        url.set_query(None);
        url.set_fragment(None);
        // Every plex.tv request starts with this base; one that HTTP cannot carry is refused now,
        // with the field's name, rather than at each call.
        crate::wire::request_uri(&url).map_err(|e| Error::InvalidArgument {
            what: "plex_url",
            detail: e.to_string(),
        })?;
        self.auth_page_url = url.join("auth").map_err(|e| Error::InvalidArgument {
            what: "plex_url",
            detail: e.to_string(),
        })?;
        self.clients_url = url.clone();
        self.plex_url = url;
        Ok(())
    }

    /// Points the clients.plex.tv calls (JWT, Home users) at a base of their own, for a setup
    /// where they are served apart from plex.tv. Call it after [`set_plex_url`](Self::set_plex_url),
    /// which points both at one base.
    pub fn set_clients_url(&mut self, base: &str) -> Result<(), Error> {
        let mut other = self.clone();
        other.set_plex_url(base).map_err(|e| match e {
            Error::InvalidArgument { detail, .. } => Error::InvalidArgument {
                what: "clients_url",
                detail,
            },
            other => other,
        })?;
        self.clients_url = other.plex_url;
        Ok(())
    }

    /// The `X-Plex-*` headers and `Accept: application/json`, as every request sends them.
    ///
    /// Values are UTF-8; control characters (which HTTP forbids) are dropped.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::ACCEPT, HeaderValue::from_static("application/json"));
        let fields: [(&'static str, &str); 9] = [
            ("x-plex-client-identifier", &self.client_identifier),
            ("x-plex-product", &self.product),
            ("x-plex-version", &self.version),
            ("x-plex-platform", &self.platform),
            ("x-plex-platform-version", &self.platform_version),
            ("x-plex-device", &self.device),
            ("x-plex-device-name", &self.device_name),
            ("x-plex-model", &self.model),
            ("x-plex-provides", &self.provides),
        ];
        for (name, value) in fields {
            if let Some(value) = header_value(value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
        headers
    }

    /// The `context[device][...]` pairs of the app.plex.tv auth URL, in Plex's key names.
    pub(crate) fn auth_context(&self) -> Vec<(&'static str, &str)> {
        [
            ("context[device][product]", self.product.as_str()),
            ("context[device][version]", &self.version),
            ("context[device][platform]", &self.platform),
            ("context[device][platformVersion]", &self.platform_version),
            ("context[device][device]", &self.device),
            ("context[device][deviceName]", &self.device_name),
            ("context[device][model]", &self.model),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// Checks what plex.tv requires before anything is sent.
    pub fn validate(&self) -> Result<(), Error> {
        if self.client_identifier.trim().is_empty() {
            return Err(Error::InvalidArgument {
                what: "client_identifier",
                detail: "must not be empty (plex.tv answers 400, code 1000, without it)".into(),
            });
        }
        if self.product.trim().is_empty() {
            return Err(Error::InvalidArgument {
                what: "product",
                detail: "must not be empty (it is shown to the person who signs in)".into(),
            });
        }
        Ok(())
    }
}

/// A header value from UTF-8 text, without the control characters HTTP forbids.
/// `None` for an empty value: optional headers are left out rather than sent empty.
pub(crate) fn header_value(text: &str) -> Option<HeaderValue> {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    if clean.is_empty() {
        return None;
    }
    HeaderValue::from_bytes(clean.as_bytes()).ok()
}

fn default_platform() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        "android" => "Android",
        "ios" => "iOS",
        "freebsd" => "FreeBSD",
        other => other,
    }
}

fn fixed_url(text: &str) -> Url {
    Url::parse(text).expect("built-in URL parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_carry_the_identity_and_skip_empty_ones() {
        let mut info = ClientInfo::new("Player", "id-1");
        info.device_name = "Wohnzimmer-Fernseher ü".into();
        let h = info.headers();
        assert_eq!(h["accept"], "application/json");
        assert_eq!(h["x-plex-client-identifier"], "id-1");
        assert_eq!(h["x-plex-product"], "Player");
        assert_eq!(h["x-plex-version"], "1.0");
        assert_eq!(h["x-plex-device-name"].as_bytes(), "Wohnzimmer-Fernseher ü".as_bytes());
        assert!(h.get("x-plex-model").is_none());
        assert!(h.get("x-plex-token").is_none());
    }

    #[test]
    fn control_characters_are_dropped_from_headers() {
        let mut info = ClientInfo::new("Player", "id-1");
        info.device_name = "evil\r\nX-Injected: 1".into();
        assert_eq!(info.headers()["x-plex-device-name"], "evilX-Injected: 1");
    }

    #[test]
    fn plex_url_moves_every_address() {
        let mut info = ClientInfo::new("Player", "id-1");
        info.set_plex_url("http://127.0.0.1:4000/base").unwrap();
        assert_eq!(info.plex_url().as_str(), "http://127.0.0.1:4000/base/");
        assert_eq!(info.clients_url().as_str(), "http://127.0.0.1:4000/base/");
        assert_eq!(info.auth_page_url().as_str(), "http://127.0.0.1:4000/base/auth");
        assert!(info.set_plex_url("ftp://x").is_err());
        assert!(info.set_plex_url("not a url").is_err());
    }

    #[test]
    fn one_base_points_everything_and_clients_can_have_their_own() {
        let mut info = ClientInfo::new("P", "id");
        info.set_plex_url("http://127.0.0.1:9").unwrap();
        assert_eq!(info.clients_url().as_str(), "http://127.0.0.1:9/");
        info.set_clients_url("http://127.0.0.1:10/base").unwrap();
        assert_eq!(info.clients_url().as_str(), "http://127.0.0.1:10/base/");
        assert_eq!(info.plex_url().as_str(), "http://127.0.0.1:9/");
        assert_eq!(
            crate::jwt::nonce_request(&info).unwrap().uri(),
            "http://127.0.0.1:10/base/api/v2/auth/nonce"
        );
        let error = info.set_clients_url("ftp://x").unwrap_err();
        assert!(matches!(
            error,
            Error::InvalidArgument {
                what: "clients_url",
                ..
            }
        ));
        assert_eq!(info.clients_url().as_str(), "http://127.0.0.1:10/base/");
    }

    #[test]
    fn a_plex_url_http_cannot_carry_is_refused_and_changes_nothing() {
        let mut info = ClientInfo::new("Player", "id-1");
        let long = format!("https://{}.example/", "a".repeat(70_000));
        for base in [
            "https://a\"b:32400",
            "https://a{b}:32400",
            "https://a`b/",
            long.as_str(),
        ] {
            let err = info.set_plex_url(base).unwrap_err();
            assert!(
                matches!(err, Error::InvalidArgument { what: "plex_url", .. }),
                "{base:.40}: {err}"
            );
            assert_eq!(info.plex_url().as_str(), "https://plex.tv/");
        }
    }

    #[test]
    fn validate_requires_identifier_and_product() {
        assert!(ClientInfo::new("P", "").validate().is_err());
        assert!(ClientInfo::new(" ", "x").validate().is_err());
        assert!(ClientInfo::new("P", "x").validate().is_ok());
    }
}
