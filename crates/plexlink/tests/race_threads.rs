//! `connect_all` over 200 servers × 8 connections (1,600 candidates) runs on a few threads: the
//! probes are futures, not a thread each. One test in its own binary, so that no other test's
//! threads are counted.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use plexlink::Device;
use plexlink_emulator::Emulator;

/// Threads of this process (Linux: one entry per thread in /proc/self/task).
fn threads() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}

/// 200 copies of Living Room, each with its good LAN connection and seven that refuse.
fn many_servers(emu: &Emulator, client: &plexlink::Client) -> Vec<Device> {
    let living = common::server_named(client, &common::token_of(emu, "alice"), "Living Room");
    let good = emu.server_uri("Living Room", "local").expect("local");
    let dead = emu.server_uri("Living Room", "local-dead").expect("dead");
    let template = living
        .connections
        .iter()
        .find(|c| c.uri == good)
        .expect("the good connection")
        .clone();
    (0..200)
        .map(|i| {
            let mut device = living.clone();
            device.name = format!("Server {i}");
            device.connections = vec![template.clone()];
            for _ in 0..7 {
                let mut refused = template.clone();
                refused.uri = dead.clone();
                // Distinct URIs, so that none is dropped as a duplicate: a path each.
                refused.uri = format!("{}/x{}", refused.uri, device.connections.len());
                device.connections.push(refused);
            }
            device
        })
        .collect()
}

#[test]
fn sixteen_hundred_candidates_need_a_few_threads_only() {
    let emu = Emulator::start_default().expect("starts");
    let client = common::client_for(&emu.url());
    let devices = many_servers(&emu, &client);
    assert_eq!(devices.iter().map(|d| d.connections.len()).sum::<usize>(), 1600);

    let Some(before) = threads() else {
        eprintln!("no /proc/self/task here: the thread count is not checked");
        return;
    };
    let running = Arc::new(AtomicBool::new(true));
    let most = Arc::new(AtomicUsize::new(before));
    let watcher = {
        let (running, most) = (Arc::clone(&running), Arc::clone(&most));
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                if let Some(now) = threads() {
                    most.fetch_max(now, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let results = client.connect_all(&devices);
    running.store(false, Ordering::Relaxed);
    watcher.join().unwrap();

    assert_eq!(results.len(), 200);
    let good = emu.server_uri("Living Room", "local").unwrap();
    for result in &results {
        assert_eq!(result.as_ref().expect("each server connects").uri, good);
    }
    let added = most.load(Ordering::Relaxed).saturating_sub(before);
    eprintln!("connect_all over 1,600 candidates: at most {added} threads beyond the {before} before");
    // The watcher itself is one; the client's runtime a handful.
    assert!(added <= 24, "{added} threads beyond the {before} there were before");
}
