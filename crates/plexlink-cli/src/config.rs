//! What the command keeps between runs: the client identifier (made once, kept forever) and a
//! token per plex.tv address, in one JSON file readable only by the user, written atomically.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use plexlink::Token;
use serde_json::{Map, Value, json};

/// The stored state.
pub struct Store {
    path: PathBuf,
    client_identifier: String,
    tokens: Map<String, Value>,
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
        let path = dir.join("config.json");
        let existing = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<Value>(&bytes)
                .map_err(|e| format!("{} is not valid JSON ({e}); remove it to start over", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let client_identifier = existing["client_identifier"].as_str().unwrap_or_default().to_owned();
        let tokens = existing["tokens"].as_object().cloned().unwrap_or_default();
        let mut store = Store {
            path,
            client_identifier,
            tokens,
        };
        if store.client_identifier.is_empty() {
            store.client_identifier = uuid::Uuid::new_v4().to_string();
            store.save()?;
        }
        Ok(store)
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

    /// Saves (or with `None` forgets) the token for `plex_url`.
    pub fn set_token(&mut self, plex_url: &str, token: Option<&Token>) -> Result<(), String> {
        match token {
            Some(token) => self.tokens.insert(plex_url.to_owned(), Value::from(token.secret())),
            None => self.tokens.remove(plex_url),
        };
        self.save()
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a temporary file (mode 0600) beside the real one, syncs it and renames it over:
    /// a crash leaves the old file or the new one, never half of one.
    fn save(&self) -> Result<(), String> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let body = json!({ "client_identifier": self.client_identifier, "tokens": self.tokens });
        let text = serde_json::to_vec_pretty(&body).map_err(|e| e.to_string())?;
        let temp = dir.join(format!(".config.json.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = private_file(&temp)?;
            file.write_all(&text)?;
            file.sync_all()?;
            fs::rename(&temp, &self.path)?;
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&temp);
            format!("cannot write {}: {e}", self.path.display())
        })
    }
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
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
        Ok(())
    }
    #[cfg(not(unix))]
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}
