//! Single-threaded async primitives: a FIFO lock per key (one run at a time per agent)
//! and `join_all` for running futures side by side. No borrow is held across a poll.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct Slot {
    granted: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

#[derive(Default)]
struct LockState {
    locked: Cell<bool>,
    waiters: RefCell<VecDeque<Rc<Slot>>>,
}

impl LockState {
    /// Hands the lock to the next waiter, or frees it.
    fn release(&self) {
        let next = self.waiters.borrow_mut().pop_front();
        match next {
            Some(slot) => {
                slot.granted.set(true);
                let w = slot.waker.borrow_mut().take();
                if let Some(w) = w {
                    w.wake();
                }
            }
            None => self.locked.set(false),
        }
    }
}

/// How many keys the lock map may hold before idle ones are dropped.
const PRUNE_AT: usize = 256;

/// FIFO async locks keyed by string: waiters acquire in arrival order.
#[derive(Default)]
pub struct KeyedLocks {
    map: RefCell<HashMap<String, Rc<LockState>>>,
}

impl KeyedLocks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for the lock of `key`; it is held until the guard is dropped.
    pub fn lock(&self, key: &str) -> Acquire {
        // Idle entries (agents that ran once, deleted agents) are dropped now and then, so
        // the map stays as small as the set of agents in use.
        if self.map.borrow().len() >= PRUNE_AT {
            self.prune();
        }
        let state = self.map.borrow_mut().entry(key.to_string()).or_default().clone();
        Acquire { state: Some(state), slot: None }
    }

    /// How many callers hold or wait for `key` (0 when idle).
    pub fn depth(&self, key: &str) -> usize {
        self.map
            .borrow()
            .get(key)
            .map(|s| s.waiters.borrow().len() + usize::from(s.locked.get()))
            .unwrap_or(0)
    }

    /// Drops bookkeeping of idle keys (keeps the map small in long runs).
    pub fn prune(&self) {
        self.map.borrow_mut().retain(|_, s| s.locked.get() || !s.waiters.borrow().is_empty() || Rc::strong_count(s) > 1);
    }
}

pub struct Acquire {
    state: Option<Rc<LockState>>,
    slot: Option<Rc<Slot>>,
}

pub struct Guard {
    state: Rc<LockState>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.state.release();
    }
}

impl Future for Acquire {
    type Output = Guard;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Guard> {
        let Some(state) = self.state.clone() else {
            // Polled after completion: cannot happen through `.await`.
            return Poll::Pending;
        };
        match self.slot.clone() {
            None => {
                if !state.locked.get() {
                    state.locked.set(true);
                    self.state = None;
                    return Poll::Ready(Guard { state });
                }
                let slot = Rc::new(Slot { granted: Cell::new(false), waker: RefCell::new(Some(cx.waker().clone())) });
                state.waiters.borrow_mut().push_back(slot.clone());
                self.slot = Some(slot);
                Poll::Pending
            }
            Some(slot) => {
                if slot.granted.get() {
                    self.state = None;
                    self.slot = None;
                    return Poll::Ready(Guard { state });
                }
                *slot.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        // A waiter that gives up must not keep the lock or its place in line.
        if let (Some(state), Some(slot)) = (self.state.take(), self.slot.take()) {
            if slot.granted.get() {
                state.release();
            } else {
                state.waiters.borrow_mut().retain(|s| !Rc::ptr_eq(s, &slot));
            }
        }
    }
}

/// Runs futures concurrently on the current task and returns their outputs in order.
pub fn join_all<F: Future>(futures: Vec<F>) -> JoinAll<F> {
    JoinAll { items: futures.into_iter().map(|f| JoinItem::Pending(Box::pin(f))).collect() }
}

enum JoinItem<F: Future> {
    Pending(Pin<Box<F>>),
    Done(Option<F::Output>),
}

pub struct JoinAll<F: Future> {
    items: Vec<JoinItem<F>>,
}

impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut all_done = true;
        for item in self.items.iter_mut() {
            if let JoinItem::Pending(f) = item {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *item = JoinItem::Done(Some(v)),
                    Poll::Pending => all_done = false,
                }
            }
        }
        if !all_done {
            return Poll::Pending;
        }
        let out = self
            .items
            .iter_mut()
            .filter_map(|i| match i {
                JoinItem::Done(v) => v.take(),
                JoinItem::Pending(_) => None,
            })
            .collect();
        Poll::Ready(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::{block_on, LocalPool};
    use futures::task::{noop_waker, LocalSpawnExt};

    struct Yield(bool);
    impl Future for Yield {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    #[test]
    fn lock_is_fifo_and_exclusive() {
        let locks = Rc::new(KeyedLocks::new());
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        for i in 0..5 {
            let (locks, log) = (locks.clone(), log.clone());
            let fut = async move {
                let _g = locks.lock("a").await;
                log.borrow_mut().push(format!("start{i}"));
                Yield(false).await;
                Yield(false).await;
                log.borrow_mut().push(format!("end{i}"));
            };
            spawner.spawn_local(fut).unwrap();
        }
        pool.run();
        let log = log.borrow();
        for i in 0..5 {
            assert_eq!(log[2 * i], format!("start{i}"));
            assert_eq!(log[2 * i + 1], format!("end{i}"));
        }
        assert_eq!(locks.depth("a"), 0);
    }

    #[test]
    fn dropped_waiter_passes_the_lock_on() {
        let locks = KeyedLocks::new();
        let g = block_on(locks.lock("k"));
        let mut waiting = Box::pin(locks.lock("k"));
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        assert_eq!(locks.depth("k"), 2);
        drop(g); // grants to `waiting`
        drop(waiting); // gives it up without taking it
        assert_eq!(locks.depth("k"), 0);
        let _g2 = block_on(locks.lock("k"));
    }

    #[test]
    fn idle_keys_are_pruned_and_held_ones_kept() {
        let locks = KeyedLocks::new();
        let held = block_on(locks.lock("held"));
        for i in 0..(PRUNE_AT * 3) {
            drop(block_on(locks.lock(&format!("k{i}"))));
        }
        assert!(locks.map.borrow().len() <= PRUNE_AT + 1, "{}", locks.map.borrow().len());
        assert_eq!(locks.depth("held"), 1, "a held lock survives pruning");
        drop(held);
        let _again = block_on(locks.lock("held"));
    }

    #[test]
    fn join_all_keeps_order() {
        let out = block_on(join_all(vec![
            Box::pin(async { 1 }) as Pin<Box<dyn Future<Output = i32>>>,
            Box::pin(async {
                Yield(false).await;
                2
            }),
        ]));
        assert_eq!(out, vec![1, 2]);
    }
}

/// A cancellation flag shared between a run and whoever may cancel it.
#[derive(Clone, Default)]
pub struct CancelFlag(Rc<CancelState>);

#[derive(Default)]
struct CancelState {
    cancelled: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

impl CancelFlag {
    pub fn cancel(&self) {
        self.0.cancelled.set(true);
        let wakers: Vec<Waker> = self.0.wakers.borrow_mut().drain(..).collect();
        for w in wakers {
            w.wake();
        }
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.get()
    }
    /// Resolves when the flag is set.
    pub fn cancelled(&self) -> Cancelled {
        Cancelled(self.clone())
    }
}

pub struct Cancelled(CancelFlag);

impl Future for Cancelled {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.is_cancelled() {
            Poll::Ready(())
        } else {
            self.0 .0.wakers.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// Runs `fut` unless `flag` is set first: `None` when cancelled (`fut` is dropped).
pub async fn unless_cancelled<F: Future>(fut: F, flag: &CancelFlag) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut cancelled = flag.cancelled();
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if Pin::new(&mut cancelled).poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

pub enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Runs two futures side by side; the first to finish wins and the other is dropped.
pub async fn race<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    })
    .await
}
