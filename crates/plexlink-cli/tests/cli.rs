//! The `plexlink` command, run as a person runs it, against an emulator.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use plexlink_emulator::{Behaviour, Connection, Emulator, Scenario, Server};
use serde_json::Value;

fn plexlink(emu: &Emulator, config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plexlink"));
    command
        .args(args)
        .arg("--plex-url")
        .arg(emu.url())
        .arg("--config-dir")
        .arg(config);
    command
        .env_remove("PLEXLINK_PLEX_URL")
        .env_remove("PLEXLINK_CONFIG_DIR");
    command
}

fn json_of(output: &Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `plexlink servers --connect --json`: every server with its race.
fn servers_connected(emu: &Emulator, config: &Path) -> Value {
    let servers = plexlink(emu, config, &["servers", "--connect", "--json"])
        .output()
        .unwrap();
    assert!(servers.status.success(), "{}", String::from_utf8_lossy(&servers.stderr));
    json_of(&servers)
}

/// The server of that name in a list of them.
fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name:?} in {list}"))
}

/// Waits for the command's PIN to exist, approves it as alice, and returns the output.
fn login(emu: &Emulator, config: &Path) -> Output {
    login_with(emu, config, &[])
}

fn login_with(emu: &Emulator, config: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["login", "--json", "--no-qr"];
    args.extend_from_slice(extra);
    let child = plexlink(emu, config, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let pin = loop {
        if let Some(pin) = emu.pins().into_iter().find(|p| !p.approved) {
            break pin;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the command created no PIN"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    emu.approve_pin(pin.id, "alice").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn login_saves_a_private_token_and_keeps_the_client_identifier() {
    let emu = Emulator::start_default().unwrap();
    let config = tempdir("login");
    let output = login(&emu, &config);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let first = stdout.lines().next().unwrap();
    let shown: Value = serde_json::from_str(first).unwrap();
    assert_eq!(shown["url"], format!("{}link", emu.url()));
    assert_eq!(shown["code"].as_str().unwrap().len(), 4);
    let done = json_of(&output);
    assert_eq!(done["account"]["username"], "alice");
    assert!(
        !stdout.contains(&emu.token_for("alice").unwrap()),
        "the token is never printed"
    );

    let file = config.join("config.json");
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let id = saved["client_identifier"].as_str().unwrap().to_owned();
    assert_eq!(saved["tokens"][emu.url()], emu.token_for("alice").unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&*config).unwrap().permissions().mode() & 0o777, 0o700);
    }
    let pins = emu.pins();
    assert!(
        pins.iter().all(|p| p.client_identifier == id),
        "the PIN was made with the kept identifier"
    );

    // A second login keeps the same identifier (one "Authorized Device", not one per login).
    let again = login(&emu, &config);
    assert!(again.status.success());
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["client_identifier"], id);
    assert_eq!(
        leftovers(&config),
        Vec::<String>::new(),
        "no temporary file is left behind"
    );
}

#[test]
fn whoami_servers_connect_transient_and_signout() {
    let emu = Emulator::start_default().unwrap();
    let config = tempdir("story");
    assert!(login(&emu, &config).status.success());

    let who = plexlink(&emu, &config, &["whoami", "--json"]).output().unwrap();
    assert!(who.status.success());
    assert_eq!(json_of(&who)["email"], "alice@example.com");

    let list = servers_connected(&emu, &config);
    let living = named(&list, "Living Room");
    assert_eq!(
        living["connect"]["uri"],
        emu.server_uri("Living Room", "local").unwrap()
    );
    let candidates = living["connect"]["candidates"].as_array().unwrap();
    assert_eq!(candidates.iter().filter(|c| c["won"] == true).count(), 1);
    // Programs read the core's stable names; the prose for people is in "detail".
    let won = candidates.iter().find(|c| c["won"] == true).unwrap();
    assert_eq!(won["result"], "won");
    assert_eq!(won["tier"], "local");
    assert_eq!(won["detail"], "chosen");
    for candidate in candidates {
        assert!(
            STABLE_RESULTS.contains(&candidate["result"].as_str().unwrap()),
            "{candidate}"
        );
        assert!(TIERS.contains(&candidate["tier"].as_str().unwrap()), "{candidate}");
        assert!(!candidate["detail"].as_str().unwrap().is_empty(), "{candidate}");
    }
    let tiers: Vec<&str> = living["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tier"].as_str().unwrap())
        .collect();
    assert_eq!(tiers, ["local", "local", "local", "remote", "local", "relay"]);
    // A shared server's LAN address is not this network's: skipped, for a stable reason.
    let friends = named(&list, "Friend's Server");
    let skipped = friends["connect"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{friends}");
    assert_eq!(skipped[0]["reason"], "foreign_lan");
    assert_eq!(skipped[0]["detail"], "a private address on another network");

    let text = plexlink(&emu, &config, &["servers"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Friend's Server (shared by"), "{text}");
    let relay = emu.server_uri("Living Room", "relay").unwrap();
    assert!(text.contains(&format!("  relay  {relay}\n")), "{text}");

    let transient = plexlink(&emu, &config, &["token", "transient", "--json"])
        .output()
        .unwrap();
    assert!(
        transient.status.success(),
        "{}",
        String::from_utf8_lossy(&transient.stderr)
    );
    assert!(!json_of(&transient)["transient_token"].as_str().unwrap().is_empty());

    let out = plexlink(&emu, &config, &["signout"]).output().unwrap();
    assert!(out.status.success());
    let after = plexlink(&emu, &config, &["whoami"]).output().unwrap();
    assert!(!after.status.success());
    assert!(String::from_utf8_lossy(&after.stderr).contains("not signed in"));
}

/// `ProbeResult::as_str` and `Tier::as_str` of plexlink-core: what `--json` promises programs.
const STABLE_RESULTS: [&str; 8] = [
    "won",
    "answered",
    "wrong_server",
    "unauthorized",
    "failed",
    "timed_out",
    "abandoned",
    "not_sent",
];
const TIERS: [&str; 3] = ["local", "remote", "relay"];

#[test]
fn a_refused_candidate_is_failed_by_connect_with_or_without_a_connection() {
    // alice's box whose LAN address refuses: its relay wins after the LAN probe fails. And a
    // box of hers that is off: no connection, and the race that says why.
    let mut scenario = Scenario::default();
    scenario.servers.push(Server {
        name: "Box That Is Off".into(),
        client_identifier: "1d2e3f405162738495a6b7c8d9eaf00112233445".into(),
        owner: "alice".into(),
        access_token: "box-that-is-off-owner-Lk8jHg6fDs4aPo2i".into(),
        connections: vec![Connection::new("lan", Behaviour::Dead, true)],
        ..Server::default()
    });
    scenario.servers.push(Server {
        name: "Refusing Box".into(),
        client_identifier: "0c1d2e3f40516273849506a7b8c9dae0f1021324".into(),
        owner: "alice".into(),
        access_token: "refusing-box-owner-Qw3eRt5yUi7oP9aS".into(),
        connections: vec![
            Connection::new("lan", Behaviour::Dead, true),
            Connection {
                relay: true,
                ..Connection::new("relay", Behaviour::Good, false)
            },
        ],
        ..Server::default()
    });
    let emu = Emulator::start(scenario).unwrap();
    let config = tempdir("refused");
    assert!(login(&emu, &config).status.success());
    let list = servers_connected(&emu, &config);
    let refusing = named(&list, "Refusing Box");
    let candidates = refusing["connect"]["candidates"].as_array().unwrap();
    let uri = |name| Value::from(emu.server_uri("Refusing Box", name).unwrap());
    let lan = candidates.iter().find(|c| c["uri"] == uri("lan")).unwrap();
    assert_eq!(lan["result"], "failed", "{lan}");
    assert_eq!(lan["transport"], "connect", "{lan}");
    assert_eq!(lan["tier"], "local", "{lan}");
    assert!(lan["detail"].as_str().unwrap().starts_with("failed: "), "{lan}");
    let relay = candidates.iter().find(|c| c["uri"] == uri("relay")).unwrap();
    assert_eq!(relay["result"], "won", "{relay}");
    assert_eq!(relay["tier"], "relay", "{relay}");
    assert_eq!(relay["transport"], Value::Null, "{relay}");

    let off = &named(&list, "Box That Is Off")["connect"];
    assert!(off["error"].as_str().unwrap().contains("Box That Is Off"), "{off}");
    let candidates = off["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 1, "{off}");
    assert_eq!(candidates[0]["result"], "failed", "{off}");
    assert_eq!(candidates[0]["transport"], "connect", "{off}");

    let text = plexlink(&emu, &config, &["servers", "--connect"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let off_uri = emu.server_uri("Box That Is Off", "lan").unwrap();
    let off_lines = text
        .split_once("Box That Is Off")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert!(off_lines.contains("no connection"), "{text}");
    assert!(off_lines.contains(&format!("local  {off_uri}")), "{text}");
}

#[test]
fn signin_asks_for_the_two_factor_code() {
    let emu = Emulator::start_default().unwrap();
    let config = tempdir("signin");
    let mut child = plexlink(&emu, &config, &["signin", "--login", "bob", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"bob-password\n123456\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(json_of(&output)["account"]["username"], "bob");
    assert!(String::from_utf8_lossy(&output.stderr).contains("Two-factor code"));
}

#[test]
fn a_dead_plex_url_is_a_clear_error_and_keeps_the_token() {
    let emu = Emulator::start_default().unwrap();
    let config = tempdir("offline");
    assert!(login(&emu, &config).status.success());
    let url = emu.url();
    drop(emu);
    let out = Command::new(env!("CARGO_BIN_EXE_plexlink"))
        .args(["whoami", "--plex-url", &url, "--config-dir"])
        .arg(&*config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("connection failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: Value = serde_json::from_slice(&std::fs::read(config.join("config.json")).unwrap()).unwrap();
    assert!(
        saved["tokens"][&url].is_string(),
        "a network error never signs anyone out"
    );
}

#[test]
fn demo_runs_the_whole_story_offline() {
    let output = Command::new(env!("CARGO_BIN_EXE_plexlink"))
        .args(["demo", "--approve-after", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "Got a token",
        "Alice (username alice) <alice@example.com>",
        "Living Room (owned",
        "chosen",
        "transient token",
        "Done",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
}

/// A config directory of its own per test, removed when the test ends.
struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("plexlink-cli-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    TempDir(dir)
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_the_login_cleanly() {
    let emu = Emulator::start_default().unwrap();
    let config = tempdir("ctrlc");
    let child = plexlink(&emu, &config, &["login", "--no-qr"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while emu.pins().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the command created no PIN"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let interrupted = Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        interrupted.elapsed() < Duration::from_secs(2),
        "took {:?}",
        interrupted.elapsed()
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cancelled"));
    let saved: Value = serde_json::from_slice(&std::fs::read(config.join("config.json")).unwrap()).unwrap();
    assert!(
        saved["tokens"].as_object().unwrap().is_empty(),
        "nothing saved on cancel"
    );
}

/// Files in a config directory other than the config and its lock file.
fn leftovers(config: &Path) -> Vec<String> {
    std::fs::read_dir(config)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "config.json" && n != ".config.json.lock" && n != "snapshot.json")
        .collect()
}

/// A config directory made by the test (mode 0700) holding a config with a client identifier,
/// as after a first run.
fn seeded(name: &str) -> (TempDir, String) {
    let config = tempdir(name);
    make_private_dir(&config);
    let id = "seeded-client-identifier-0001".to_owned();
    std::fs::write(
        config.join("config.json"),
        serde_json::to_vec(&serde_json::json!({ "client_identifier": id })).unwrap(),
    )
    .unwrap();
    (config, id)
}

fn make_private_dir(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}

/// `sh -c SCRIPT` then `exec` of `command`: the script's `$$` is the pid the command will run
/// with, so it can plant files at paths that name the command's pid.
#[cfg(unix)]
fn exec_after(script: &str, command: &Command) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!("{script}\nexec \"$@\""))
        .arg("sh")
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => sh.env(key, value),
            None => sh.env_remove(key),
        };
    }
    sh
}

/// Runs `plexlink signin --login alice` (or the given command) with alice's password on stdin.
fn sign_in_alice(mut command: Command) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"alice-password\n").unwrap();
    child.wait_with_output().unwrap()
}

fn saved_json(config: &Path) -> Value {
    let bytes = std::fs::read(config.join("config.json")).unwrap();
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("config.json is not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

#[test]
fn login_jwt_then_whoami_shows_a_plex_jwt_refreshed_when_it_runs_out() {
    use plexlink_emulator::JwtSettings;

    let emu = Emulator::start_default().unwrap();
    let lifetime = |secs| {
        emu.set_jwt_settings(JwtSettings {
            jwt_lifetime_secs: Some(secs),
            ..JwtSettings::default()
        })
    };
    let nonces = || emu.counters().plextv.requests_to("GET /api/v2/auth/nonce");
    let config = tempdir("login-jwt");
    // The first Plex JWT lives an hour: less than a day, so the next command refreshes it.
    lifetime(3600);
    let output = login_with(&emu, &config, &["--jwt"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let done = json_of(&output);
    assert_eq!(done["account"]["username"], "alice");
    assert_eq!(done["token"]["kind"], "jwt");
    // The key and the JWT are kept in the private file, never printed.
    let saved = saved_json(&config);
    let key = saved["device_key"].as_str().expect("the device key is kept").to_owned();
    let jwt = saved["tokens"][emu.url()].as_str().unwrap().to_owned();
    assert_eq!(jwt.split('.').count(), 3);
    assert_eq!(saved["jwt"][emu.url()], true);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains(&key) && !stdout.contains(&jwt));
    assert!(emu.pins().iter().all(|p| p.jwk), "the PIN carried the key");

    lifetime(604_800);
    let before = nonces();
    let servers = plexlink(&emu, &config, &["servers", "--json"]).output().unwrap();
    assert!(servers.status.success(), "{}", String::from_utf8_lossy(&servers.stderr));
    let refreshed = saved_json(&config)["tokens"][emu.url()].as_str().unwrap().to_owned();
    assert_ne!(refreshed, jwt, "an hour left is less than a day: refreshed and kept");
    assert_eq!(nonces(), before + 1);

    // Seven days left: whoami uses it as it is.
    let text = plexlink(&emu, &config, &["whoami"]).output().unwrap();
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("username alice"), "{stdout}");
    assert!(
        stdout.contains("Token: Plex JWT, expires in 6 d 23 h")
            || stdout.contains("Token: Plex JWT, expires in 7 d 0 h"),
        "{stdout}"
    );
    assert!(!stdout.contains(&refreshed));
    let shown = json_of(&plexlink(&emu, &config, &["whoami", "--json"]).output().unwrap());
    assert_eq!(shown["token"]["kind"], "jwt");
    assert!(shown["token"]["expires_at"].as_i64().unwrap() > 0);
    assert_eq!(nonces(), before + 1, "no refresh with days left");

    // A removed device: a clear message, and the key and JWT are forgotten.
    let id = saved_json(&config)["client_identifier"].as_str().unwrap().to_owned();
    emu.remove_jwt_device(&id).unwrap();
    let removed = plexlink(&emu, &config, &["whoami"]).output().unwrap();
    assert!(!removed.status.success());
    let stderr = String::from_utf8_lossy(&removed.stderr);
    assert!(stderr.contains("removed from the Plex account"), "{stderr}");
    let saved = saved_json(&config);
    assert!(saved.get("device_key").is_none());
    assert!(saved["tokens"].get(emu.url()).is_none());
}

#[test]
fn servers_connect_works_from_the_snapshot_while_plex_tv_is_down() {
    use plexlink_emulator::DownMode;

    let emu = Emulator::start_default().unwrap();
    let config = tempdir("snapshot");
    assert!(login_with(&emu, &config, &["--jwt"]).status.success());
    let live = servers_connected(&emu, &config);
    let file = config.join("snapshot.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(leftovers(&config), Vec::<String>::new());

    for mode in [DownMode::Refuse, DownMode::Unavailable] {
        emu.set_plex_tv_down_mode(mode);
        emu.set_plex_tv_down(true);
        let output = plexlink(&emu, &config, &["servers", "--connect", "--json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("plex.tv could not be reached"), "{stderr}");
        let offline = json_of(&output);
        let chosen = |list: &Value| named(list, "Living Room")["connected"]["uri"].clone();
        assert_eq!(chosen(&offline), chosen(&live), "{mode:?}");
        emu.set_plex_tv_down(false);
    }
    // Without a snapshot, plex.tv down is an error, not an empty list.
    std::fs::remove_file(&file).unwrap();
    emu.set_plex_tv_down(true);
    let output = plexlink(&emu, &config, &["servers", "--json"]).output().unwrap();
    assert!(!output.status.success());
}

/// Runs `command` with `input` on stdin.
fn with_input(mut command: Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn home_lists_users_and_switches_keeping_the_users_token_apart() {
    let emu = Emulator::start_default().unwrap();
    let config = tempdir("home");
    let signed = with_input(
        plexlink(&emu, &config, &["signin", "--login", "carol", "--json"]),
        "carol-password\n",
    );
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));

    let users = plexlink(&emu, &config, &["home", "users", "--json"]).output().unwrap();
    assert!(users.status.success(), "{}", String::from_utf8_lossy(&users.stderr));
    let list = json_of(&users);
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["title"].as_str().unwrap())
        .collect();
    assert!(titles.len() >= 3, "{list}");
    let erin = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "erin" || u["title"].as_str().unwrap().to_lowercase().contains("erin"))
        .unwrap();
    assert_eq!(erin["protected"], true);
    let text = plexlink(&emu, &config, &["home", "users"]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("PIN-protected"));

    // An unprotected user, then a protected one whose PIN is asked for.
    let dave = plexlink(&emu, &config, &["home", "switch", "dave", "--json"])
        .output()
        .unwrap();
    assert!(dave.status.success(), "{}", String::from_utf8_lossy(&dave.stderr));
    let wrong = with_input(plexlink(&emu, &config, &["home", "switch", "erin"]), "9999\n");
    assert!(!wrong.status.success());
    let right = with_input(plexlink(&emu, &config, &["home", "switch", "erin", "--json"]), "1234\n");
    assert!(right.status.success(), "{}", String::from_utf8_lossy(&right.stderr));
    assert!(!String::from_utf8_lossy(&right.stdout).contains("1234"));

    // The account's own token is untouched; the users' tokens are kept apart.
    let saved = saved_json(&config);
    assert_eq!(saved["tokens"][emu.url()], emu.token_for("carol").unwrap());
    let home = saved["home_tokens"][emu.url()].as_object().unwrap();
    assert_eq!(home.len(), 2);
    assert!(home.values().all(|t| t.as_str().is_some_and(|t| !t.is_empty())));
    let whoami = json_of(&plexlink(&emu, &config, &["whoami", "--json"]).output().unwrap());
    assert_eq!(whoami["username"], "carol");
}

#[test]
fn completions_are_generated_for_each_shell() {
    let emu = Emulator::start_default().unwrap();
    let config = tempdir("completions");
    for shell in ["bash", "zsh", "fish"] {
        let output = plexlink(&emu, &config, &["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        for word in ["plexlink", "login", "servers", "home", "switch", "jwt"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
}

#[test]
fn whoami_shows_the_username() {
    let emu = Emulator::start_default().unwrap();
    let config = tempdir("whoami-username");
    assert!(login(&emu, &config).status.success());

    let text = plexlink(&emu, &config, &["whoami"]).output().unwrap();
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("username alice"), "no username in: {stdout}");
    assert!(
        stdout.contains("Alice") && stdout.contains("<alice@example.com>"),
        "{stdout}"
    );

    let json = plexlink(&emu, &config, &["whoami", "--json"]).output().unwrap();
    assert!(json.status.success());
    assert_eq!(json_of(&json)["username"], "alice");
}

#[test]
fn transient_never_sends_the_account_token_to_a_shared_server() {
    // Friend's Server is shared with alice, and here plex.tv gives her no accessToken for it.
    let mut scenario = plexlink_emulator::Scenario::default();
    let friend = scenario
        .servers
        .iter_mut()
        .find(|s| s.name == "Friend's Server")
        .unwrap();
    friend
        .shares
        .iter_mut()
        .find(|s| s.account == "alice")
        .unwrap()
        .access_token = String::new();
    let emu = Emulator::start(scenario).unwrap();
    let config = tempdir("transient-shared");
    assert!(login(&emu, &config).status.success());
    emu.reset_counters();

    let out = plexlink(&emu, &config, &["token", "transient", "--server", "Friend's Server"])
        .output()
        .unwrap();
    // The server was never asked for anything that carries a token: /identity probes carry
    // none, and nothing else reached any of its listeners.
    let counters = emu.counters();
    let friend = counters.pms.get("Friend's Server").cloned().unwrap_or_default();
    for (connection, counts) in &friend {
        for (request, n) in &counts.requests {
            assert!(request == "GET /identity", "{connection} received {n} x {request}");
        }
    }

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        stderr.contains("Friend's Server") && stderr.contains("shared") && stderr.contains("no access token"),
        "unclear error: {stderr}"
    );
    assert!(!stderr.contains(&emu.token_for("alice").unwrap()));

    // An owned server still falls back to the account token (Living Room is alice's).
    let owned = plexlink(
        &emu,
        &config,
        &["token", "transient", "--server", "Living Room", "--json"],
    )
    .output()
    .unwrap();
    assert!(owned.status.success(), "{}", String::from_utf8_lossy(&owned.stderr));
    assert!(!json_of(&owned)["transient_token"].as_str().unwrap().is_empty());
}

#[cfg(unix)]
#[test]
fn a_symlink_at_a_temporary_path_never_gets_the_token() {
    let emu = Emulator::start_default().unwrap();
    let (config, id) = seeded("symlink");
    let elsewhere = tempdir("symlink-elsewhere");
    make_private_dir(&elsewhere);
    // The old predictable name (with the pid the command runs with), and guesses around it.
    let script = format!(
        r#"ln -s "{e}/stolen-pid" "{c}/.config.json.$$.tmp"
for n in 1 2 3 4 5 6 7 8; do ln -s "{e}/stolen-$n" "{c}/.config.json.$(($$ + n)).tmp"; done
for g in .config.json.tmp config.json.tmp .config.json.new config.json.new config.json~ .config.json.swp; do ln -s "{e}/stolen-$g" "{c}/$g"; done"#,
        e = elsewhere.display(),
        c = config.display()
    );
    let out = sign_in_alice(exec_after(
        &script,
        &plexlink(&emu, &config, &["signin", "--login", "alice"]),
    ));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Vec<_> = std::fs::read_dir(&*elsewhere)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(written.is_empty(), "written through a planted symlink: {written:?}");
    let file = config.join("config.json");
    assert!(std::fs::symlink_metadata(&file).unwrap().file_type().is_file());
    let saved = saved_json(&config);
    assert_eq!(saved["client_identifier"], id);
    assert!(
        saved["tokens"][emu.url()] == emu.token_for("alice").unwrap(),
        "token not saved"
    );
}

#[cfg(unix)]
#[test]
fn a_planted_world_readable_temporary_file_does_not_make_the_config_readable() {
    use std::os::unix::fs::PermissionsExt;
    let emu = Emulator::start_default().unwrap();
    let (config, _) = seeded("planted-0666");
    let script = format!(
        r#"t="{c}/.config.json.$$.tmp"; : > "$t"; chmod 0666 "$t""#,
        c = config.display()
    );
    let out = sign_in_alice(exec_after(
        &script,
        &plexlink(&emu, &config, &["signin", "--login", "alice"]),
    ));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = config.join("config.json");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(
        saved_json(&config)["tokens"][emu.url()] == emu.token_for("alice").unwrap(),
        "token not saved"
    );
}

#[test]
fn concurrent_logins_lose_no_update_and_keep_one_identifier() {
    const N: usize = 6;
    let emulators: Vec<Emulator> = (0..N).map(|_| Emulator::start_default().unwrap()).collect();
    let config = tempdir("concurrent");
    let children: Vec<_> = emulators
        .iter()
        .map(|emu| {
            plexlink(emu, &config, &["login", "--json", "--no-qr"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for emu in &emulators {
        let started = Instant::now();
        let pin = loop {
            if let Some(pin) = emu.pins().into_iter().find(|p| !p.approved) {
                break pin;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no PIN made");
            std::thread::sleep(Duration::from_millis(20));
        };
        emu.approve_pin(pin.id, "alice").unwrap();
    }
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let saved = saved_json(&config);
    let id = saved["client_identifier"].as_str().unwrap();
    for emu in &emulators {
        // Compared, not printed: a failure message shows no token.
        assert!(
            saved["tokens"][emu.url()] == emu.token_for("alice").unwrap(),
            "lost the token of {}",
            emu.url()
        );
        for pin in emu.pins() {
            assert_eq!(pin.client_identifier, id, "the identifier was rotated");
        }
    }
    assert_eq!(saved["tokens"].as_object().unwrap().len(), N);
    assert_eq!(leftovers(&config), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn a_config_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let emu = Emulator::start_default().unwrap();
    for mode in [0o777, 0o770, 0o1777] {
        let config = tempdir(&format!("writable-{mode:o}"));
        make_private_dir(&config);
        std::fs::set_permissions(&*config, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = plexlink(&emu, &config, &["whoami"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(
            stderr.contains(&*config.to_string_lossy()) && stderr.contains("writable by others"),
            "mode {mode:o}: {stderr}"
        );
        assert!(!config.join("config.json").exists(), "mode {mode:o}: wrote into it");
    }

    // A directory someone else owns (only root can make one to test with).
    let config = tempdir("not-ours");
    make_private_dir(&config);
    let chowned = Command::new("chown").arg("65534").arg(&*config).status();
    if chowned.is_ok_and(|s| s.success()) && users_differ(&config) {
        let out = plexlink(&emu, &config, &["whoami"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains("not owned by you"), "{stderr}");
        assert!(!config.join("config.json").exists());
    }
}

#[cfg(unix)]
fn users_differ(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let me = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&me.stdout).trim() != std::fs::metadata(path).unwrap().uid().to_string()
}

#[test]
fn a_config_with_a_field_of_the_wrong_type_is_refused_and_left_alone() {
    let emu = Emulator::start_default().unwrap();
    let cases = [
        (r#"{"client_identifier": 5}"#, "client_identifier"),
        (r#"{"client_identifier": ""}"#, "client_identifier"),
        (r#"{"client_identifier": "kept-id", "tokens": []}"#, "tokens"),
        (
            r#"{"client_identifier": "kept-id", "tokens": {"http://x/": 5}}"#,
            "http://x/",
        ),
        (r#"["client_identifier"]"#, "object"),
    ];
    for (i, (text, field)) in cases.into_iter().enumerate() {
        let config = tempdir(&format!("wrong-type-{i}"));
        make_private_dir(&config);
        let file = config.join("config.json");
        std::fs::write(&file, text).unwrap();
        let out = plexlink(&emu, &config, &["whoami"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{text}");
        assert!(
            stderr.contains(&*file.to_string_lossy()) && stderr.contains(field),
            "{text}: {stderr}"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "the file was changed");
    }
}
