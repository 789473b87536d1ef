//! Test doubles for the provider tests: a platform with a virtual clock (sleeps wait for
//! virtual time, and every sleep the code under test asks for is recorded), an executor that
//! advances that clock when everything waits on a timer, and a scripted HTTP transport
//! (status, headers, body chunks, delays, cut bodies, network errors, timeouts).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use letta_wasm::llm::http::{Body, HttpError, HttpRequest, HttpResponse, HttpTransport};
use letta_wasm::platform::{BoxFut, Platform};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

pub struct Clock {
    now: Cell<f64>,
    timers: RefCell<Vec<f64>>,
    /// Every `Platform::sleep` requested (ms), in order.
    pub sleeps: RefCell<Vec<f64>>,
    rng: Cell<u64>,
    /// Background tasks (`Platform::spawn`), run by [`run`] beside the main future.
    tasks: RefCell<Vec<BoxFut<'static, ()>>>,
}

impl Clock {
    pub fn new(start_ms: f64) -> Rc<Clock> {
        Rc::new(Clock { now: Cell::new(start_ms), timers: RefCell::default(), sleeps: RefCell::default(), rng: Cell::new(42), tasks: RefCell::default() })
    }
    pub fn now(&self) -> f64 {
        self.now.get()
    }
    /// A timer on the virtual clock (not recorded as a requested sleep).
    pub fn timer(self: &Rc<Self>, ms: f64) -> Sleep {
        Sleep { deadline: self.now() + ms.max(0.0), clock: self.clone() }
    }
    pub fn sleeps(&self) -> Vec<f64> {
        self.sleeps.borrow().clone()
    }
}

pub struct Sleep {
    deadline: f64,
    clock: Rc<Clock>,
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.clock.now() >= self.deadline {
            Poll::Ready(())
        } else {
            self.clock.timers.borrow_mut().push(self.deadline);
            Poll::Pending
        }
    }
}

pub struct VirtualPlatform(pub Rc<Clock>);

impl Platform for VirtualPlatform {
    fn now_ms(&self) -> f64 {
        self.0.now()
    }
    fn fill_random(&self, buf: &mut [u8]) {
        for b in buf.iter_mut() {
            let mut z = self.0.rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            self.0.rng.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *b = (z ^ (z >> 31)) as u8;
        }
    }
    fn sleep(&self, ms: f64) -> BoxFut<'static, ()> {
        self.0.sleeps.borrow_mut().push(ms);
        Box::pin(self.0.timer(ms))
    }
    fn spawn(&self, task: BoxFut<'static, ()>) {
        self.0.tasks.borrow_mut().push(task);
    }
}

struct Flag(std::sync::atomic::AtomicBool);
impl std::task::Wake for Flag {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Runs `fut` (and spawned tasks) to completion; when everything waits on timers, jumps the
/// clock to the earliest one.
pub fn run<F: Future>(clock: &Rc<Clock>, fut: F) -> F::Output {
    use std::sync::atomic::Ordering;
    let mut fut = std::pin::pin!(fut);
    let flag = std::sync::Arc::new(Flag(std::sync::atomic::AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        flag.0.store(false, Ordering::SeqCst);
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        let mut tasks: Vec<BoxFut<'static, ()>> = clock.tasks.borrow_mut().drain(..).collect();
        tasks.retain_mut(|t| t.as_mut().poll(&mut cx).is_pending());
        clock.tasks.borrow_mut().extend(tasks);
        if flag.0.load(Ordering::SeqCst) {
            continue;
        }
        let next = clock.timers.borrow_mut().drain(..).fold(f64::INFINITY, f64::min);
        assert!(next.is_finite(), "the future waits on something that is not a timer");
        if next > clock.now() {
            clock.now.set(next);
        }
    }
}

/// One scripted HTTP exchange.
#[derive(Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub chunks: Vec<Vec<u8>>,
    /// Before the headers.
    pub delay_ms: f64,
    /// Before each chunk.
    pub chunk_delay_ms: f64,
    /// Instead of a response.
    pub fail: Option<HttpError>,
    /// After the chunks, instead of a clean end.
    pub end_with: Option<HttpError>,
}

impl Reply {
    pub fn json(status: u16, v: &Value) -> Reply {
        Reply { status, headers: vec![("content-type".into(), "application/json".into())], chunks: vec![v.to_string().into_bytes()], ..Reply::default() }
    }
    pub fn text(status: u16, t: &str) -> Reply {
        Reply { status, chunks: vec![t.as_bytes().to_vec()], ..Reply::default() }
    }
    /// An SSE body, `data:` per item (already-formatted frames when they start with "event:").
    pub fn sse(frames: &[String]) -> Reply {
        Reply { status: 200, headers: vec![("content-type".into(), "text/event-stream".into())], chunks: vec![frames.concat().into_bytes()], ..Reply::default() }
    }
    pub fn network(msg: &str) -> Reply {
        Reply { fail: Some(HttpError::Network(msg.into())), ..Reply::default() }
    }
    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_ascii_lowercase(), v.into()));
        self
    }
    /// The body as one byte string.
    pub fn body(&self) -> Vec<u8> {
        self.chunks.concat()
    }
    /// The same body cut into chunks at the given byte offsets.
    pub fn split_at(mut self, cuts: &[usize]) -> Reply {
        let body = self.body();
        let mut out = Vec::new();
        let mut last = 0;
        for &c in cuts {
            let c = c.min(body.len());
            if c > last {
                out.push(body[last..c].to_vec());
                last = c;
            }
        }
        out.push(body[last..].to_vec());
        self.chunks = out;
        self
    }
    /// Only the first `n` bytes of the body, then the connection breaks (or ends, if `clean`).
    pub fn cut(mut self, n: usize, clean: bool) -> Reply {
        let body = self.body();
        self.chunks = vec![body[..n.min(body.len())].to_vec()];
        if !clean {
            self.end_with = Some(HttpError::Network("connection reset".into()));
        }
        self
    }
}

pub fn data(v: &Value) -> String {
    format!("data: {v}\n\n")
}
pub fn event(name: &str, v: &Value) -> String {
    format!("event: {name}\ndata: {v}\n\n")
}

#[derive(Default)]
pub struct MockState {
    pub replies: RefCell<VecDeque<Reply>>,
    pub requests: RefCell<Vec<HttpRequest>>,
}

pub struct Mock {
    pub state: Rc<MockState>,
    pub clock: Rc<Clock>,
}

impl Mock {
    pub fn push(&self, r: Reply) {
        self.state.replies.borrow_mut().push_back(r);
    }
    pub fn requests(&self) -> Vec<HttpRequest> {
        self.state.requests.borrow().clone()
    }
    pub fn last_body(&self) -> Value {
        let reqs = self.requests();
        let last = reqs.last().expect("a request was sent");
        serde_json::from_str(last.body.as_deref().unwrap_or("null")).expect("the request body is JSON")
    }
    pub fn transport(&self) -> Rc<dyn HttpTransport> {
        Rc::new(Mock { state: self.state.clone(), clock: self.clock.clone() })
    }
}

struct MockBody {
    chunks: VecDeque<Vec<u8>>,
    delay: f64,
    timeout: f64,
    end_with: Option<HttpError>,
    clock: Rc<Clock>,
}

impl Body for MockBody {
    fn chunk(&mut self) -> BoxFut<'_, Result<Option<Vec<u8>>, HttpError>> {
        Box::pin(async move {
            if self.chunks.is_empty() {
                return match self.end_with.take() {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
            if self.delay > self.timeout {
                self.clock.timer(self.timeout).await;
                return Err(HttpError::Timeout);
            }
            self.clock.timer(self.delay).await;
            Ok(self.chunks.pop_front())
        })
    }
}

impl HttpTransport for Mock {
    fn send(&self, req: HttpRequest) -> BoxFut<'static, Result<HttpResponse, HttpError>> {
        let timeout = req.timeout_ms;
        self.state.requests.borrow_mut().push(req);
        let reply = self.state.replies.borrow_mut().pop_front();
        let clock = self.clock.clone();
        Box::pin(async move {
            let Some(r) = reply else {
                return Err(HttpError::Network("the mock has no reply left".into()));
            };
            if r.delay_ms > timeout {
                clock.timer(timeout).await;
                return Err(HttpError::Timeout);
            }
            clock.timer(r.delay_ms).await;
            if let Some(e) = r.fail {
                return Err(e);
            }
            Ok(HttpResponse {
                status: r.status,
                headers: r.headers,
                body: Box::new(MockBody { chunks: r.chunks.into(), delay: r.chunk_delay_ms, timeout, end_with: r.end_with, clock }),
            })
        })
    }
}
