//! A DIPP reward plugin in Rust (a `cdylib`, no crates), implementing `dipp.reward/1` of
//! `Sources/CDIPPPluginABI/include/dipp_plugin.h` by hand-written `#[repr(C)]` mirrors.
//!
//! Reward: clean borders of an 8x8 digit in [-1, 1]. With `b_i = (x_i + 1)/2` the brightness of
//! the 28 border pixels B, `r(x) = -(1/|B|) Σ_{i∈B} b_i²`, `∂r/∂x_i = -b_i/|B|` on B, 0 inside.
//! Panics never cross the boundary: every entry point runs under `catch_unwind`.
//! Written for Rust 1.63 (Debian 12's rustc) and newer.
use std::os::raw::{c_char, c_void};
use std::panic::catch_unwind;

#[repr(C)]
pub struct Hyperparameter { struct_size: u32, name: *const c_char, description: *const c_char, default_value: f64, minimum: f64, maximum: f64 }

#[repr(C)]
pub struct RewardDescriptor {
    struct_size: u32, id: *const c_char, name: *const c_char, version: *const c_char,
    sample_rank: u32, sample_shape: *const i64, hyperparameter_count: u32, hyperparameters: *const Hyperparameter,
    thread_safety: u32, deterministic: u32,
}

type Status = i32; // dipp_status: 0 ok, 1 invalid argument, 2 internal
#[repr(C)]
pub struct RewardTable {
    struct_size: u32,
    describe: extern "C" fn() -> *const RewardDescriptor,
    create: extern "C" fn(*const f64, u32, *mut *mut c_void, *mut c_char, usize) -> Status,
    destroy: extern "C" fn(*mut c_void),
    reward: extern "C" fn(*mut c_void, *const f32, *const i32, i64, *mut f32, *mut c_char, usize) -> Status,
    reward_grad: extern "C" fn(*mut c_void, *const f32, *const i32, i64, *mut f32, *mut f32, *mut c_char, usize) -> Status,
}

#[repr(C)]
pub struct PluginInfo {
    struct_size: u32, abi_major: u32, abi_minor: u32, id: *const c_char, name: *const c_char, version: *const c_char,
    get_capability: extern "C" fn(*const c_char) -> *const c_void,
}

/// Static tables hold raw pointers to static data only: safe to share.
struct Shared<T>(T);
unsafe impl<T> Sync for Shared<T> {}

const fn text(bytes: &'static [u8]) -> *const c_char { bytes.as_ptr() as *const c_char }

static SHAPE: [i64; 1] = [64];
static DESCRIPTOR: Shared<RewardDescriptor> = Shared(RewardDescriptor {
    struct_size: std::mem::size_of::<RewardDescriptor>() as u32, id: text(b"dipp.example.rust-border\0"),
    name: text(b"8x8 clean border (Rust)\0"), version: text(b"1.0.0\0"), sample_rank: 1, sample_shape: &SHAPE as *const [i64; 1] as *const i64,
    hyperparameter_count: 0, hyperparameters: std::ptr::null(), thread_safety: 2, deterministic: 1,
});
static TABLE: Shared<RewardTable> = Shared(RewardTable {
    struct_size: std::mem::size_of::<RewardTable>() as u32, describe, create, destroy, reward, reward_grad,
});
static INFO: Shared<PluginInfo> = Shared(PluginInfo {
    struct_size: std::mem::size_of::<PluginInfo>() as u32, abi_major: 1, abi_minor: 0, id: text(b"dipp.example.rust-border\0"),
    name: text(b"Border reward (Rust)\0"), version: text(b"1.0.0\0"), get_capability,
});
static TOKEN: u8 = 0;

fn write_error(error: *mut c_char, size: usize, text: &str) {
    if error.is_null() || size == 0 { return; }
    let n = text.len().min(size - 1);
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr() as *const c_char, error, n);
        *error.add(n) = 0;
    }
}

fn is_border(i: usize) -> bool { let (r, c) = (i / 8, i % 8); r == 0 || r == 7 || c == 0 || c == 7 }

extern "C" fn describe() -> *const RewardDescriptor { &DESCRIPTOR.0 }

extern "C" fn create(_values: *const f64, count: u32, instance: *mut *mut c_void, error: *mut c_char, size: usize) -> Status {
    if instance.is_null() || count > 0 { write_error(error, size, "no hyper-parameters; instance must not be NULL"); return 1; }
    unsafe { *instance = &TOKEN as *const u8 as *mut c_void };
    0
}

extern "C" fn destroy(_instance: *mut c_void) {}

fn evaluate(x: *const f32, batch: i64, rewards: *mut f32, gradients: *mut f32, error: *mut c_char, size: usize) -> Status {
    if x.is_null() || rewards.is_null() || batch < 0 { write_error(error, size, "NULL buffer or negative batch"); return 1; }
    let result = catch_unwind(|| {
        let n = batch as usize;
        let x = unsafe { std::slice::from_raw_parts(x, n * 64) };
        let rewards = unsafe { std::slice::from_raw_parts_mut(rewards, n) };
        let border = 28.0f64;
        for s in 0..n {
            let mut total = 0.0f64;
            for i in 0..64 {
                let b = (x[s * 64 + i] as f64 + 1.0) / 2.0;
                let on = is_border(i);
                if on { total += b * b; }
                if !gradients.is_null() {
                    unsafe { *gradients.add(s * 64 + i) = if on { (-b / border) as f32 } else { 0.0 } };
                }
            }
            rewards[s] = (-total / border) as f32;
        }
    });
    match result { Ok(()) => 0, Err(_) => { write_error(error, size, "panic inside the plugin"); 2 } }
}

extern "C" fn reward(_i: *mut c_void, x: *const f32, _c: *const i32, batch: i64, rewards: *mut f32, error: *mut c_char, size: usize) -> Status {
    evaluate(x, batch, rewards, std::ptr::null_mut(), error, size)
}

extern "C" fn reward_grad(_i: *mut c_void, x: *const f32, _c: *const i32, batch: i64, rewards: *mut f32, gradients: *mut f32,
                          error: *mut c_char, size: usize) -> Status {
    if gradients.is_null() { write_error(error, size, "gradient buffer is NULL"); return 1; }
    evaluate(x, batch, rewards, gradients, error, size)
}

extern "C" fn get_capability(id: *const c_char) -> *const c_void {
    if id.is_null() { return std::ptr::null(); }
    let id = unsafe { std::ffi::CStr::from_ptr(id) };
    if id.to_bytes() == b"dipp.reward/1" { &TABLE.0 as *const RewardTable as *const c_void } else { std::ptr::null() }
}

/// The one exported entry symbol: refuses any ABI major but 1.
#[no_mangle]
pub extern "C" fn dipp_plugin_entry(host_abi_major: u32) -> *const PluginInfo {
    if host_abi_major == 1 { &INFO.0 } else { std::ptr::null() }
}
