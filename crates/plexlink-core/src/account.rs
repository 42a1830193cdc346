//! Account calls on plex.tv: token details, sign-in, sign-out, ping, Plex Home users, claim token.

use http::Method;
use serde::Deserialize;

use crate::lenient::{self, Object};
use crate::wire::{self, Body};
use crate::{ClientInfo, Error, HttpRequest, HttpResponse, Password, PinCode, Token, VerificationCode};

/// A Plex account (`UserPlexAccount`), as token details, sign-in and Home switch return it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Account {
    /// The account's numeric id.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub id: Option<u64>,
    /// The account's UUID.
    #[serde(default, deserialize_with = "lenient::string")]
    pub uuid: String,
    /// The user name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub username: String,
    /// The e-mail address.
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    /// The name to show.
    #[serde(default, deserialize_with = "lenient::string")]
    pub friendly_name: String,
    /// The title (a managed user's name).
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: String,
    /// The avatar's URL.
    #[serde(default, deserialize_with = "lenient::string")]
    pub thumb: String,
    /// The account's token (sign-in and Home switch give the new token here).
    #[serde(default, deserialize_with = "opt_token")]
    pub auth_token: Option<Token>,
    /// Whether two-factor authentication is on.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub two_factor_enabled: bool,
    /// Whether the account belongs to a Plex Home.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub home: bool,
    /// Whether it is the Home's administrator.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub home_admin: bool,
    /// The Plex Pass subscription, if plex.tv sent it.
    #[serde(default)]
    pub subscription: Option<Subscription>,
}

/// A Plex Pass subscription.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Subscription {
    /// Whether it is active.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub active: bool,
    /// `Active`, `Inactive`, ...
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    /// `monthly`, `yearly`, `lifetime`, ...
    #[serde(default, deserialize_with = "lenient::string")]
    pub plan: String,
}

/// A member of a Plex Home.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct HomeUser {
    /// The numeric id.
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub id: Option<u64>,
    /// The UUID: what [`switch_home_user_request`] takes.
    #[serde(default, deserialize_with = "lenient::string")]
    pub uuid: String,
    /// The name to show.
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: String,
    /// The user name (empty for managed users).
    #[serde(default, deserialize_with = "lenient::string")]
    pub username: String,
    /// Whether this user is the Home's administrator.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub admin: bool,
    /// Whether this is a managed user with restrictions.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub restricted: bool,
    /// Whether switching to this user needs their Home PIN.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub protected: bool,
    /// Whether this is the guest user.
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub guest: bool,
    /// The avatar's URL.
    #[serde(default, deserialize_with = "lenient::string")]
    pub thumb: String,
}

/// `GET {plex}/api/v2/user` with the token: is this token valid, and whose is it?
///
/// Only [`Error::Unauthorized`] from [`parse_user`] means the token is bad; any other failure
/// says nothing about it.
pub fn user_request(info: &ClientInfo, token: &Token) -> Result<HttpRequest, Error> {
    let url = wire::endpoint(info.plex_url(), "api/v2/user");
    wire::build(info, Method::GET, &url, Some(token), Body::Empty)
}

/// Reads the token details (200).
pub fn parse_user(response: &HttpResponse) -> Result<Account, Error> {
    wire::expect_json(response, &[200], "account")
}

/// `POST {plex}/api/v2/users/signin`, form `login`, `password`, `rememberMe=true` and the
/// optional two-factor `verificationCode` (not checked as six digits: backup codes are longer).
pub fn sign_in_request(
    info: &ClientInfo,
    login: &str,
    password: &Password,
    verification_code: Option<&VerificationCode>,
) -> Result<HttpRequest, Error> {
    let url = wire::endpoint(info.plex_url(), "api/v2/users/signin");
    let mut form = vec![
        ("login", login.to_owned()),
        ("password", password.secret().to_owned()),
        ("rememberMe", "true".to_owned()),
    ];
    if let Some(code) = verification_code {
        form.push(("verificationCode", code.secret().trim().to_owned()));
    }
    wire::build(info, Method::POST, &url, None, Body::Form(form))
}

/// Reads the sign-in answer (201, some proxies 200): the account, whose `auth_token` is set.
pub fn parse_sign_in(response: &HttpResponse) -> Result<Account, Error> {
    let account: Account = wire::expect_json(response, &[200, 201], "account")?;
    if account.auth_token.is_none() {
        return Err(Error::Decode {
            what: "account",
            detail: "no authToken in the sign-in answer".into(),
        });
    }
    Ok(account)
}

/// `DELETE {plex}/api/v2/users/signout` with the token: revokes it.
pub fn sign_out_request(info: &ClientInfo, token: &Token) -> Result<HttpRequest, Error> {
    let url = wire::endpoint(info.plex_url(), "api/v2/users/signout");
    wire::build(info, Method::DELETE, &url, Some(token), Body::Empty)
}

/// Reads the sign-out answer (204).
pub fn parse_sign_out(response: &HttpResponse) -> Result<(), Error> {
    wire::expect_status(response, &[200, 204])
}

/// `GET {plex}/api/v2/ping` with the token: keeps it alive.
pub fn ping_request(info: &ClientInfo, token: &Token) -> Result<HttpRequest, Error> {
    let url = wire::endpoint(info.plex_url(), "api/v2/ping");
    wire::build(info, Method::GET, &url, Some(token), Body::Empty)
}

/// Reads the ping answer (200 or 204).
pub fn parse_ping(response: &HttpResponse) -> Result<(), Error> {
    wire::expect_status(response, &[200, 204])
}

/// `GET {clients}/api/v2/home/users` with the token: the members of the Home.
pub fn home_users_request(info: &ClientInfo, token: &Token) -> Result<HttpRequest, Error> {
    let url = wire::endpoint(info.clients_url(), "api/v2/home/users");
    wire::build(info, Method::GET, &url, Some(token), Body::Empty)
}

/// Reads the Home users: `{"users":[...]}` (the documented shape) or a bare list.
pub fn parse_home_users(response: &HttpResponse) -> Result<Vec<HomeUser>, Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        Home(Object<Home>),
        List(Vec<Object<HomeUser>>),
    }
    #[derive(Deserialize)]
    struct Home {
        #[serde(default, deserialize_with = "lenient::one_or_many")]
        users: Vec<HomeUser>,
    }
    Ok(match wire::expect_any_json::<Shape>(response, &[200], "home users")? {
        Shape::Home(Object(home)) => home.users,
        Shape::List(users) => users.into_iter().map(|Object(user)| user).collect(),
    })
}

/// `POST {plex}/api/v2/home/users/{uuid}/switch` (with `?pin=` when given) with the current
/// token. The Home's admin may switch without a PIN; a protected user needs theirs.
pub fn switch_home_user_request(
    info: &ClientInfo,
    token: &Token,
    user_uuid: &str,
    pin: Option<&PinCode>,
) -> Result<HttpRequest, Error> {
    // The uuid is one path segment: `..`, `%2e%2e`, `\\` or `/` must not move the request to
    // another endpoint (`/api/v2/home/switch`, `/api/users/signout/...`) with the token on it.
    let uuid = wire::path_segment("user uuid", user_uuid.trim())?;
    let mut url = wire::endpoint(info.plex_url(), &format!("api/v2/home/users/{uuid}/switch"));
    if let Some(pin) = pin {
        url.query_pairs_mut().append_pair("pin", pin.secret());
    }
    wire::build(info, Method::POST, &url, Some(token), Body::Empty)
}

/// Reads the switch answer: the Home user's account, whose `auth_token` is their token.
/// [`Error::HomePinRequired`] when a PIN is needed or was wrong.
pub fn parse_switch_home_user(response: &HttpResponse) -> Result<Account, Error> {
    parse_sign_in(response)
}

/// `GET {plex}/api/claim/token.json` with the token: a claim token for a new server.
pub fn claim_token_request(info: &ClientInfo, token: &Token) -> Result<HttpRequest, Error> {
    let url = wire::endpoint(info.plex_url(), "api/claim/token.json");
    wire::build(info, Method::GET, &url, Some(token), Body::Empty)
}

/// Reads `{"token":"claim-..."}`.
pub fn parse_claim_token(response: &HttpResponse) -> Result<Token, Error> {
    #[derive(Deserialize)]
    struct Claim {
        #[serde(default, deserialize_with = "opt_token")]
        token: Option<Token>,
    }
    let claim: Claim = wire::expect_json(response, &[200], "claim token")?;
    claim.token.ok_or_else(|| Error::Decode {
        what: "claim token",
        detail: "no token in the answer".into(),
    })
}

fn opt_token<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Token>, D::Error> {
    Ok(lenient::opt_string(d)?.filter(|t| !t.is_empty()).map(Token::new))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ClientInfo {
        let mut info = ClientInfo::new("Player", "id-1");
        info.set_plex_url("http://127.0.0.1:9000").unwrap();
        info
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn form(request: &HttpRequest) -> Vec<(String, String)> {
        url::form_urlencoded::parse(request.body()).into_owned().collect()
    }

    const ACCOUNT: &str = r#"{"id":123,"uuid":"u-1","username":"alice","email":"alice@example.com","friendlyName":"Alice",
        "title":"alice","thumb":"https://plex.tv/users/u-1/avatar","authToken":"tok-123","twoFactorEnabled":false,
        "home":true,"homeAdmin":true,"subscription":{"active":true,"status":"Active","plan":"lifetime","features":["x"]},
        "roles":["plexpass"],"entitlements":[]}"#;

    #[test]
    fn token_details() {
        let r = user_request(&info(), &Token::new("tok")).unwrap();
        assert_eq!(
            (r.method().as_str(), r.uri().to_string().as_str()),
            ("GET", "http://127.0.0.1:9000/api/v2/user")
        );
        assert_eq!(r.headers()["x-plex-token"], "tok");
        let account = parse_user(&response(200, ACCOUNT)).unwrap();
        assert_eq!(account.username, "alice");
        assert_eq!(account.id, Some(123));
        assert_eq!(account.auth_token.as_ref().unwrap().secret(), "tok-123");
        assert!(account.home_admin);
        assert_eq!(account.subscription.as_ref().unwrap().plan, "lifetime");
        assert!(!format!("{account:?}").contains("tok-123"));
        assert!(
            parse_user(&response(401, r#"{"errors":[{"code":1001,"message":"bad"}]}"#))
                .unwrap_err()
                .is_token_rejected()
        );
        assert!(!parse_user(&response(503, "")).unwrap_err().is_token_rejected());
        assert!(!parse_user(&response(200, "{oops")).unwrap_err().is_token_rejected());
    }

    #[test]
    fn sign_in_sends_a_form_without_token() {
        let code = VerificationCode::new("backup-code-1234567890");
        let r = sign_in_request(&info(), "alice@example.com", &Password::new("p&ss w=rd"), Some(&code)).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.uri(), "http://127.0.0.1:9000/api/v2/users/signin");
        assert!(r.headers().get("x-plex-token").is_none());
        assert_eq!(r.headers()["content-type"], "application/x-www-form-urlencoded");
        let pairs = form(&r);
        assert_eq!(pairs[0], ("login".into(), "alice@example.com".into()));
        assert_eq!(pairs[1], ("password".into(), "p&ss w=rd".into()));
        assert_eq!(pairs[2], ("rememberMe".into(), "true".into()));
        assert_eq!(pairs[3], ("verificationCode".into(), "backup-code-1234567890".into()));
        let without = sign_in_request(&info(), "alice", &Password::new("x"), None).unwrap();
        assert_eq!(form(&without).len(), 3);
    }

    #[test]
    fn sign_in_answers() {
        assert_eq!(
            parse_sign_in(&response(201, ACCOUNT))
                .unwrap()
                .auth_token
                .unwrap()
                .secret(),
            "tok-123"
        );
        let err = |code| {
            parse_sign_in(&response(
                401,
                &format!(r#"{{"errors":[{{"code":{code},"message":"m"}}]}}"#),
            ))
            .unwrap_err()
        };
        assert!(matches!(err(1029), Error::TwoFactorRequired { .. }));
        assert!(matches!(err(1028), Error::InvalidVerificationCode { .. }));
        assert!(matches!(err(1031), Error::IpLockedOut { .. }));
        assert!(matches!(err(1001), Error::Unauthorized { .. }));
        assert!(matches!(
            parse_sign_in(&response(201, r#"{"username":"x"}"#)),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn sign_out_and_ping() {
        let r = sign_out_request(&info(), &Token::new("tok")).unwrap();
        assert_eq!(
            (r.method().as_str(), r.uri().path()),
            ("DELETE", "/api/v2/users/signout")
        );
        assert!(parse_sign_out(&response(204, "")).is_ok());
        assert!(parse_sign_out(&response(401, "")).is_err());
        let r = ping_request(&info(), &Token::new("tok")).unwrap();
        assert_eq!((r.method().as_str(), r.uri().path()), ("GET", "/api/v2/ping"));
        assert!(parse_ping(&response(200, "{}")).is_ok());
    }

    #[test]
    fn home_users_and_switch() {
        let default_info = ClientInfo::new("Player", "id-1");
        let r = home_users_request(&default_info, &Token::new("tok")).unwrap();
        assert_eq!(r.uri(), "https://clients.plex.tv/api/v2/home/users");
        let body = r#"{"id":1,"name":"Home","users":[{"id":1,"uuid":"a","title":"carol","admin":true,"protected":false},
                      {"id":2,"uuid":"b","title":"erin","admin":false,"restricted":true,"protected":true,"guest":false}]}"#;
        let users = parse_home_users(&response(200, body)).unwrap();
        assert_eq!(users.len(), 2);
        assert!(users[0].admin && !users[0].protected);
        assert!(users[1].protected && users[1].restricted);
        let list = parse_home_users(&response(200, r#"[{"uuid":"a","title":"x"}]"#)).unwrap();
        assert_eq!(list[0].uuid, "a");

        let r = switch_home_user_request(&info(), &Token::new("tok"), "b", Some(&PinCode::new("1234"))).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(r.uri(), "http://127.0.0.1:9000/api/v2/home/users/b/switch?pin=1234");
        let r = switch_home_user_request(&info(), &Token::new("tok"), "a", None).unwrap();
        assert_eq!(r.uri(), "http://127.0.0.1:9000/api/v2/home/users/a/switch");
        let needs_pin = response(403, r#"{"errors":[{"code":1041,"message":"Invalid PIN"}]}"#);
        assert!(matches!(
            parse_switch_home_user(&needs_pin),
            Err(Error::HomePinRequired { .. })
        ));
        assert!(parse_switch_home_user(&response(201, ACCOUNT)).is_ok());
    }

    #[test]
    fn a_home_user_uuid_stays_inside_its_path_segment() {
        let switch = |uuid: &str| switch_home_user_request(&info(), &Token::new("tok"), uuid, None);
        for refused in ["", " ", ".", "..", " .. ", ".\n.", ".\t.", "a\u{0}b"] {
            assert!(
                matches!(switch(refused), Err(Error::InvalidArgument { what: "user uuid", .. })),
                "{refused:?}"
            );
        }
        for (uuid, path) in [
            ("%2e%2e", "/api/v2/home/users/%252e%252e/switch"),
            ("%2E.", "/api/v2/home/users/%252E./switch"),
            ("../x", "/api/v2/home/users/..%2Fx/switch"),
            (
                "..\\..\\..\\users\\signout",
                "/api/v2/home/users/..%5C..%5C..%5Cusers%5Csignout/switch",
            ),
            ("\\", "/api/v2/home/users/%5C/switch"),
            ("a?b#c", "/api/v2/home/users/a%3Fb%23c/switch"),
            ("ünï", "/api/v2/home/users/%C3%BCn%C3%AF/switch"),
            ("9e0f-1a_~.b", "/api/v2/home/users/9e0f-1a_~.b/switch"),
        ] {
            let request = switch(uuid).unwrap_or_else(|e| panic!("{uuid:?}: {e}"));
            assert_eq!(request.uri().path(), path, "{uuid:?}");
            assert_eq!(request.uri().query(), None);
        }
    }

    #[test]
    fn a_huge_home_pin_is_refused_not_a_panic() {
        let pin = PinCode::new("1".repeat(70_000));
        let err = switch_home_user_request(&info(), &Token::new("tok"), "a", Some(&pin)).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { what: "URL", .. }), "{err}");
        assert!(
            !err.to_string().contains("1111"),
            "the PIN stays out of the error: {err}"
        );
    }

    #[test]
    fn claim_token() {
        let r = claim_token_request(&info(), &Token::new("tok")).unwrap();
        assert_eq!(r.uri().path(), "/api/claim/token.json");
        assert_eq!(
            parse_claim_token(&response(200, r#"{"token":"claim-abc"}"#))
                .unwrap()
                .secret(),
            "claim-abc"
        );
        assert!(parse_claim_token(&response(200, r#"{"token":null}"#)).is_err());
    }
}
