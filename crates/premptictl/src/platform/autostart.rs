//! Starting the daemon at logon on Windows: a value under the per-user Run key
//! `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run`, which Windows runs at
//! each logon of that user. No administrator rights are needed, and removing the value undoes
//! it. On Unix, systemd and launchd do this job (`crate::service`), and these functions fail
//! with `Unsupported`.

use std::io;

pub use imp::{get, remove, set};

/// The Run key, under `HKEY_CURRENT_USER`.
pub const RUN_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";

#[cfg(unix)]
mod imp {
    use super::io;

    fn unsupported() -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "the Run key exists on Windows only",
        )
    }

    /// Sets the Run value `name` to `command`.
    pub fn set(_name: &str, _command: &str) -> io::Result<()> {
        Err(unsupported())
    }

    /// Removes the Run value `name`; absent is success.
    pub fn remove(_name: &str) -> io::Result<()> {
        Err(unsupported())
    }

    /// The command of the Run value `name`, if there is one.
    pub fn get(_name: &str) -> io::Result<Option<String>> {
        Err(unsupported())
    }
}

#[cfg(windows)]
mod imp {
    use super::{io, RUN_KEY};
    use std::ptr;
    use widestring::U16CString;
    use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_SUCCESS};
    use windows_sys::Win32::System::Registry::{
        RegDeleteKeyValueW, RegGetValueW, RegSetKeyValueW, HKEY_CURRENT_USER, REG_SZ, RRF_RT_REG_SZ,
    };

    fn wide(s: &str) -> io::Result<U16CString> {
        U16CString::from_str(s).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    fn check(rc: u32) -> io::Result<()> {
        if rc == ERROR_SUCCESS {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(rc as i32))
        }
    }

    /// Sets the Run value `name` to `command` (a `REG_SZ`).
    pub fn set(name: &str, command: &str) -> io::Result<()> {
        let (key, name, data) = (wide(RUN_KEY)?, wide(name)?, wide(command)?);
        let bytes = u32::try_from(data.as_slice_with_nul().len() * 2)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "command too long"))?;
        // SAFETY: every string is NUL-terminated and lives across the call; `bytes` is the
        // size of `data` with its NUL.
        check(unsafe {
            RegSetKeyValueW(
                HKEY_CURRENT_USER,
                key.as_ptr(),
                name.as_ptr(),
                REG_SZ,
                data.as_ptr().cast(),
                bytes,
            )
        })
    }

    /// Removes the Run value `name`; absent is success.
    pub fn remove(name: &str) -> io::Result<()> {
        let (key, name) = (wide(RUN_KEY)?, wide(name)?);
        // SAFETY: both strings are NUL-terminated and live across the call.
        let rc = unsafe { RegDeleteKeyValueW(HKEY_CURRENT_USER, key.as_ptr(), name.as_ptr()) };
        if rc == ERROR_FILE_NOT_FOUND {
            return Ok(());
        }
        check(rc)
    }

    /// The command of the Run value `name`, if there is one.
    pub fn get(name: &str) -> io::Result<Option<String>> {
        let (key, name) = (wide(RUN_KEY)?, wide(name)?);
        let mut buf = vec![0u16; 4096];
        let mut bytes = u32::try_from(buf.len() * 2).unwrap_or(u32::MAX);
        // SAFETY: `buf` is valid for `bytes` bytes; the strings are NUL-terminated.
        let rc = unsafe {
            RegGetValueW(
                HKEY_CURRENT_USER,
                key.as_ptr(),
                name.as_ptr(),
                RRF_RT_REG_SZ,
                ptr::null_mut(),
                buf.as_mut_ptr().cast(),
                &mut bytes,
            )
        };
        if rc == ERROR_FILE_NOT_FOUND {
            return Ok(None);
        }
        check(rc)?;
        let chars = (bytes as usize / 2).min(buf.len());
        let text = String::from_utf16_lossy(&buf[..chars]);
        Ok(Some(text.trim_end_matches('\0').to_owned()))
    }
}

#[cfg(all(test, windows))]
mod tests {
    use super::*;

    /// Writes, reads back and removes a value of its own (Wine keeps the registry in the
    /// test prefix, never the user's).
    #[test]
    fn a_run_value_round_trips_and_removing_twice_is_fine() {
        let name = format!("prempti-test-{}", std::process::id());
        let command = r#""C:\Users\a b\AppData\Local\prempti\bin\premptictl.exe" start"#;
        set(&name, command).unwrap();
        assert_eq!(get(&name).unwrap().as_deref(), Some(command));
        remove(&name).unwrap();
        assert_eq!(get(&name).unwrap(), None);
        remove(&name).unwrap();
    }
}
