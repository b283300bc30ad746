//! What differs between Unix and Windows, one module per concern. The rest of premptictl calls
//! these functions and carries no `cfg` of its own; each module holds a Unix and a Windows
//! implementation of the same small API.
//!
//! - [`ipc`]: the control endpoint, a Unix socket (0600, peers of another uid refused) or a
//!   named pipe that admits only the current user;
//! - [`process`]: stop requests from the system, detaching the daemon, terminating it, which
//!   program a pid runs, the host name;
//! - [`fs`]: the instance lock and files only the user may read;
//! - [`autostart`]: starting the daemon at logon on Windows (the per-user Run key).

pub mod autostart;
pub mod fs;
pub mod ipc;
pub mod process;
