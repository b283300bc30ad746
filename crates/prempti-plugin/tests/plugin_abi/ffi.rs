//! Loads the built `coding_agent` cdylib with `dlopen` and exposes its C plugin API, so the
//! tests exercise the exported symbols exactly as Falco does.

use std::ffi::{c_void, CStr, CString};
use std::path::PathBuf;
use std::sync::OnceLock;

use falco_plugin::api::plugin_api;

/// The shared library next to the test binary (`target/<profile>/libprempti_plugin.so`).
fn library_path() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("deps dir").to_path_buf();
    let name = format!(
        "{}prempti_plugin{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    for dir in [
        deps.clone(),
        deps.parent().map(PathBuf::from).unwrap_or_default(),
    ] {
        let candidate = dir.join(&name);
        if candidate.exists() {
            return candidate;
        }
    }
    panic!("{name} not found next to {}", exe.display());
}

/// The path of the built plugin library (for the real-Falco test).
pub fn plugin_library() -> PathBuf {
    library_path()
}

struct Library(*mut c_void);
// SAFETY: the handle is only used to look up symbols; dlsym is thread-safe.
unsafe impl Send for Library {}
// SAFETY: as above.
unsafe impl Sync for Library {}

fn library() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        let path = CString::new(library_path().to_string_lossy().into_owned()).unwrap();
        // SAFETY: loading a library we built; RTLD_NOW surfaces missing symbols at once.
        let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        assert!(!handle.is_null(), "dlopen failed");
        Library(handle)
    })
}

/// Looks up `name` in the plugin library as a value of type `T` (a function pointer).
fn symbol<T: Copy>(name: &str) -> Option<T> {
    assert_eq!(std::mem::size_of::<T>(), std::mem::size_of::<*mut c_void>());
    let cname = CString::new(name).unwrap();
    // SAFETY: dlsym on a live handle.
    let ptr = unsafe { libc::dlsym(library().0, cname.as_ptr()) };
    if ptr.is_null() {
        None
    } else {
        // SAFETY: T is a function pointer type of the same size as the symbol address, and the
        // symbol is the exported function of that signature.
        Some(unsafe { std::mem::transmute_copy::<*mut c_void, T>(&ptr) })
    }
}

/// Calls an exported `const char *fn(void)` and returns its text.
pub fn static_string(name: &str) -> String {
    let f: unsafe extern "C-unwind" fn() -> *const std::ffi::c_char =
        symbol(name).unwrap_or_else(|| panic!("{name} not exported"));
    // SAFETY: the exported getters return static NUL-terminated strings.
    unsafe { CStr::from_ptr(f()) }
        .to_string_lossy()
        .into_owned()
}

/// `plugin_get_id()`.
pub fn plugin_id() -> u32 {
    let f: unsafe extern "C-unwind" fn() -> u32 = symbol("plugin_get_id").expect("plugin_get_id");
    // SAFETY: exported function without arguments.
    unsafe { f() }
}

/// `plugin_get_init_schema()`: the schema text and its type code.
pub fn init_schema() -> (String, u32) {
    let f: unsafe extern "C-unwind" fn(*mut u32) -> *const std::ffi::c_char =
        symbol("plugin_get_init_schema").expect("plugin_get_init_schema");
    let mut ty = 0u32;
    // SAFETY: exported function; `ty` is a valid out pointer.
    let text = unsafe { CStr::from_ptr(f(&mut ty)) }
        .to_string_lossy()
        .into_owned();
    (text, ty)
}

/// The whole plugin API table assembled from the library's exported symbols, as Falco's
/// plugin loader does.
pub fn api() -> &'static plugin_api {
    static API: OnceLock<plugin_api> = OnceLock::new();
    API.get_or_init(|| {
        // SAFETY: every field of plugin_api is an Option of a function pointer, for which
        // all-zero bytes is `None`.
        let mut api: plugin_api = unsafe { std::mem::zeroed() };
        api.get_required_api_version = symbol("plugin_get_required_api_version");
        api.get_init_schema = symbol("plugin_get_init_schema");
        api.init = symbol("plugin_init");
        api.destroy = symbol("plugin_destroy");
        api.get_last_error = symbol("plugin_get_last_error");
        api.get_name = symbol("plugin_get_name");
        api.get_description = symbol("plugin_get_description");
        api.get_contact = symbol("plugin_get_contact");
        api.get_version = symbol("plugin_get_version");
        api.set_config = symbol("plugin_set_config");
        api.get_metrics = symbol("plugin_get_metrics");
        let src = &mut api.__bindgen_anon_1;
        src.get_id = symbol("plugin_get_id");
        src.get_event_source = symbol("plugin_get_event_source");
        src.open = symbol("plugin_open");
        src.close = symbol("plugin_close");
        src.list_open_params = symbol("plugin_list_open_params");
        src.get_progress = symbol("plugin_get_progress");
        src.event_to_string = symbol("plugin_event_to_string");
        src.next_batch = symbol("plugin_next_batch");
        let ext = &mut api.__bindgen_anon_2;
        ext.get_extract_event_types = symbol("plugin_get_extract_event_types");
        ext.get_extract_event_sources = symbol("plugin_get_extract_event_sources");
        ext.get_fields = symbol("plugin_get_fields");
        ext.extract_fields = symbol("plugin_extract_fields");
        api
    })
}
