//! What the engine needs from its host: a clock, randomness and a timer.
//!
//! The core never calls `std::time` or an OS RNG directly, because both panic on
//! `wasm32-unknown-unknown`; the wasm bindings supply a JS-backed platform, and
//! [`NativePlatform`] serves `cargo test`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;

/// A boxed, non-`Send` future: the engine runs on one thread (a JS event loop).
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

pub trait Platform {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> f64;
    /// Fills `buf` with random bytes (ids only: they need uniqueness, not secrecy).
    fn fill_random(&self, buf: &mut [u8]);
    /// Resolves after `ms` milliseconds (or at once where the host has no timer).
    fn sleep(&self, ms: f64) -> BoxFut<'static, ()>;
    /// Runs `task` in the background on the current thread (agent mailboxes).
    fn spawn(&self, task: BoxFut<'static, ()>);
}

/// A platform for native builds and tests: the system clock and a SplitMix64 generator.
pub struct NativePlatform {
    state: Cell<u64>,
    /// When set, the clock is this fixed value plus one millisecond per call (tests).
    fixed_clock: Option<Cell<f64>>,
    spawner: RefCell<Option<Spawner>>,
    /// Tasks spawned while no spawner was installed, run once one is.
    parked: RefCell<Vec<BoxFut<'static, ()>>>,
}

/// Hands a background task to an executor (e.g. a `futures` `LocalSpawner`).
pub type Spawner = Box<dyn Fn(BoxFut<'static, ()>)>;

impl NativePlatform {
    pub fn new() -> Self {
        let seed = Self::system_ms().to_bits() ^ (&() as *const () as u64).rotate_left(17);
        NativePlatform { state: Cell::new(seed), fixed_clock: None, spawner: RefCell::new(None), parked: RefCell::default() }
    }

    /// A reproducible platform: ids follow from `seed`, the clock starts at `start_ms`
    /// and advances one millisecond per reading.
    pub fn deterministic(seed: u64, start_ms: f64) -> Self {
        NativePlatform {
            state: Cell::new(seed),
            fixed_clock: Some(Cell::new(start_ms)),
            spawner: RefCell::new(None),
            parked: RefCell::default(),
        }
    }

    /// Installs the executor that runs background tasks; parked tasks start now.
    pub fn set_spawner(&self, spawner: Spawner) {
        let parked: Vec<_> = self.parked.borrow_mut().drain(..).collect();
        for t in parked {
            spawner(t);
        }
        *self.spawner.borrow_mut() = Some(spawner);
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn system_ms() -> f64 {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    }
    #[cfg(target_arch = "wasm32")]
    fn system_ms() -> f64 {
        0.0
    }

    fn next_u64(&self) -> u64 {
        let mut z = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Default for NativePlatform {
    fn default() -> Self {
        Self::new()
    }
}

impl Platform for NativePlatform {
    fn now_ms(&self) -> f64 {
        match &self.fixed_clock {
            Some(c) => {
                let t = c.get();
                c.set(t + 1.0);
                t
            }
            None => Self::system_ms(),
        }
    }
    fn fill_random(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
    fn sleep(&self, _ms: f64) -> BoxFut<'static, ()> {
        Box::pin(std::future::ready(()))
    }
    fn spawn(&self, task: BoxFut<'static, ()>) {
        match &*self.spawner.borrow() {
            Some(s) => s(task),
            None => self.parked.borrow_mut().push(task),
        }
    }
}
