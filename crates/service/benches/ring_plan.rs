//! Ring-plan latency for a department of 1,000 members, per routing method: the pure
//! domain computation on members already in memory, and the whole service call (one read
//! snapshot of the department, its members, their last answered calls and the rotation,
//! then the plan). Runs on a file-backed SQLite database, and on PostgreSQL too when
//! `SWITCHBOARD_TEST_POSTGRES_URL` names an administrative URL (a fresh database is made).
//!
//! `cargo bench -p switchboard-service --bench ring_plan`

use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::routing::{Candidate, ring_plan};
use switchboard_domain::schedule::SlotText;
use switchboard_domain::{
    Availability, DepartmentId, Email, ExtensionRange, Fallback, FieldError, Name, NewUser,
    NewUserInput, Plan, RoutingMethod, TimeZoneName, UserId, UserPatch, WeeklySchedule,
};
use switchboard_service::accounts::NewAccount;
use switchboard_service::calls::NewCall;
use switchboard_service::departments::{DepartmentPatch, NewDepartment};
use switchboard_service::{Ctx, Switchboard};
use switchboard_store::{Db, Reads, calls, departments};
use switchboard_testkit::{Backend, POSTGRES_URL_ENV, TestApp};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const MEMBERS: usize = 1_000;
const ANSWERED_CALLS: usize = 300;
const DOMAIN_WARMUP: usize = 50;
const DOMAIN_ITERATIONS: usize = 1_000;
const SERVICE_WARMUP: usize = 20;
const SERVICE_ITERATIONS: usize = 200;
const SETTLE: usize = 100;

const TIME_ZONES: [&str; 6] = [
    "Asia/Kolkata",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "UTC",
    "America/Los_Angeles",
];

const METHODS: [RoutingMethod; 4] = [
    RoutingMethod::RingAll,
    RoutingMethod::Sequential,
    RoutingMethod::RoundRobin,
    RoutingMethod::LongestIdle,
];

/// One line of the results table.
struct Row {
    backend: &'static str,
    method: RoutingMethod,
    layer: &'static str,
    ringing: usize,
    excluded: usize,
    samples: Vec<Duration>,
}

/// A department of [`MEMBERS`] members in an account of its own, with calls recorded.
struct Fixture {
    app: TestApp,
    ctx: Ctx,
    department: DepartmentId,
    at: Timestamp,
}

/// A field that must parse, as a bench error when it does not.
fn field<T>(parsed: Result<T, FieldError>) -> BenchResult<T> {
    parsed.map_err(|e| format!("{e:?}").into())
}

fn weekdays(start: &str, end: &str) -> BTreeMap<String, Vec<SlotText>> {
    ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| {
            let slot = SlotText {
                start: start.to_owned(),
                end: end.to_owned(),
            };
            ((*d).to_owned(), vec![slot])
        })
        .collect()
}

/// Member `i` of the department: a deterministic mix of call hours (office hours, a night
/// shift crossing midnight, or any time), time zones, receive calls off and pending
/// invites. Availability and deactivation are applied after adding.
fn member_input(i: usize) -> NewUserInput {
    let call_hours = if i.is_multiple_of(3) {
        Some(weekdays("09:00", "17:00"))
    } else if i % 7 == 1 {
        Some(weekdays("22:00", "06:00"))
    } else {
        None
    };
    NewUserInput {
        name: Some(format!("Agent {i:04}")),
        email: Some(format!("agent{i:04}@bench.example.com")),
        panel_access: Some(i % 25 == 3),
        receive_calls: Some(!i.is_multiple_of(20)),
        call_hours,
        time_zone: Some(TIME_ZONES[i % TIME_ZONES.len()].to_owned()),
        ..NewUserInput::default()
    }
}

fn availability(i: usize) -> Option<Availability> {
    if i % 8 == 5 {
        Some(Availability::Busy)
    } else if i % 13 == 2 {
        Some(Availability::Away)
    } else if i % 17 == 4 {
        Some(Availability::Offline)
    } else {
        None
    }
}

async fn fixture(backend: Backend) -> BenchResult<Option<Fixture>> {
    let Some(app) = TestApp::new(backend).await else {
        return Ok(None);
    };
    let setup = Instant::now();
    let ctx = owner_ctx(&app.sb).await?;
    let members = add_members(&app.sb, &ctx).await?;
    let department = create_support(&app.sb, &ctx, &members).await?;
    let at = app.sb.now();
    record_calls(&app.sb, &ctx, department, &members, at).await?;
    // Deactivated last, so some of them have answered calls too.
    for (i, id) in members.iter().enumerate() {
        if i % 10 == 7 {
            app.sb.deactivate_user(&ctx, *id, None).await?;
        }
    }
    // A live PostgreSQL has planner statistics (autovacuum gathers them); right after a bulk
    // load it may have none yet, and the member queries then take several times longer.
    if let Db::Postgres(pool) = app.sb.db() {
        sqlx::query("ANALYZE").execute(pool).await?;
    }
    eprintln!(
        "{}: {MEMBERS} members and {ANSWERED_CALLS} calls set up in {:.1} s",
        backend_name(backend),
        setup.elapsed().as_secs_f64()
    );
    Ok(Some(Fixture {
        app,
        ctx,
        department,
        at,
    }))
}

/// A new account, its owner signed up; answers the owner acting on it.
async fn owner_ctx(sb: &Switchboard) -> BenchResult<Ctx> {
    let created = sb
        .create_account(
            NewAccount {
                name: field(Name::parse("name", "Bench Telecom"))?,
                plan: Plan::Pro,
                seat_limit: 100,
                extension_range: field(ExtensionRange::new(1000, 9999))?,
                time_zone: field(TimeZoneName::parse("time_zone", "Asia/Kolkata"))?,
                country: None,
                owner_name: field(Name::parse("name", "Olivia Owner"))?,
                owner_email: field(Email::parse("email", "owner@bench.example.com"))?,
            },
            "bench",
        )
        .await?;
    let token = created.setup_link.rsplit('/').next().unwrap_or_default();
    sb.accept_invite(token, "correct horse battery").await?;
    Ok(Ctx::user(created.account.id, created.owner.id, "bench"))
}

/// Adds the [`MEMBERS`] members, with their availability.
async fn add_members(sb: &Switchboard, ctx: &Ctx) -> BenchResult<Vec<UserId>> {
    let mut members: Vec<UserId> = Vec::with_capacity(MEMBERS);
    for i in 0..MEMBERS {
        let added = sb.add_user(ctx, NewUser::parse(&member_input(i))?).await?;
        let id = added.user.id;
        if let Some(a) = availability(i) {
            let patch = UserPatch {
                availability: Some(a),
                ..UserPatch::default()
            };
            sb.edit_user(ctx, id, patch, None).await?;
        }
        members.push(id);
    }
    Ok(members)
}

/// The ring-all department of every member.
async fn create_support(
    sb: &Switchboard,
    ctx: &Ctx,
    members: &[UserId],
) -> BenchResult<DepartmentId> {
    Ok(sb
        .create_department(
            ctx,
            NewDepartment {
                name: field(Name::parse("name", "Support"))?,
                routing_method: RoutingMethod::RingAll,
                ring_time_secs: 20,
                business_hours: WeeklySchedule::any_time(),
                time_zone: None,
                fallback: Fallback::Voicemail,
                members: members.to_vec(),
                managers: Vec::new(),
                external_id: None,
            },
        )
        .await?
        .id)
}

/// Answered inbound calls over the week before `at`, each by a different member.
async fn record_calls(
    sb: &Switchboard,
    ctx: &Ctx,
    department: DepartmentId,
    members: &[UserId],
    at: Timestamp,
) -> BenchResult<()> {
    for n in 0..ANSWERED_CALLS {
        let ended = at - SignedDuration::from_mins(i64::try_from(n)? * 29 + 5);
        sb.record_call(
            &Ctx::cli(ctx.account_id),
            NewCall {
                engine_call_id: format!("bench-call-{n}"),
                direction: "inbound".to_owned(),
                caller: "+14155550100".to_owned(),
                number: "+14155550199".to_owned(),
                department_id: Some(department),
                user_id: Some(members[(n * 37) % MEMBERS]),
                reached: None,
                started_at: ended - SignedDuration::from_mins(4),
                ended_at: ended,
                outcome: "answered".to_owned(),
            },
        )
        .await?;
    }
    Ok(())
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

async fn measure(backend: Backend, rows: &mut Vec<Row>) -> BenchResult<()> {
    let Some(f) = fixture(backend).await? else {
        return Ok(());
    };
    // Warm the caches before the first method is measured.
    for _ in 0..SETTLE {
        black_box(f.app.sb.ring_plan(&f.ctx, f.department, Some(f.at)).await?);
    }
    for method in METHODS {
        let patch = DepartmentPatch {
            routing_method: Some(method),
            ..DepartmentPatch::default()
        };
        f.app
            .sb
            .update_department(&f.ctx, f.department, patch)
            .await?;

        rows.push(domain_row(&f, backend, method).await?);
        rows.push(service_row(&f, backend, method).await?);
    }
    Ok(())
}

/// The pure ring-plan computation, on the inputs exactly as the service reads them.
async fn domain_row(f: &Fixture, backend: Backend, method: RoutingMethod) -> BenchResult<Row> {
    let account = f.ctx.account_id;
    let view = f.app.sb.ring_plan(&f.ctx, f.department, Some(f.at)).await?;
    let mut tx = f.app.sb.db().read().await?;
    let idle: HashMap<UserId, Timestamp> =
        calls::list_member_last_answered(&mut Reads::Tx(&mut tx), account, f.department)
            .await?
            .into_iter()
            .collect();
    let rotation =
        departments::find_department_rotation(&mut Reads::Tx(&mut tx), account, f.department)
            .await?;
    drop(tx);
    let candidates: Vec<Candidate<'_>> = view
        .members
        .iter()
        .map(|user| Candidate {
            user,
            idle_since: idle.get(&user.id).copied(),
        })
        .collect();

    let mut samples = Vec::with_capacity(DOMAIN_ITERATIONS);
    for i in 0..DOMAIN_WARMUP + DOMAIN_ITERATIONS {
        let start = Instant::now();
        let plan = ring_plan(
            black_box(&view.department),
            black_box(&candidates),
            black_box(f.at),
            black_box(rotation),
        );
        let elapsed = start.elapsed();
        black_box(plan);
        if i >= DOMAIN_WARMUP {
            samples.push(elapsed);
        }
    }
    let plan = ring_plan(&view.department, &candidates, f.at, rotation);
    Ok(Row {
        backend: backend_name(backend),
        method,
        layer: "domain",
        ringing: plan.ringing().count(),
        excluded: plan.excluded.len(),
        samples,
    })
}

/// The whole service call.
async fn service_row(f: &Fixture, backend: Backend, method: RoutingMethod) -> BenchResult<Row> {
    let mut samples = Vec::with_capacity(SERVICE_ITERATIONS);
    let mut last = None;
    for i in 0..SERVICE_WARMUP + SERVICE_ITERATIONS {
        let start = Instant::now();
        let view = f
            .app
            .sb
            .ring_plan(&f.ctx, black_box(f.department), Some(f.at))
            .await?;
        let elapsed = start.elapsed();
        if i >= SERVICE_WARMUP {
            samples.push(elapsed);
        }
        last = Some(view);
    }
    let last = last.ok_or("no service sample")?;
    Ok(Row {
        backend: backend_name(backend),
        method,
        layer: "service",
        ringing: last.plan.ringing().count(),
        excluded: last.plan.excluded.len(),
        samples,
    })
}

/// The sample at quantile `q` (nearest rank) of sorted samples.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1_000.0)
}

fn print_table(rows: &mut [Row]) {
    println!(
        "\nring plan of a department of {MEMBERS} members (times in ms; domain: {DOMAIN_ITERATIONS} \
         iterations, service: {SERVICE_ITERATIONS}, after warm-up)\n"
    );
    println!(
        "| {:<8} | {:<12} | {:<7} | {:>7} | {:>8} | {:>8} | {:>8} | {:>8} | {:>8} |",
        "backend", "method", "layer", "ringing", "excluded", "min", "median", "p95", "max"
    );
    println!(
        "|{:-<10}|{:-<14}|{:-<9}|{:->9}|{:->10}|{:->10}|{:->10}|{:->10}|{:->10}|",
        "", "", "", ":", ":", ":", ":", ":", ":"
    );
    for r in rows.iter_mut() {
        r.samples.sort();
        let Some((min, max)) = r.samples.first().zip(r.samples.last()) else {
            continue;
        };
        println!(
            "| {:<8} | {:<12} | {:<7} | {:>7} | {:>8} | {:>8} | {:>8} | {:>8} | {:>8} |",
            r.backend,
            r.method.key(),
            r.layer,
            r.ringing,
            r.excluded,
            ms(*min),
            ms(quantile(&r.samples, 0.5)),
            ms(quantile(&r.samples, 0.95)),
            ms(*max),
        );
    }
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench`; test runners that list every target (nextest,
    // `cargo test --all-targets`) do not, and must not set up a 1,000-member department.
    if !std::env::args().any(|a| a == "--bench") {
        return Ok(());
    }
    let mut rows = Vec::new();
    measure(Backend::Sqlite, &mut rows).await?;
    if std::env::var_os(POSTGRES_URL_ENV).is_some() {
        measure(Backend::Postgres, &mut rows).await?;
    } else {
        eprintln!("PostgreSQL skipped: set {POSTGRES_URL_ENV} to an administrative URL");
    }
    print_table(&mut rows);
    Ok(())
}
