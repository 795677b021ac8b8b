//! The pool of Web Workers the `workers` and `async-workers` strategies send work to.
//!
//! Each worker is a module worker running `www/worker.js`, which loads its own instance of this
//! wasm module: like a process in the article's `ProcessPoolExecutor`, it shares no memory with
//! the page, and everything it gets or returns is copied by `postMessage`.
//!
//! The pool lives as long as the page and only grows: starting a worker (fetch and compile the
//! wasm, run its start function) takes tens of milliseconds, and is done before the clock
//! starts — like a pool created once at start-up — so a point measures the work, not the start.
//! A [`Crew`] hands out the first W workers to one run, one job per worker at a time.
//!
//! Payloads cross as the article's pickling does: serialised on one side, deserialised on the
//! other. Here that is a copy out of the sender's wasm memory into a JS buffer, the buffer
//! *transferred* (not cloned) with the message, and a copy into the receiver's wasm memory.
//! Both copies are timed and counted in the outcome (`copied`), on the way in
//! (a compute job's payload) and on the way back (the features a worker returns with its
//! result, as the native `processes` strategy does).

use crate::browser::error_text;
use crate::trace::{self, RepeatClock};
use crate::wire::{Job, add_copies};
use futures::channel::oneshot;
use gilwall_core::task::{Clock, Copied, TaskOutcome};
use gilwall_core::timeline::{Lane, Span, SpanKind};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType};

/// The worker script, relative to the page.
pub const WORKER_SCRIPT: &str = "worker.js";

type Reply = Result<JsValue, String>;
type ReplySlot = Rc<RefCell<Option<oneshot::Sender<Reply>>>>;
/// The replies awaited by tagged jobs (several in flight at once), by the job's `id`.
type Tagged = Rc<RefCell<HashMap<u64, oneshot::Sender<Reply>>>>;

/// One worker and the channel its next reply goes to: the one job in flight ([`Member::ask`]),
/// or, for a worker that serves many at once ([`Member::ask_tagged`]), each job's by its id.
pub(crate) struct Member {
    worker: Worker,
    reply: ReplySlot,
    tagged: Tagged,
    next_id: Cell<u64>,
    // Kept alive as long as the worker: the browser calls them.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Member {
    /// Starts a module worker running `script`; its first message (`{ready: true}`) arrives on
    /// the returned receiver.
    pub(crate) fn spawn(script: &str) -> Result<(Member, oneshot::Receiver<Reply>), String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(script, &options)
            .map_err(|e| format!("cannot start a Web Worker: {}", error_text(&e)))?;
        let reply: ReplySlot = Rc::new(RefCell::new(None));
        let (tx, rx) = oneshot::channel();
        *reply.borrow_mut() = Some(tx);

        let tagged: Tagged = Rc::new(RefCell::new(HashMap::new()));
        let slot = reply.clone();
        let waiting = tagged.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            let error = js_sys::Reflect::get(&data, &"error".into())
                .ok()
                .filter(|v| !v.is_undefined());
            let id = js_sys::Reflect::get(&data, &"id".into())
                .ok()
                .and_then(|v| v.as_f64());
            let reply = match error {
                Some(err) => Err(error_text(&err)),
                None => Ok(data),
            };
            // A reply nobody waits for (a run that was dropped, a request that timed out) is
            // simply discarded.
            let tx = match id {
                Some(id) => waiting.borrow_mut().remove(&(id as u64)),
                None => slot.borrow_mut().take(),
            };
            if let Some(tx) = tx {
                let _ = tx.send(reply);
            }
        });
        let slot = reply.clone();
        let waiting = tagged.clone();
        let name = script.split('?').next().unwrap_or(script).to_string();
        let on_error = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
            e.prevent_default();
            // An error thrown inside the worker arrives as an ErrorEvent with a message; a
            // script or module import that failed to load arrives as a plain Event.
            let what = match e.dyn_ref::<ErrorEvent>() {
                Some(e) => e.message(),
                None => "it could not load its script or a module the script imports".into(),
            };
            let msg = format!(
                "a Web Worker failed: {what} (is {name} served next to the page, with its wasm built by `cargo xtask web`?)"
            );
            // Every job in flight fails with it: the worker will not answer them.
            let mut txs: Vec<_> = slot.borrow_mut().take().into_iter().collect();
            txs.extend(waiting.borrow_mut().drain().map(|(_, tx)| tx));
            for tx in txs {
                let _ = tx.send(Err(msg.clone()));
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok((
            Member {
                worker,
                reply,
                tagged,
                next_id: Cell::new(0),
                _on_message: on_message,
                _on_error: on_error,
            },
            rx,
        ))
    }

    /// Posts `{job, body, origin}` — `body`'s buffer transferred, not cloned; `origin` the
    /// repeat's start in epoch ms, for the worker's spans — and waits for the reply.
    pub(crate) async fn ask(
        &self,
        job: String,
        body: Option<js_sys::Uint8Array>,
        origin: f64,
    ) -> Result<JsValue, String> {
        let (tx, rx) = oneshot::channel();
        *self.reply.borrow_mut() = Some(tx);
        let message = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&message, &k.into(), v);
        set("job", &job.into()).map_err(|e| error_text(&e))?;
        set("origin", &origin.into()).map_err(|e| error_text(&e))?;
        let transfer = js_sys::Array::new();
        if let Some(body) = body {
            transfer.push(&body.buffer());
            set("body", &body.into()).map_err(|e| error_text(&e))?;
        }
        self.worker
            .post_message_with_transfer(&message, &transfer)
            .map_err(|e| format!("cannot post to a Web Worker: {}", error_text(&e)))?;
        rx.await
            .map_err(|_| "a Web Worker went away mid-job".to_string())?
    }

    /// Posts `{job, origin, id}` with an id of its own and waits for the reply carrying that
    /// `id`: for a worker that serves many jobs at once and answers each when it is done (the
    /// wasm-threads driver in load mode).
    pub(crate) async fn ask_tagged(&self, job: String, origin: f64) -> Result<JsValue, String> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let (tx, rx) = oneshot::channel();
        self.tagged.borrow_mut().insert(id, tx);
        let message = js_sys::Object::new();
        let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&message, &k.into(), v);
        set("job", &job.into()).map_err(|e| error_text(&e))?;
        set("origin", &origin.into()).map_err(|e| error_text(&e))?;
        // Ids stay far below 2^53, so they cross as JavaScript numbers exactly.
        set("id", &(id as f64).into()).map_err(|e| error_text(&e))?;
        if let Err(e) = self.worker.post_message(&message) {
            self.tagged.borrow_mut().remove(&id);
            return Err(format!("cannot post to a Web Worker: {}", error_text(&e)));
        }
        rx.await
            .map_err(|_| "a Web Worker went away mid-job".to_string())?
    }

    /// Stops the worker at once.
    pub(crate) fn terminate(&self) {
        self.worker.terminate();
    }
}

/// Every worker the page has started.
#[derive(Default)]
pub struct Pool {
    members: RefCell<Vec<Rc<Member>>>,
}

thread_local! {
    static POOL: Rc<Pool> = Rc::new(Pool::default());
}

impl Pool {
    /// The page's pool.
    pub fn get() -> Rc<Pool> {
        POOL.with(Rc::clone)
    }

    /// Workers started so far.
    pub fn len(&self) -> usize {
        self.members.borrow().len()
    }

    /// Whether no worker has been started yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts workers until there are at least `n`, and waits until each new one is ready.
    pub async fn ensure(&self, n: usize) -> Result<(), String> {
        let mut ready = Vec::new();
        while self.len() + ready.len() < n {
            let (member, rx) = Member::spawn(WORKER_SCRIPT)?;
            ready.push((Rc::new(member), rx));
        }
        let mut started = Vec::new();
        for (member, rx) in ready {
            match rx.await {
                Ok(Ok(_)) => started.push(member),
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err("a Web Worker went away while starting".into()),
            }
        }
        self.members.borrow_mut().extend(started);
        Ok(())
    }

    /// Sends `job` (with `body` for a compute job) to worker `i` and waits for its outcome, with
    /// the copies the page made (body out, features back) added to the worker's own, and every
    /// span on `clock`: the worker's on its lane ([`Lane::WebWorker`] `i`), the page's copies on
    /// the main thread.
    async fn call(
        &self,
        i: usize,
        job: &Job,
        body: Option<&[u8]>,
        clock: RepeatClock,
    ) -> Result<TaskOutcome, String> {
        // `i` comes from a Crew, whose indices are below the pool's length at its creation, and
        // the pool never shrinks.
        let member = self.members.borrow()[i].clone();
        let lane = Lane::WebWorker(i as u32);
        let mut spans = Vec::new();
        let (mut copy_ms, mut copied_bytes) = (0.0, 0u64);
        let body = body.map(|b| {
            let t0 = clock.now_ms();
            let out = js_sys::Uint8Array::from(b);
            let t1 = clock.now_ms();
            spans.push(Span::new(SpanKind::Copy, Lane::MainThread, t0, t1));
            copy_ms += t1 - t0;
            copied_bytes += b.len() as u64;
            out
        });
        // A job is plain data and always serialises.
        let text = serde_json::to_string(job).expect("a job always serialises");
        let sent = clock.now_ms();
        let reply = member.ask(text, body, clock.start_epoch_ms).await?;
        let replied = clock.now_ms();
        let get = |k: &str| js_sys::Reflect::get(&reply, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let text = get("outcome")
            .as_string()
            .ok_or_else(|| format!("a Web Worker replied {}", error_text(&reply)))?;
        let mut outcome: TaskOutcome = serde_json::from_str(&text)
            .map_err(|e| format!("a Web Worker replied nonsense: {e}"))?;
        let mut theirs: Vec<Span> = std::mem::take(&mut outcome.spans)
            .into_iter()
            .map(|s| s.on(lane))
            .collect();
        trace::fit(&mut theirs, sent, replied);
        spans.extend(theirs);
        if let Ok(features) = get("features").dyn_into::<js_sys::Uint8Array>() {
            // The parent takes the features into its own heap, as the article's parent
            // unpickles a process's result.
            let t0 = clock.now_ms();
            let features = features.to_vec();
            let t1 = clock.now_ms();
            spans.push(Span::new(SpanKind::Copy, Lane::MainThread, t0, t1));
            copy_ms += t1 - t0;
            copied_bytes += features.len() as u64;
        }
        outcome.copied = Some(add_copies(
            outcome.copied,
            Copied {
                bytes: copied_bytes,
                ms: copy_ms,
            },
        ));
        Ok(outcome.with_spans(spans))
    }
}

/// The workers lent to one run: the pool's first `size`, each doing one job at a time, handed
/// out first come, first served.
pub struct Crew {
    pool: Rc<Pool>,
    free: RefCell<VecDeque<usize>>,
    waiting: RefCell<VecDeque<oneshot::Sender<usize>>>,
}

impl Crew {
    /// A crew of the pool's first `size` workers; the pool must already have them
    /// ([`Pool::ensure`]). An empty crew is refused: its tasks would wait forever.
    pub fn new(pool: Rc<Pool>, size: usize) -> Result<Crew, String> {
        let size = size.min(pool.len());
        if size == 0 {
            return Err("no Web Worker has been started for this run".into());
        }
        Ok(Crew {
            pool,
            free: RefCell::new((0..size).collect()),
            waiting: RefCell::new(VecDeque::new()),
        })
    }

    /// Runs `job` on the next free worker, waiting for one if all are busy; spans on `clock`.
    /// `ready` is when the task was ready for its CPU half (a compute job's body in): a wait
    /// for a free worker from then shows as `wait-cpu` on the worker's lane.
    pub async fn run(
        &self,
        job: Job,
        body: Option<&[u8]>,
        clock: RepeatClock,
        ready: Option<f64>,
    ) -> Result<TaskOutcome, String> {
        let i = self.acquire().await?;
        let got = clock.now_ms();
        let out = self.pool.call(i, &job, body, clock).await;
        self.release(i);
        let wait = ready
            .filter(|&at| got - at > 0.2)
            .map(|at| Span::new(SpanKind::WaitCpu, Lane::WebWorker(i as u32), at, got));
        out.map(|o| o.with_spans(wait))
    }

    async fn acquire(&self) -> Result<usize, String> {
        if let Some(i) = self.free.borrow_mut().pop_front() {
            return Ok(i);
        }
        let (tx, rx) = oneshot::channel();
        self.waiting.borrow_mut().push_back(tx);
        rx.await
            .map_err(|_| "the worker crew was dropped while a task waited".to_string())
    }

    fn release(&self, i: usize) {
        let mut waiting = self.waiting.borrow_mut();
        while let Some(tx) = waiting.pop_front() {
            // A waiter whose task was dropped refuses the worker; pass it on.
            if tx.send(i).is_ok() {
                return;
            }
        }
        self.free.borrow_mut().push_back(i);
    }
}
