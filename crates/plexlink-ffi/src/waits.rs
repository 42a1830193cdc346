//! What the tasks' callbacks are blocked on, so that none blocks in a cycle.
//!
//! A task's callbacks run on its own thread, and C code in a callback may block on a task:
//! `plexlink_task_free` waits for that task's callback in progress to return, and
//! `plexlink_task_wait` for that task to finish. When that task's thread is itself blocked in a
//! callback, directly or through others, on the caller's task (its own callback freeing or
//! waiting for itself, two done callbacks freeing each other), neither would ever go on. So each
//! blocked callback is recorded as an edge (its task → the task it waits on), and a callback may
//! block only where its edge closes no cycle; the graph never holds one. A thread outside every
//! callback blocks freely: no task's thread ever waits for it.
//!
//! Tasks are known by their address, which stays theirs while an edge names them: the blocked
//! caller holds a reference to the task it waits on, and a task's thread holds its own.

use std::cell::Cell;
use std::sync::{Mutex, MutexGuard};

/// What a blocked callback waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Until {
    /// The task's callback in progress returns (`plexlink_task_free`).
    CallbackReturns,
    /// The task finishes (`plexlink_task_wait`).
    Finished,
}

#[derive(Debug)]
struct Edge {
    from: usize,
    to: usize,
    until: Until,
}

/// At most one edge per task: a callback blocks on one thing at a time.
static EDGES: Mutex<Vec<Edge>> = Mutex::new(Vec::new());

thread_local! {
    /// The task whose callback runs on this thread (0: none).
    static IN_CALLBACK: Cell<usize> = const { Cell::new(0) };
}

fn edges() -> MutexGuard<'static, Vec<Edge>> {
    EDGES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs `call` (a callback of `task`) marked as running on this thread.
pub(crate) fn in_callback<R>(task: usize, call: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_CALLBACK.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(IN_CALLBACK.with(|c| c.replace(task)));
    call()
}

/// Leave to block on a task; the edge, if any, is removed when this is dropped.
#[derive(Debug)]
pub(crate) struct Blocked {
    from: usize,
}

impl Drop for Blocked {
    fn drop(&mut self) {
        if self.from != 0 {
            edges().retain(|e| e.from != self.from);
        }
    }
}

/// Asks to block the calling thread on task `to` until `until`: `None` when it never would go
/// on (`to` is the caller's own task, or its thread is blocked, through any others, on it).
pub(crate) fn block_on(to: usize, until: Until) -> Option<Blocked> {
    let from = IN_CALLBACK.with(Cell::get);
    if from == 0 {
        return Some(Blocked { from });
    }
    let mut edges = edges();
    let mut node = to;
    // Ends: the graph holds no cycle, and every node has at most one edge out.
    loop {
        if node == from {
            return None;
        }
        match edges.iter().find(|e| e.from == node) {
            Some(e) => node = e.to,
            None => break,
        }
    }
    edges.push(Edge { from, to, until });
    Some(Blocked { from })
}

/// `task` has finished: the waits for that are over, even before their threads wake up (so that
/// its done callback, which runs next, sees no stale edge back to it).
pub(crate) fn finished(task: usize) {
    edges().retain(|e| !(e.to == task && e.until == Until::Finished));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_never_blocks_in_a_cycle() {
        // Outside callbacks: always, and nothing is recorded.
        assert!(block_on(1, Until::Finished).is_some());
        // Task 101's callback waits on 102; 102's callback on 103; 103's on 101 would close it.
        in_callback(101, || {
            assert!(block_on(101, Until::Finished).is_none(), "its own task");
            let first = block_on(102, Until::CallbackReturns).expect("no cycle yet");
            std::thread::scope(|s| {
                s.spawn(|| {
                    in_callback(102, || {
                        assert!(block_on(101, Until::CallbackReturns).is_none(), "each other");
                        let second = block_on(103, Until::Finished).expect("no cycle");
                        std::thread::scope(|s| {
                            s.spawn(|| {
                                in_callback(103, || assert!(block_on(101, Until::Finished).is_none(), "three"));
                            });
                        });
                        finished(103);
                        in_callback(103, || {
                            assert!(block_on(101, Until::Finished).is_some(), "103 finished")
                        });
                        drop(second);
                    });
                });
            });
            drop(first);
        });
        in_callback(102, || {
            assert!(block_on(101, Until::Finished).is_some(), "101 no longer waits")
        });
        assert!(edges().iter().all(|e| ![101, 102, 103].contains(&e.from)));
    }
}
