//! SQLite's one writer, with group commit.
//!
//! SQLite lets one connection write at a time, and with `synchronous=FULL` every commit waits
//! for the disk. Left to the pool, eight connections race for the write lock: the losers sleep
//! in SQLite's busy handler (1, 2, 5, 10 … 100 ms, whatever the lock's holder needs) and every
//! winner pays its own fsync. Here the busy paths' writes (issuing and redeeming match tokens,
//! check-ins) are queued to one task with its own connection. It takes what is queued, runs each
//! piece of work in a savepoint of one `BEGIN IMMEDIATE` transaction — so a piece that fails or
//! asks to roll back undoes only itself — commits once, and only then answers every caller. An
//! answer still means "on disk": durability and each piece's all-or-nothing are unchanged, and
//! a batch costs one fsync however many check-ins it holds.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::FutureExt;
use sqlx::sqlite::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::Tx;

/// At most this many pieces of work share one commit.
const MAX_BATCH: usize = 64;

/// What a piece of work decided: keep its writes (and answer `T`), or undo them and still
/// answer `T` (the caller learns why from `T`).
pub enum Written<T> {
    Keep(T),
    Undo(T),
}

pub type WorkFuture<'a, T> = Pin<Box<dyn Future<Output = Result<Written<T>, sqlx::Error>> + Send + 'a>>;

/// One queued piece of work, its result type erased.
trait Job: Send {
    /// Runs the work in the open transaction; true when its writes are to be kept.
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
    /// Answers the caller once the batch's fate is known (`Err`: nothing of it was committed).
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

struct Pending<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, sqlx::Error>>,
    reply: oneshot::Sender<Result<T, sqlx::Error>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send + 'static,
    F: for<'a> FnOnce(&'a mut Tx) -> WorkFuture<'a, T> + Send + 'static,
{
    fn run<'a>(&'a mut self, tx: &'a mut Tx) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move {
            let Some(work) = self.work.take() else { return false };
            // A panic undoes this piece only; the caller hears of an error.
            let result = AssertUnwindSafe(work(tx)).catch_unwind().await;
            let (keep, outcome) = match result {
                Ok(Ok(Written::Keep(value))) => (true, Ok(value)),
                Ok(Ok(Written::Undo(value))) => (false, Ok(value)),
                Ok(Err(error)) => (false, Err(error)),
                Err(_) => (false, Err(sqlx::Error::Protocol("the write panicked".into()))),
            };
            self.outcome = Some(outcome);
            keep
        })
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let answer = match (committed, self.outcome) {
            // An error of the piece itself is its answer, whatever became of the batch.
            (_, Some(Err(error))) => Err(error),
            (Ok(()), Some(Ok(value))) => Ok(value),
            (Err(why), _) => Err(sqlx::Error::Protocol(format!("not committed: {why}"))),
            (Ok(()), None) => Err(sqlx::Error::Protocol("the write did not run".into())),
        };
        // The caller may have gone (its request was cancelled): nothing to tell.
        let _ = self.reply.send(answer);
    }
}

/// The queue to the writer task (cheap to clone).
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::UnboundedSender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer task on `pool`, a pool of exactly one connection kept for it.
    pub fn start(pool: SqlitePool) -> Self {
        let (queue, jobs) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, jobs));
        Writer { queue }
    }

    /// Runs `work` in the next batch; returns after that batch committed (or failed).
    pub async fn write<T, F>(&self, work: F) -> Result<T, sqlx::Error>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(&'a mut Tx) -> WorkFuture<'a, T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Pending {
            work: Some(work),
            outcome: None,
            reply,
        });
        self.queue.send(job).map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn run(pool: SqlitePool, mut jobs: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(MAX_BATCH);
    // Waits for work, then takes whatever else queued meanwhile (while the last batch was
    // on its way to the disk): no timer, so a lone check-in never waits for company.
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let committed = run_batch(&pool, &mut batch).await.map_err(|e| e.to_string());
        if let Err(why) = &committed {
            tracing::warn!(error = %why, jobs = batch.len(), "writer: a batch was not committed");
        }
        for job in batch.drain(..) {
            job.finish(committed.clone());
        }
    }
}

/// One transaction for the batch, one savepoint per piece, one commit.
async fn run_batch(pool: &SqlitePool, batch: &mut [Box<dyn Job>]) -> Result<(), sqlx::Error> {
    // IMMEDIATE: the write lock is taken at BEGIN, so nothing read later can be overtaken by
    // another connection's write (the pool's other writers wait in the busy handler instead).
    let mut tx = Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?);
    control(&mut tx, "SAVEPOINT piece").await?;
    let last = batch.len().saturating_sub(1);
    for (index, job) in batch.iter_mut().enumerate() {
        let keep = job.run(&mut tx).await;
        // Each piece's end and the next one's savepoint in one call to the connection's
        // thread; the last piece's writes are kept by COMMIT itself.
        match (keep, index == last) {
            (true, true) => {}
            (true, false) => control(&mut tx, "RELEASE piece; SAVEPOINT piece").await?,
            (false, true) => control(&mut tx, "ROLLBACK TO piece").await?,
            (false, false) => control(&mut tx, "ROLLBACK TO piece; RELEASE piece; SAVEPOINT piece").await?,
        }
    }
    tx.commit().await
}

/// Boxed: a concrete `Send` future keeps the writer task's own future provably `Send`.
fn control<'a>(
    tx: &'a mut Tx,
    statements: &'static str,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'a>> {
    Box::pin(async move {
        if let Tx::Sqlite(c) = tx {
            // Without arguments SQLite runs every statement of the text, in order.
            sqlx::Executor::execute(&mut **c, statements).await?;
        }
        Ok(())
    })
}
