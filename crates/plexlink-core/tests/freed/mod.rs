//! A global allocator that looks into every block given back while a check runs, for the bytes
//! of [`MARKER`]: what a secret left in freed memory. Shared by the tests that check wiping
//! (`plexlink-core`'s secrets, the C library's strings), each of which installs it with
//! `#[global_allocator]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The text a test wraps as a secret; nothing else in a test binary allocates it.
pub const MARKER: &str = "marker-3f9c1a7e-never-in-freed-memory";

/// Forwards to the system allocator, and counts freed blocks that still hold [`MARKER`] (all
/// but its first byte).
pub struct Watch;

static WATCHING: AtomicBool = AtomicBool::new(false);
static UNWIPED: AtomicUsize = AtomicUsize::new(0);
static ONE_CHECK_AT_A_TIME: Mutex<()> = Mutex::new(());

// SAFETY: every call is forwarded to `System` with the same arguments; `dealloc` only reads the
// block it is about to free, which is still allocated and `layout.size()` bytes long.
unsafe impl GlobalAlloc for Watch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as it came (the impl's comment).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as it came.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as it came.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCHING.load(Ordering::SeqCst) {
            // SAFETY: the block is still allocated and `layout.size()` bytes long.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            // Without its first byte: a `CString`'s drop sets that one to zero, and leaves the rest.
            let rest = &MARKER.as_bytes()[1..];
            if block.windows(rest.len()).any(|w| w == rest) {
                UNWIPED.fetch_add(1, Ordering::SeqCst);
            }
        }
        // SAFETY: forwarded as it came.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// A fresh heap copy of [`MARKER`], made without growing (a grown buffer's old block would be
/// freed holding part of it).
pub fn marker() -> String {
    String::from_utf8(MARKER.as_bytes().to_vec()).unwrap()
}

/// How many blocks freed while `f` ran still held [`MARKER`].
pub fn unwiped_while(f: impl FnOnce()) -> usize {
    let _one = ONE_CHECK_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    UNWIPED.store(0, Ordering::SeqCst);
    WATCHING.store(true, Ordering::SeqCst);
    f();
    WATCHING.store(false, Ordering::SeqCst);
    UNWIPED.load(Ordering::SeqCst)
}
