//! `plexlink-emulator`: runs the emulator until Ctrl-C or SIGTERM.
//!
//! ```text
//! plexlink-emulator [--port N] [--scenario FILE | --dual-stack] [--print-scenario]
//! ```
//! The first line of standard output is `plexlink-emulator listening on http://127.0.0.1:PORT/`,
//! so scripts can read the URL from it.

use std::io::Write;
use std::process::ExitCode;

use plexlink_emulator::{Behaviour, Emulator, Scenario};

const USAGE: &str = "usage: plexlink-emulator [--port N] [--scenario FILE | --dual-stack] [--print-scenario]

  --port N           plex.tv port on 127.0.0.1 (default 0: a free port)
  --scenario FILE    a scenario as JSON (see --print-scenario for the built-in one)
  --dual-stack       the built-in scenario plus \"Dual Stack\" on 127.0.0.1 and [::1] (needs IPv6)
  --print-scenario   print the scenario as JSON and exit";

struct Args {
    port: u16,
    scenario: Option<String>,
    dual_stack: bool,
    print_scenario: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        scenario: None,
        dual_stack: false,
        print_scenario: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--port" => {
                let v = it.next().ok_or("--port needs a value")?;
                args.port = v.parse().map_err(|_| format!("--port: not a port number: {v}"))?;
            }
            "--scenario" => args.scenario = Some(it.next().ok_or("--scenario needs a file")?),
            "--dual-stack" => args.dual_stack = true,
            "--print-scenario" => args.print_scenario = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    if args.dual_stack && args.scenario.is_some() {
        return Err("--dual-stack and --scenario: one or the other".to_string());
    }
    Ok(args)
}

fn load_scenario(path: Option<&str>, dual_stack: bool) -> Result<Scenario, String> {
    let Some(path) = path else {
        return Ok(if dual_stack {
            Scenario::dual_stack()
        } else {
            Scenario::default()
        });
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let scenario: Scenario = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    scenario.validate().map_err(|e| format!("{path}: {e}"))?;
    Ok(scenario)
}

fn describe(emu: &Emulator) -> String {
    let s = emu.scenario();
    let mut out = String::from("accounts:\n");
    for a in &s.accounts {
        let mut notes = Vec::new();
        if let Some(p) = &a.password {
            notes.push(format!("password {p}"));
        }
        if let Some(t) = &a.two_factor {
            notes.push(format!("2FA code {}", t.code));
        }
        if a.managed {
            notes.push("managed".to_string());
        }
        if let Some(pin) = &a.home_pin {
            notes.push(format!("Home PIN {pin}"));
        }
        notes.push(format!("token {} chars", a.token.len()));
        out.push_str(&format!("  {:<8} {}\n", a.username, notes.join(", ")));
    }
    out.push_str("servers:\n");
    for server in &s.servers {
        out.push_str(&format!(
            "  {} (owner {}, {})\n",
            server.name, server.owner, server.client_identifier
        ));
        for c in &server.connections {
            let behaviour = match c.behaviour {
                Behaviour::Good => "good".to_string(),
                Behaviour::Slow { ms } => format!("slow {ms} ms"),
                Behaviour::Dead => "dead".to_string(),
                Behaviour::Blackhole => "blackhole".to_string(),
                Behaviour::WrongId => "wrong id".to_string(),
                Behaviour::Unauthorized => "unauthorized".to_string(),
            };
            let kind = if c.relay {
                "relay"
            } else if c.local {
                "local"
            } else {
                "remote"
            };
            let uri = emu.server_uri(&server.name, &c.name).unwrap_or_default();
            out.push_str(&format!("    {:<16} {uri:<24} {kind:<6} {behaviour}\n", c.name));
        }
    }
    out.push_str(&format!("pages: {}link  {}auth\n", emu.url(), emu.url()));
    out
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("plexlink-emulator: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let scenario = match load_scenario(args.scenario.as_deref(), args.dual_stack) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("plexlink-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    if args.print_scenario {
        return match serde_json::to_string_pretty(&scenario) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("plexlink-emulator: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let emu = match Emulator::start_on(scenario, args.port) {
        Ok(emu) => emu,
        Err(e) => {
            eprintln!("plexlink-emulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The signal handlers are in place before the URL is printed: a script that reads the URL
    // and stops the emulator at once must find it listening for SIGTERM.
    let announce = || {
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "plexlink-emulator listening on {}", emu.url());
        let _ = write!(stdout, "{}", describe(&emu));
        let _ = writeln!(stdout, "press Ctrl-C to stop");
        let _ = stdout.flush();
    };
    if let Err(e) = wait_for_signal(announce) {
        eprintln!("plexlink-emulator: cannot wait for signals: {e}");
    }
    emu.stop();
    ExitCode::SUCCESS
}

/// Installs the handlers for Ctrl-C (SIGINT) and, on Unix, SIGTERM, calls `ready`, and blocks
/// until one of them arrives.
fn wait_for_signal(ready: impl FnOnce()) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut term = signal(SignalKind::terminate())?;
            let mut interrupt = signal(SignalKind::interrupt())?;
            ready();
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = term.recv() => {},
            }
            Ok(())
        }
        #[cfg(not(unix))]
        {
            let ctrl_c = tokio::signal::ctrl_c();
            ready();
            ctrl_c.await
        }
    })
}
