//! What the command keeps between runs: the client identifier (made once, kept forever), a
//! token per plex.tv address (and which of them are Plex JWTs), and the device key of the JWT
//! sign-in (made with the first `login --jwt`, kept with the identifier it belongs to), in one
//! JSON file readable only by the user.
//!
//! How the file is kept safe (Unix):
//! - The directory is made with mode 0700. An existing one must be owned by the user and not
//!   writable by group or others, or it is refused; it is not tightened, because whoever could
//!   write into it may already have planted something there. The message says how to fix it.
//! - A change is a read-modify-write under an advisory lock (`flock` on `.config.json.lock`
//!   beside the file): the file is read again under the lock, the one change is made and the
//!   result written, so runs at the same time do not lose each other's updates, and the client
//!   identifier is made once, by whichever run comes first.
//! - The new content goes to a temporary file with an unpredictable name (OS randomness),
//!   created with `O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600, synced and renamed over the
//!   file: nothing planted at a guessed name is followed or reused, and a crash leaves the old
//!   file or the new one, never half of one.
//! - A file that is not what plexlink wrote (a field of the wrong type) is an error naming the
//!   file and the field, and the file is left as it is: the identity is never replaced.
//!   Fields plexlink does not know are kept.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use plexlink::{PrivateKey, Token};
use serde_json::{Map, Value};

const FILE: &str = "config.json";
const LOCK: &str = ".config.json.lock";
const SNAPSHOTS: &str = "snapshot.json";
const IDENTIFIER: &str = "client_identifier";
const TOKENS: &str = "tokens";
/// plex.tv addresses whose token is a Plex JWT (the others hold legacy tokens).
const JWT: &str = "jwt";
const DEVICE_KEY: &str = "device_key";
/// Tokens of Home users switched to, per plex.tv address and user uuid: kept apart, so that a
/// switch never replaces the account's own token.
const HOME_TOKENS: &str = "home_tokens";

/// What kind of token is saved for a plex.tv address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A legacy token (password or PIN sign-in).
    Legacy,
    /// A Plex JWT of this installation's device key.
    Jwt,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Legacy => "legacy",
            Self::Jwt => "jwt",
        }
    }
}
/// The stored state.
pub struct Store {
    path: PathBuf,
    client_identifier: String,
    tokens: Map<String, Value>,
    jwt: Map<String, Value>,
    device_key: Option<PrivateKey>,
}

impl Store {
    /// The directory: `--config-dir`, else `$PLEXLINK_CONFIG_DIR`, else the user's config
    /// directory (`~/.config/plexlink` on Linux).
    pub fn directory(explicit: Option<&Path>) -> Result<PathBuf, String> {
        if let Some(dir) = explicit {
            return Ok(dir.to_path_buf());
        }
        if let Some(dir) = std::env::var_os("PLEXLINK_CONFIG_DIR").filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        dirs::config_dir()
            .map(|d| d.join("plexlink"))
            .ok_or_else(|| "no config directory; pass --config-dir".to_owned())
    }

    /// Loads the store, making and saving a client identifier the first time.
    pub fn open(dir: &Path) -> Result<Store, String> {
        let path = dir.join(FILE);
        check_dir(dir)?;
        // Most runs only read: no lock, no write.
        let contents = match Contents::read(&path)? {
            Some(c) if c.client_identifier().is_some() => c,
            _ => update(&path, |c| {
                if c.client_identifier().is_none() {
                    c.set_client_identifier(&uuid::Uuid::new_v4().to_string());
                }
            })?,
        };
        Ok(Store::from_contents(path, &contents))
    }

    fn from_contents(path: PathBuf, contents: &Contents) -> Store {
        Store {
            path,
            client_identifier: contents.client_identifier().unwrap_or_default().to_owned(),
            tokens: contents.object(TOKENS),
            jwt: contents.object(JWT),
            device_key: contents.device_key(),
        }
    }

    /// This installation's client identifier.
    pub fn client_identifier(&self) -> &str {
        &self.client_identifier
    }

    /// The token saved for the plex.tv at `plex_url`.
    pub fn token(&self, plex_url: &str) -> Option<Token> {
        self.tokens
            .get(plex_url)?
            .as_str()
            .filter(|t| !t.is_empty())
            .map(Token::new)
    }

    /// The kind of the token saved for `plex_url`.
    pub fn token_kind(&self, plex_url: &str) -> TokenKind {
        if self.jwt.get(plex_url).and_then(Value::as_bool) == Some(true) {
            TokenKind::Jwt
        } else {
            TokenKind::Legacy
        }
    }

    /// Saves (or with `None` forgets) the token for `plex_url`, over what the file holds now
    /// (another run may have changed it since this one read it).
    pub fn set_token(&mut self, plex_url: &str, token: Option<(&Token, TokenKind)>) -> Result<(), String> {
        self.change(|c| c.set_token(plex_url, token))
    }

    /// Keeps the token of the Home user `uuid` for `plex_url`, apart from the account's.
    pub fn set_home_token(&mut self, plex_url: &str, uuid: &str, token: &Token) -> Result<(), String> {
        self.change(|c| {
            let all = c.0.entry(HOME_TOKENS).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(all) = all {
                let users = all.entry(plex_url).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(users) = users {
                    users.insert(uuid.to_owned(), Value::from(token.secret()));
                }
            }
        })
    }

    /// The device key of the JWT sign-in, once made.
    pub fn device_key(&self) -> Option<&PrivateKey> {
        self.device_key.as_ref()
    }

    /// Keeps the device key. A key already in the file wins (another run made it first) and is
    /// returned: one installation, one key.
    pub fn set_device_key(&mut self, key: &PrivateKey) -> Result<PrivateKey, String> {
        self.change(|c| {
            if c.device_key().is_none() {
                c.0.insert(DEVICE_KEY.to_owned(), Value::from(key.secret()));
            }
        })?;
        self.device_key
            .clone()
            .ok_or_else(|| "the device key was not saved".to_owned())
    }

    /// Forgets the device key and every Plex JWT (the device was removed from the account).
    pub fn forget_device(&mut self) -> Result<(), String> {
        self.change(|c| {
            c.0.remove(DEVICE_KEY);
            let jwt_urls: Vec<String> = c.object(JWT).keys().cloned().collect();
            for url in jwt_urls {
                c.set_token(&url, None);
            }
        })
    }

    fn change(&mut self, change: impl FnOnce(&mut Contents)) -> Result<(), String> {
        let ours = self.client_identifier.clone();
        let contents = update(&self.path, |c| {
            // Only if the file lost it: an identifier in the file is never replaced.
            if c.client_identifier().is_none() {
                c.set_client_identifier(&ours);
            }
            change(c);
        })?;
        *self = Store::from_contents(self.path.clone(), &contents);
        Ok(())
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The file's JSON object, checked: everything in it is kept, unknown fields too.
struct Contents(Map<String, Value>);

impl Default for Contents {
    /// A new file: no identifier yet, no tokens.
    fn default() -> Self {
        let mut map = Map::new();
        map.insert(TOKENS.to_owned(), Value::Object(Map::new()));
        Contents(map)
    }
}

impl Contents {
    /// The file's contents, `None` when there is no file yet.
    fn read(path: &Path) -> Result<Option<Contents>, String> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let refuse = |what: String| {
            format!(
                "{}: {what}; plexlink leaves it as it is (it holds this installation's identity): fix it, or remove it to start over",
                path.display()
            )
        };
        let value = serde_json::from_slice::<Value>(&bytes).map_err(|e| refuse(format!("not valid JSON ({e})")))?;
        let Value::Object(map) = value else {
            return Err(refuse(format!("expected a JSON object, found {}", kind(&value))));
        };
        match map.get(IDENTIFIER) {
            None => {}
            Some(Value::String(id)) if !id.is_empty() => {}
            Some(other) => {
                return Err(refuse(format!(
                    "\"{IDENTIFIER}\" must be a non-empty string, found {}",
                    kind(other)
                )));
            }
        }
        for (field, is_right, right) in [
            (TOKENS, Value::is_string as fn(&Value) -> bool, "a string"),
            (JWT, Value::is_boolean, "a boolean"),
        ] {
            match map.get(field) {
                None => {}
                Some(Value::Object(entries)) => {
                    // The value is never shown: it may be a token.
                    if let Some((url, other)) = entries.iter().find(|(_, v)| !is_right(v)) {
                        return Err(refuse(format!(
                            "\"{field}\".{url:?} must be {right}, found {}",
                            kind(other)
                        )));
                    }
                }
                Some(other) => {
                    return Err(refuse(format!("\"{field}\" must be an object, found {}", kind(other))));
                }
            }
        }
        if let Some(home) = map.get(HOME_TOKENS) {
            let well_formed = home.as_object().is_some_and(|urls| {
                urls.values()
                    .all(|users| users.as_object().is_some_and(|u| u.values().all(Value::is_string)))
            });
            if !well_formed {
                return Err(refuse(format!(
                    "\"{HOME_TOKENS}\" must map addresses to objects of strings, found {}",
                    kind(home)
                )));
            }
        }
        match map.get(DEVICE_KEY) {
            None | Some(Value::String(_)) => {}
            Some(other) => {
                return Err(refuse(format!(
                    "\"{DEVICE_KEY}\" must be a string, found {}",
                    kind(other)
                )));
            }
        }
        Ok(Some(Contents(map)))
    }

    fn client_identifier(&self) -> Option<&str> {
        self.0.get(IDENTIFIER)?.as_str()
    }

    fn set_client_identifier(&mut self, id: &str) {
        self.0.insert(IDENTIFIER.to_owned(), Value::from(id));
    }

    fn object(&self, field: &str) -> Map<String, Value> {
        self.0
            .get(field)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    fn device_key(&self) -> Option<PrivateKey> {
        self.0
            .get(DEVICE_KEY)?
            .as_str()
            .filter(|k| !k.is_empty())
            .map(PrivateKey::new)
    }

    fn set_token(&mut self, plex_url: &str, token: Option<(&Token, TokenKind)>) {
        let mut entry = |field: &str, value: Option<Value>| {
            let map = self.0.entry(field).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = map {
                match value {
                    Some(value) => map.insert(plex_url.to_owned(), value),
                    None => map.remove(plex_url),
                };
            }
        };
        entry(TOKENS, token.map(|(token, _)| Value::from(token.secret())));
        entry(
            JWT,
            token
                .filter(|(_, kind)| *kind == TokenKind::Jwt)
                .map(|_| Value::Bool(true)),
        );
    }
}

/// What a JSON value is, for error messages (never the value itself).
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads the file under the lock, applies `change` and writes the result: the read-modify-write
/// every change goes through.
fn update(path: &Path, change: impl FnOnce(&mut Contents)) -> Result<Contents, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let _lock = lock(dir)?;
    let mut contents = Contents::read(path)?.unwrap_or_default();
    change(&mut contents);
    let text = serde_json::to_vec_pretty(&contents.0).map_err(|e| e.to_string())?;
    write(path, &text)?;
    Ok(contents)
}

/// The resources snapshot kept for `plex_url` (in `snapshot.json` beside the config, 0600: it
/// holds every server's access token), as the text `ResourcesSnapshot::from_json` reads.
pub fn snapshot(dir: &Path, plex_url: &str) -> Option<String> {
    let bytes = fs::read(dir.join(SNAPSHOTS)).ok()?;
    let all: Value = serde_json::from_slice(&bytes).ok()?;
    all.get(plex_url).map(Value::to_string)
}

/// Keeps `snapshot` (the text of `ResourcesSnapshot::to_json`) for `plex_url`, written as the
/// config is: under the lock, through a new private temporary file renamed over the old one.
pub fn set_snapshot(dir: &Path, plex_url: &str, snapshot: &str) -> Result<(), String> {
    let value: Value = serde_json::from_str(snapshot).map_err(|e| e.to_string())?;
    create_private_dir(dir)?;
    let _lock = lock(dir)?;
    let path = dir.join(SNAPSHOTS);
    // An unreadable old file is replaced: it holds nothing that cannot be fetched again.
    let mut all = fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok())
        .unwrap_or_default();
    all.insert(plex_url.to_owned(), value);
    let text = serde_json::to_vec(&all).map_err(|e| e.to_string())?;
    write(&path, &text)
}

/// Writes a new temporary file (see the module's documentation), syncs it and renames it over
/// `path`, then syncs the directory.
fn write(path: &Path, text: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let failed = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let (temp, mut file) = create_temp(dir).map_err(failed)?;
    let result = (|| {
        file.write_all(text)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        failed(e)
    })
}

/// A new file beside the config, under a name no one can predict, made by this call.
fn create_temp(dir: &Path) -> std::io::Result<(PathBuf, fs::File)> {
    let mut last = None;
    // A name taken already is someone else's file: another name, never that file.
    for _ in 0..8 {
        let temp = dir.join(format!(".{FILE}.{}.tmp", uuid::Uuid::new_v4().simple()));
        match create_new_private(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

/// Creates `path`, which must not exist (not even as a symlink), with mode 0600.
#[cfg(unix)]
fn create_new_private(path: &Path) -> std::io::Result<fs::File> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(
        path,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )?;
    Ok(fs::File::from(fd))
}

#[cfg(not(unix))]
fn create_new_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

/// Holds an exclusive `flock` on the directory's lock file until dropped. The lock file is
/// never followed as a symlink.
#[cfg(unix)]
fn lock(dir: &Path) -> Result<fs::File, String> {
    use rustix::fs::{FlockOperation, Mode, OFlags};
    let path = dir.join(LOCK);
    let failed = |e: rustix::io::Errno| format!("cannot lock {}: {e}", path.display());
    let fd = rustix::fs::open(
        &path,
        OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )
    .map_err(failed)?;
    loop {
        match rustix::fs::flock(&fd, FlockOperation::LockExclusive) {
            Ok(()) => return Ok(fs::File::from(fd)),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(failed(e)),
        }
    }
}

/// No advisory lock off Unix: concurrent runs may lose an update there.
#[cfg(not(unix))]
fn lock(_dir: &Path) -> Result<(), String> {
    Ok(())
}

/// Refuses an existing directory that someone else owns or can write to: the token lives there.
#[cfg(unix)]
fn check_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = match fs::metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let refuse = |why: String, fix: String| {
        format!(
            "{} {why}; plexlink keeps your token there and will not use it: {fix}",
            dir.display()
        )
    };
    let elsewhere = "choose another directory with --config-dir".to_owned();
    if !meta.is_dir() {
        return Err(refuse("is not a directory".to_owned(), elsewhere));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(refuse(
            format!("is not owned by you (owner uid {}, you are {me})", meta.uid()),
            elsewhere,
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(refuse(
            format!("is writable by others (mode {mode:o})"),
            format!("run `chmod go-w {}`, or {elsewhere}", dir.display()),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_dir(_dir: &Path) -> Result<(), String> {
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        // Made just now, or by another run in between: checked either way.
        check_dir(dir)
    }
    #[cfg(not(unix))]
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("plexlink-cli-unit-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        create_private_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn a_temporary_file_is_never_opened_through_a_symlink_or_reused() {
        let dir = scratch("create-new");
        let target = dir.join("elsewhere");
        let link = dir.join("guessed.tmp");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = create_new_private(&link).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(!target.exists(), "the symlink was followed");

        let planted = dir.join("planted.tmp");
        fs::write(&planted, "x").unwrap();
        assert!(create_new_private(&planted).is_err(), "an existing file was reused");
        assert_eq!(fs::read_to_string(&planted).unwrap(), "x");

        let fresh = dir.join("fresh.tmp");
        create_new_private(&fresh).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, 0o600);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn temporary_names_differ() {
        let dir = scratch("names");
        let (a, _) = create_temp(&dir).unwrap();
        let (b, _) = create_temp(&dir).unwrap();
        assert_ne!(a, b);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_lock_file_is_never_followed() {
        let dir = scratch("lock");
        let target = dir.join("elsewhere");
        std::os::unix::fs::symlink(&target, dir.join(LOCK)).unwrap();
        assert!(lock(&dir).is_err());
        assert!(!target.exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
