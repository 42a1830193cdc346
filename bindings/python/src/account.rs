//! The account's values: `Account` (with its `Subscription`) and the members of a Plex Home.

use pyo3::prelude::*;

use crate::convert::{py_bool, quoted};

/// A Plex Pass subscription.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct Subscription {
    /// Whether it is active.
    active: bool,
    /// ``Active``, ``Inactive``, ...
    status: String,
    /// ``monthly``, ``yearly``, ``lifetime``, ...
    plan: String,
}

#[pymethods]
impl Subscription {
    fn __repr__(&self) -> String {
        format!(
            "Subscription(active={}, status={}, plan={})",
            py_bool(self.active),
            quoted(&self.status),
            quoted(&self.plan)
        )
    }
}

/// A Plex account, as ``Client.user``, ``Client.sign_in`` and ``Client.switch_home_user``
/// return it. ``token`` is the account's token when the call hands one out.
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct Account {
    /// The numeric id, when known.
    id: Option<u64>,
    /// The account's UUID.
    uuid: String,
    /// The user name.
    username: String,
    /// The e-mail address.
    email: String,
    /// The name to show.
    friendly_name: String,
    /// The title (a managed user's name).
    title: String,
    /// The avatar's URL.
    thumb: String,
    /// The account's token (sign-in and Home switch give the new token here); None otherwise.
    token: Option<String>,
    /// Whether two-factor authentication is on.
    two_factor_enabled: bool,
    /// Whether the account belongs to a Plex Home.
    home: bool,
    /// Whether it is the Home's administrator.
    home_admin: bool,
    /// The Plex Pass subscription, when plex.tv sent it.
    subscription: Option<Py<Subscription>>,
}

impl Account {
    pub(crate) fn new(py: Python<'_>, account: plexlink::Account) -> PyResult<Self> {
        let subscription = match account.subscription {
            Some(s) => Some(Py::new(
                py,
                Subscription {
                    active: s.active,
                    status: s.status,
                    plan: s.plan,
                },
            )?),
            None => None,
        };
        Ok(Self {
            id: account.id,
            uuid: account.uuid,
            username: account.username,
            email: account.email,
            friendly_name: account.friendly_name,
            title: account.title,
            thumb: account.thumb,
            token: account.auth_token.map(plexlink::Token::into_secret),
            two_factor_enabled: account.two_factor_enabled,
            home: account.home,
            home_admin: account.home_admin,
            subscription,
        })
    }
}

#[pymethods]
impl Account {
    fn __repr__(&self) -> String {
        let id = self.id.map_or_else(|| "None".to_owned(), |i| i.to_string());
        format!(
            "Account(id={id}, username={}, title={}, home={}, home_admin={})",
            quoted(&self.username),
            quoted(&self.title),
            py_bool(self.home),
            py_bool(self.home_admin)
        )
    }
}

/// A member of a Plex Home (``Client.home_users``).
#[pyclass(frozen, module = "plexlink", get_all)]
pub(crate) struct HomeUser {
    /// The numeric id, when known.
    id: Option<u64>,
    /// The UUID: what ``Client.switch_home_user`` takes.
    pub(crate) uuid: String,
    /// The name to show.
    title: String,
    /// The user name (empty for managed users).
    username: String,
    /// Whether this user is the Home's administrator.
    admin: bool,
    /// Whether this is a managed user with restrictions.
    restricted: bool,
    /// Whether switching to this user needs their Home PIN.
    protected: bool,
    /// Whether this is the guest user.
    guest: bool,
    /// The avatar's URL.
    thumb: String,
}

impl From<plexlink::HomeUser> for HomeUser {
    fn from(user: plexlink::HomeUser) -> Self {
        Self {
            id: user.id,
            uuid: user.uuid,
            title: user.title,
            username: user.username,
            admin: user.admin,
            restricted: user.restricted,
            protected: user.protected,
            guest: user.guest,
            thumb: user.thumb,
        }
    }
}

#[pymethods]
impl HomeUser {
    fn __repr__(&self) -> String {
        format!(
            "HomeUser(uuid={}, title={}, admin={}, protected={})",
            quoted(&self.uuid),
            quoted(&self.title),
            py_bool(self.admin),
            py_bool(self.protected)
        )
    }
}
