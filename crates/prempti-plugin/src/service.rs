//! What the broker and the alert intake share as background services: activity counters,
//! the shutdown signal, and a small tokio runtime on a thread of its own for the Falco host.

use std::future::Future;
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::watch;

/// Declares a public stats struct of `u64` counters and a private struct of the same
/// counters as atomics, with `bump` (add one) and `snapshot` (read them all), so the field
/// list is written once.
macro_rules! counters {
    (
        $(#[$meta:meta])*
        pub struct $stats:ident, private $counters:ident {
            $( $(#[$field_meta:meta])* $field:ident, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $stats {
            $( $(#[$field_meta])* pub $field: u64, )*
        }

        #[derive(Debug, Default)]
        struct $counters {
            $( $field: ::std::sync::atomic::AtomicU64, )*
        }

        impl $counters {
            fn bump(counter: &::std::sync::atomic::AtomicU64) {
                counter.fetch_add(1, ::std::sync::atomic::Ordering::Relaxed);
            }

            fn snapshot(&self) -> $stats {
                $stats {
                    $( $field: self.$field.load(::std::sync::atomic::Ordering::Relaxed), )*
                }
            }
        }
    };
}

/// Resolves once shutdown is signalled (or the signal's sender is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here, inside.
    let _ = stop.wait_for(|stopped| *stopped).await.map(|_| ());
}

/// Runs `serve` on a current-thread runtime on a thread named `name`, and waits until it
/// reports through its sender that it is ready (`Ok`) or could not start (`Err`).
///
/// `serve` sends exactly once, then keeps serving until it returns; the thread ends with it.
/// `runtime_error` wraps the I/O errors of starting the thread or the runtime, and a thread
/// that ends without reporting.
pub(crate) fn spawn_standalone<T, E, F, Fut>(
    name: &str,
    runtime_error: fn(std::io::Error) -> E,
    serve: F,
) -> Result<(T, JoinHandle<()>), E>
where
    T: Send + 'static,
    E: Send + 'static,
    F: FnOnce(mpsc::Sender<Result<T, E>>) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(serve(tx)),
                Err(e) => {
                    let _ = tx.send(Err(runtime_error(e)));
                }
            }
        })
        .map_err(runtime_error)?;
    match rx.recv() {
        Ok(Ok(ready)) => Ok((ready, thread)),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(runtime_error(std::io::Error::other(format!(
                "the {name} thread ended before binding"
            ))))
        }
    }
}

/// Joins the service thread in `slot`, if any, unless called from that very thread.
pub(crate) fn join_service_thread(slot: &Mutex<Option<JoinHandle<()>>>) {
    let thread = slot
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    if let Some(thread) = thread {
        if thread.thread().id() != std::thread::current().id() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    counters! {
        /// Test counters.
        #[allow(unreachable_pub)]
        pub struct TestStats, private TestCounters {
            /// One.
            one,
            /// Two.
            two,
        }
    }

    #[test]
    fn counters_bump_and_snapshot_each_field() {
        let c = TestCounters::default();
        TestCounters::bump(&c.two);
        TestCounters::bump(&c.two);
        TestCounters::bump(&c.one);
        assert_eq!(c.snapshot(), TestStats { one: 1, two: 2 });
    }

    #[test]
    fn standalone_reports_ready_errors_and_silent_ends() {
        let (value, thread) = spawn_standalone::<u32, String, _, _>(
            "t-ok",
            |e| e.to_string(),
            |tx| async move {
                let _ = tx.send(Ok(7));
            },
        )
        .unwrap();
        assert_eq!(value, 7);
        thread.join().unwrap();

        let err = spawn_standalone::<u32, String, _, _>(
            "t-err",
            |e| e.to_string(),
            |tx| async move {
                let _ = tx.send(Err("nope".to_owned()));
            },
        )
        .unwrap_err();
        assert_eq!(err, "nope");

        let err =
            spawn_standalone::<u32, String, _, _>("t-silent", |e| e.to_string(), |_tx| async {})
                .unwrap_err();
        assert_eq!(err, "the t-silent thread ended before binding");
    }
}
