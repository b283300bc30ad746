//! Giving freed heap memory back to the system.
//!
//! glibc's allocator keeps what a burst of calls or a reload freed in its per-thread arenas,
//! so the daemon's resident memory stays at its high-water mark long after the burst. The
//! daemon asks it to return what is free (`malloc_trim`) after each reload and once calls have
//! stopped for a second; other allocators and platforms return memory on their own, and this
//! is a no-op there. `make bench` measures the effect (`soak`, BENCHMARKS.md).

use std::time::Duration;

/// How long the daemon must be quiet before it trims.
const QUIET: Duration = Duration::from_secs(1);

/// Returns the allocator's free memory to the system, where the allocator supports it.
pub fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Runs for the daemon's life: trims once `activity` (a counter that moves with every call)
/// has stood still for `QUIET` after it moved.
pub async fn when_idle(activity: impl Fn() -> u64) {
    let mut seen = activity();
    let mut trimmed = true;
    loop {
        tokio::time::sleep(QUIET).await;
        let now = activity();
        if now != seen {
            seen = now;
            trimmed = false;
        } else if !trimmed {
            tokio::task::spawn_blocking(release_free_heap).await.ok();
            trimmed = true;
        }
    }
}
