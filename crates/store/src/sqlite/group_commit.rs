//! Group commit for SQLite. SQLite has one writer at a time and a durable commit costs an
//! fsync, so one commit per use case caps writes at the disk's fsync rate. Instead, the
//! writers of this process take turns, first come first served, on one connection inside
//! one shared transaction: each turn runs in its own savepoint, which is released when the
//! use case commits or rolled back when it fails or is dropped. The shared transaction
//! commits — one fsync for the whole group — as soon as nobody else is waiting (or the group
//! is full), and every writer of the group hears the outcome of that commit before its
//! `commit()` returns, so nothing is acknowledged before it is on disk.
//!
//! A use case's reads see the earlier turns of its group (they ran before it, in order), and
//! if the shared commit fails every turn of the group fails with it: no writer is ever told
//! "done" for a change that is not durable.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::db::{StoreError, StoreResult, is_busy_code};

/// Most turns one shared transaction takes before it commits.
const MAX_GROUP: usize = 256;
/// Longest a shared transaction stays open while new turns keep arriving.
const MAX_GROUP_AGE: Duration = Duration::from_millis(25);

/// How the shared commit of a group went, told to every turn of it.
type Durable = Result<(), Arc<sqlx::Error>>;

/// A writer asking for its turn.
type Request = oneshot::Sender<StoreResult<Turn>>;

/// How a turn hands the connection back.
enum Outcome {
    /// The turn is done: release its savepoint; tell the sender when the group is durable.
    Released(oneshot::Sender<Durable>),
    /// The turn failed or was dropped; its savepoint must be rolled back.
    Abandoned,
}

struct Returned {
    conn: PoolConnection<Sqlite>,
    outcome: Outcome,
}

/// The queue of one process's SQLite writers.
#[derive(Clone, Debug)]
pub struct GroupCommit {
    requests: mpsc::UnboundedSender<Request>,
    writer: SqlitePool,
}

impl GroupCommit {
    /// Starts the task that runs the groups on the connection of `writer` (a pool of one),
    /// and the one that checkpoints the log through `readers`.
    pub fn start(writer: SqlitePool, readers: SqlitePool) -> Self {
        let (requests, rx) = mpsc::unbounded_channel();
        let written = Arc::new(AtomicBool::new(false));
        tokio::spawn(checkpoint_log(readers, written.clone()));
        tokio::spawn(run_groups(writer.clone(), rx, written));
        Self { requests, writer }
    }

    /// Closes the writer's connection once the group it runs is done.
    pub async fn close(&self) {
        self.writer.close().await;
    }

    /// Waits for this writer's turn.
    pub async fn turn(&self) -> StoreResult<Turn> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .send(tx)
            .map_err(|_| closed("the database is closed"))?;
        rx.await
            .map_err(|_| closed("the database writer stopped"))?
    }
}

fn closed(what: &str) -> StoreError {
    StoreError::Other(sqlx::Error::Protocol(what.to_owned()))
}

/// One writer's turn on the shared connection, inside its own savepoint. Dropping it
/// without [`Turn::commit`] rolls the savepoint back.
pub struct Turn {
    /// The connection, and where to hand it back; taken only by commit and drop.
    held: Option<(PoolConnection<Sqlite>, oneshot::Sender<Returned>)>,
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Turn")
    }
}

impl Turn {
    fn hand_back(&mut self, outcome: Outcome) {
        if let Some((conn, back)) = self.held.take() {
            // If the group runner is gone the connection simply returns to the pool, and
            // SQLite rolls back the open transaction when it is reused or closed.
            let _ = back.send(Returned { conn, outcome });
        }
    }

    /// Ends this turn (the group runner releases its savepoint, in the same round trip as
    /// it opens the next one) and waits until the group it belongs to is durable.
    pub async fn commit(mut self) -> StoreResult<()> {
        if self.held.is_none() {
            return Err(closed("the turn has no connection"));
        }
        let (tx, rx) = oneshot::channel();
        self.hand_back(Outcome::Released(tx));
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(shared_error(&e)),
            Err(_) => Err(closed("the database writer stopped before committing")),
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.hand_back(Outcome::Abandoned);
    }
}

impl Deref for Turn {
    type Target = SqliteConnection;

    #[allow(clippy::expect_used)] // the connection is only taken by commit and drop
    fn deref(&self) -> &SqliteConnection {
        self.held
            .as_ref()
            .map(|(c, _)| &**c)
            .expect("a live turn holds the connection")
    }
}

impl DerefMut for Turn {
    #[allow(clippy::expect_used)] // the connection is only taken by commit and drop
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.held
            .as_mut()
            .map(|(c, _)| &mut **c)
            .expect("a live turn holds the connection")
    }
}

/// The shared commit's error, as each turn of the group reports it.
fn shared_error(e: &sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = e
        && db.code().is_some_and(|c| is_busy_code(&c))
    {
        return StoreError::Busy;
    }
    StoreError::Other(sqlx::Error::Protocol(format!(
        "the shared commit failed: {e}"
    )))
}

/// Runs `sql` (one statement or several, without parameters) in one round trip to the
/// connection's thread.
async fn exec(conn: &mut PoolConnection<Sqlite>, sql: &'static str) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    conn.execute(sql).await.map(drop)
}

/// How often the write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copies the write-ahead log back into the database file in the background, so that a
/// commit does not stop to do it (SQLite's own checkpoint, run by whichever commit fills
/// the log, stays as a backstop: `wal_autocheckpoint` in `db`). A passive checkpoint waits
/// for nobody: it copies what no reader still needs while writers go on.
/// `written` says a group committed since the last pass; an idle database is left alone.
async fn checkpoint_log(pool: SqlitePool, written: Arc<AtomicBool>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if !written.swap(false, Ordering::AcqRel) {
            continue;
        }
        // (busy, frames in the log, frames copied): a reader still holding frames leaves
        // some behind, so the next pass tries again.
        match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await
        {
            Ok((_, log, copied)) if copied < log => written.store(true, Ordering::Release),
            Ok(_) => {}
            Err(e) => {
                if pool.is_closed() {
                    return;
                }
                written.store(true, Ordering::Release);
                tracing::warn!(error = %e, "checkpointing the write-ahead log failed; commits will");
            }
        }
    }
}

/// Runs groups until every handle to the queue is gone.
async fn run_groups(
    pool: SqlitePool,
    mut requests: mpsc::UnboundedReceiver<Request>,
    written: Arc<AtomicBool>,
) {
    while let Some(first) = requests.recv().await {
        let mut conn = match pool.acquire().await {
            Ok(c) => c,
            Err(e) => {
                let _ = first.send(Err(e.into()));
                continue;
            }
        };
        if let Err(e) = exec(&mut conn, "BEGIN IMMEDIATE").await {
            let _ = first.send(Err(e.into()));
            continue;
        }
        if run_group(conn, first, &mut requests).await {
            written.store(true, Ordering::Release);
        }
    }
}

/// One shared transaction: turns in order until nobody waits, then one commit. Returns
/// whether it committed.
async fn run_group(
    conn: PoolConnection<Sqlite>,
    first: Request,
    requests: &mut mpsc::UnboundedReceiver<Request>,
) -> bool {
    let started = Instant::now();
    let mut conn = Some(conn);
    let mut durable: Vec<oneshot::Sender<Durable>> = Vec::new();
    let mut failure: Option<sqlx::Error> = None;
    let mut next = Some(first);
    // Whether the last turn's savepoint still waits to be released (with the next one's
    // opening, or by the commit).
    let mut unreleased = false;
    while let Some(request) = next.take() {
        let Some(mut c) = conn.take() else { break };
        let open = if unreleased {
            "RELEASE SAVEPOINT turn; SAVEPOINT turn"
        } else {
            "SAVEPOINT turn"
        };
        if let Err(e) = exec(&mut c, open).await {
            let _ = request.send(Err(StoreError::from(sqlx::Error::Protocol(format!(
                "cannot open a savepoint: {e}"
            )))));
            failure = Some(e);
            conn = Some(c);
            break;
        }
        let (back, returned) = oneshot::channel();
        // A writer that stopped waiting drops the turn, which hands the connection back.
        let _ = request.send(Ok(Turn {
            held: Some((c, back)),
        }));
        let Ok(Returned {
            conn: mut c,
            outcome,
        }) = returned.await
        else {
            // The connection was lost with the turn: nothing of this group can commit.
            failure = Some(sqlx::Error::Protocol("a writer lost the connection".into()));
            break;
        };
        match outcome {
            Outcome::Released(done) => {
                durable.push(done);
                unreleased = true;
            }
            Outcome::Abandoned => {
                unreleased = false;
                let undone = exec(&mut c, "ROLLBACK TO SAVEPOINT turn; RELEASE SAVEPOINT turn");
                if let Err(e) = undone.await {
                    failure = Some(e);
                    conn = Some(c);
                    break;
                }
            }
        }
        conn = Some(c);
        if durable.len() >= MAX_GROUP || started.elapsed() >= MAX_GROUP_AGE {
            break;
        }
        // Writers that are about to ask get a moment to join this group.
        tokio::task::yield_now().await;
        next = requests.try_recv().ok();
    }
    finish_group(conn, failure, durable).await
}

/// Ends a group: commits when every turn went well (else rolls back), and tells every
/// turn's writer how the commit went. Returns whether it committed.
async fn finish_group(
    mut conn: Option<PoolConnection<Sqlite>>,
    failure: Option<sqlx::Error>,
    durable: Vec<oneshot::Sender<Durable>>,
) -> bool {
    let result = match (conn.as_mut(), failure) {
        (Some(c), None) => match exec(c, "COMMIT").await {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = exec(c, "ROLLBACK").await;
                Err(Arc::new(e))
            }
        },
        (Some(c), Some(e)) => {
            let _ = exec(c, "ROLLBACK").await;
            Err(Arc::new(e))
        }
        (None, Some(e)) => Err(Arc::new(e)),
        (None, None) => Err(Arc::new(sqlx::Error::Protocol(
            "a writer lost the connection".into(),
        ))),
    };
    if result.is_err()
        && let Some(c) = conn.as_mut()
    {
        // Never hand the pool a connection whose transaction state is in doubt.
        c.close_on_drop();
    }
    drop(conn);
    let committed = result.is_ok();
    for d in durable {
        let _ = d.send(result.clone());
    }
    committed
}
