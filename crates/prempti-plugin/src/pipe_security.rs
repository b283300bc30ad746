//! Who may open Prempti's named pipes on Windows: the current user, and nobody else.
//!
//! Windows has no AF_UNIX socket files with modes; the broker and the control endpoint are
//! named pipes instead, and their access is decided by a security descriptor given at
//! creation. [`owner_only`] builds it from the SDDL string [`owner_only_sddl`]: the current
//! user's SID as owner and group, and a protected DACL (`P`: nothing inherited) with a single
//! ACE that grants that SID all access. Administrators, SYSTEM, other users and anonymous
//! callers are not listed, so opening the pipe fails for them with `ERROR_ACCESS_DENIED`
//! (and `interprocess` creates pipes with `PIPE_REJECT_REMOTE_CLIENTS`, so the network never
//! reaches them).
//!
//! [`describe`] reads the descriptor back from an open pipe handle, which is how the tests
//! check that a served pipe carries exactly that DACL.

use std::ffi::c_void;
use std::io;
use std::os::windows::io::AsRawHandle;
use std::ptr;

use interprocess::os::windows::security_descriptor::SecurityDescriptor;
use widestring::{U16CStr, U16CString};
use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, ERROR_SUCCESS, HANDLE};
use windows_sys::Win32::Security::Authorization::{
    ConvertSecurityDescriptorToStringSecurityDescriptorW, ConvertSidToStringSidW, GetSecurityInfo,
    SDDL_REVISION_1, SE_KERNEL_OBJECT,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TokenUser, DACL_SECURITY_INFORMATION, OWNER_SECURITY_INFORMATION,
    PSECURITY_DESCRIPTOR, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// The string SID (`S-1-5-21-…`) of the user this process runs as.
pub fn current_user_sid() -> io::Result<String> {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing; `token` is a
    // valid out pointer.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let token = OwnedHandle(token);
    let mut len = 0u32;
    // SAFETY: a size query: no buffer, zero length, `len` receives the size needed.
    unsafe { GetTokenInformation(token.0, TokenUser, ptr::null_mut(), 0, &mut len) };
    if len == 0 {
        return Err(io::Error::last_os_error());
    }
    // u64 words: TOKEN_USER holds pointers, so the buffer must be pointer-aligned.
    let mut buf = vec![0u64; (len as usize).div_ceil(8)];
    // SAFETY: `buf` is valid for `len` bytes and 8-aligned.
    if unsafe { GetTokenInformation(token.0, TokenUser, buf.as_mut_ptr().cast(), len, &mut len) }
        == 0
    {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: GetTokenInformation wrote a TOKEN_USER at the start of `buf`; its SID points
    // into `buf`, which outlives this use.
    let sid = unsafe { (*buf.as_ptr().cast::<TOKEN_USER>()).User.Sid };
    let mut text: *mut u16 = ptr::null_mut();
    // SAFETY: `sid` is a valid SID; `text` receives a LocalAlloc'd NUL-terminated string.
    if unsafe { ConvertSidToStringSidW(sid, &mut text) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Local(text.cast()).wide_string())
}

/// The SDDL of a descriptor that admits only `sid`: owner and group `sid`, a protected DACL
/// with one ACE granting `sid` all access.
pub fn owner_only_sddl(sid: &str) -> String {
    format!("O:{sid}G:{sid}D:P(A;;GA;;;{sid})")
}

/// The security descriptor for a pipe only the current user may open.
pub fn owner_only() -> io::Result<SecurityDescriptor> {
    let sddl = owner_only_sddl(&current_user_sid()?);
    let wide =
        U16CString::from_str(&sddl).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    SecurityDescriptor::deserialize(&wide)
}

/// The owner and DACL of the object behind `handle` (a pipe, a file), as SDDL.
pub fn describe(handle: &impl AsRawHandle) -> io::Result<String> {
    let mut descriptor: PSECURITY_DESCRIPTOR = ptr::null_mut();
    // SAFETY: `handle` is open for the duration of the call; the owner/DACL out pointers may
    // be null when the descriptor itself is requested, which the system then allocates.
    let rc = unsafe {
        GetSecurityInfo(
            handle.as_raw_handle(),
            SE_KERNEL_OBJECT,
            DACL_SECURITY_INFORMATION | OWNER_SECURITY_INFORMATION,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            &mut descriptor,
        )
    };
    if rc != ERROR_SUCCESS {
        return Err(io::Error::from_raw_os_error(rc as i32));
    }
    let descriptor = Local(descriptor);
    let mut text: *mut u16 = ptr::null_mut();
    // SAFETY: `descriptor` is the self-relative descriptor GetSecurityInfo allocated; `text`
    // receives a LocalAlloc'd string.
    let ok = unsafe {
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            descriptor.0.cast(),
            SDDL_REVISION_1,
            DACL_SECURITY_INFORMATION | OWNER_SECURITY_INFORMATION,
            &mut text,
            ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Local(text.cast()).wide_string())
}

/// A handle closed on drop.
struct OwnedHandle(HANDLE);

impl Drop for OwnedHandle {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by us and is closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// Memory the system allocated with `LocalAlloc`, freed on drop.
struct Local(*mut c_void);

impl Local {
    /// Reads it as the NUL-terminated wide string the system wrote there.
    fn wide_string(&self) -> String {
        if self.0.is_null() {
            return String::new();
        }
        // SAFETY: only called on memory where the system wrote a NUL-terminated wide string.
        unsafe { U16CStr::from_ptr_str(self.0.cast::<u16>()) }.to_string_lossy()
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        // SAFETY: allocated by the system with LocalAlloc, freed once.
        unsafe { LocalFree(self.0.cast()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptor_names_only_the_current_user() {
        let sid = current_user_sid().unwrap();
        assert!(sid.starts_with("S-1-"), "{sid}");
        let sddl = owner_only_sddl(&sid);
        assert_eq!(sddl.matches('(').count(), 1, "one ACE: {sddl}");
        assert!(sddl.contains("D:P("), "protected DACL: {sddl}");
        owner_only().unwrap();
    }
}
