//! Seeding: an account made through the service (so it has its owner, roles and tokens like
//! any other), then N users with their tags, their departments, numbers and call records
//! written in bulk through the store's own insert functions, in large transactions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use switchboard_domain::CallRecord;
use switchboard_domain::{
    AccountId, Availability, BuiltinRole, Department, DepartmentId, E164, Email, Extension,
    ExtensionRange, Fallback, IdpProfile, Name, NumberId, PhoneNumber, Plan, RoleId, RoleRef,
    RoutingMethod, Tag, TimeZoneName, User, UserId, UserStatus, WeeklySchedule,
};
use switchboard_service::{Ctx, Settings, Switchboard, SystemClock, accounts::NewAccount};
use switchboard_store::Db;

/// First names of seeded users; the last one sorts last, which the deep-page workload uses.
pub const FIRST_NAMES: [&str; 24] = [
    "Aarav",
    "Aditi",
    "Alejandro",
    "Amara",
    "Chen",
    "Dmitri",
    "Elena",
    "Fatima",
    "Hiroshi",
    "Ines",
    "Jamal",
    "Kavya",
    "Lars",
    "Mei",
    "Nikhil",
    "Olga",
    "Priya",
    "Quentin",
    "Rahul",
    "Sofia",
    "Tomas",
    "Uma",
    "Wei",
    "Zara",
];

/// Family names of seeded users; text search looks for one of them.
pub const FAMILY_NAMES: [&str; 20] = [
    "Sharma",
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Moreau",
    "Kowalski",
    "Haddad",
    "Rossi",
    "Nguyen",
    "Fischer",
    "Mendes",
    "Iyer",
    "Novak",
    "Castillo",
    "Brennan",
    "Yilmaz",
    "Petrov",
    "Olsen",
    "Mbeki",
    "Varga",
];

/// Members of the department the ring-plan workload asks about.
pub const RING_DEPARTMENT_SIZE: usize = 1000;

/// Users per regular department.
const USERS_PER_DEPARTMENT: usize = 100;
/// Users per phone number.
const USERS_PER_NUMBER: usize = 100;
/// Users written per transaction.
const BATCH: usize = 5000;
/// Lowest seeded extension (the owner holds the range's first, 1000).
const FIRST_EXTENSION: u32 = 1001;
/// Skills tagged on seeded users: every user carries one.
const SKILLS: [&str; 8] = [
    "sales",
    "support",
    "billing",
    "retention",
    "onboarding",
    "technical",
    "vip",
    "escalations",
];
/// Languages tagged on every other seeded user.
const LANGUAGES: [&str; 5] = ["english", "hindi", "tamil", "spanish", "french"];

/// What the workloads need to know about a seeded account (kept beside a kept SQLite
/// database, so `--reuse` can measure it again without seeding).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Seeded {
    /// An Administrator API token's secret.
    pub api_token: String,
    /// The account's SCIM token's secret.
    pub scim_token: String,
    /// A spread of seeded users (id, email) to read back.
    pub sample: Vec<(UserId, String)>,
    /// Regular departments (about 100 members each).
    pub departments: Vec<DepartmentId>,
    /// The department of 1,000 members.
    pub ring_department: DepartmentId,
    /// What the call-route workloads ask about (SIP domain, proxy token, numbers, phones).
    pub telephony: crate::telephony::Telephony,
    /// How long seeding took.
    #[serde(with = "seconds")]
    pub took: Duration,
}

/// A value the bench wrote itself, which parses.
pub fn valid<T>(r: Result<T, switchboard_domain::FieldError>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow!("a seeded value is invalid: {e:?}"))
}

/// The email of seeded user `i` (unique, lower case).
pub fn email_of(i: usize) -> String {
    let (first, last) = names_of(i);
    format!(
        "{}.{}.{i}@bench.example.com",
        first.to_lowercase(),
        last.to_lowercase()
    )
}

/// The tags of seeded user `i`: a skill, and a language for every other user.
fn tags_of(i: usize) -> anyhow::Result<Vec<Tag>> {
    let mut tags = vec![valid(Tag::parse("tag", SKILLS[i % SKILLS.len()]))?];
    if i.is_multiple_of(2) {
        tags.push(valid(Tag::parse(
            "tag",
            LANGUAGES[(i / 2) % LANGUAGES.len()],
        ))?);
    }
    Ok(tags)
}

fn names_of(i: usize) -> (&'static str, &'static str) {
    (
        FIRST_NAMES[i % FIRST_NAMES.len()],
        FAMILY_NAMES[(i / FIRST_NAMES.len()) % FAMILY_NAMES.len()],
    )
}

/// Creates the account, its tokens and `users` users with departments, numbers and calls.
pub async fn seed(db: Db, users: usize) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let sb = Switchboard::new(db.clone(), Arc::new(SystemClock), Settings::default());
    let (account, api_token, scim_token) = create_account(&sb).await?;

    let mut tx = db.read().await?;
    let basic = switchboard_store::roles::find_builtin_role(&mut tx, account, BuiltinRole::Basic)
        .await?
        .context("the account has no Basic role")?
        .id;
    tx.rollback().await?;

    let now = jiff::Timestamp::now();
    let ids: Vec<UserId> = (0..users).map(|_| UserId::new()).collect();
    insert_users(&db, &ids, account, basic, now).await?;
    let (departments, ring_department) = insert_departments(&db, &ids, account, now).await?;
    insert_calls(&db, &ids, account, &departments, now).await?;
    let telephony = crate::telephony::seed(&sb, &db, account, &ids, ring_department, now).await?;

    let step = (users / 10_000).max(1);
    let sample = ids
        .iter()
        .enumerate()
        .step_by(step)
        .map(|(i, id)| (*id, email_of(i)))
        .collect();
    Ok(Seeded {
        api_token,
        scim_token,
        sample,
        departments,
        ring_department,
        telephony,
        took: started.elapsed(),
    })
}

/// The bench account, made through the service, and its API and SCIM token secrets.
async fn create_account(sb: &Switchboard) -> anyhow::Result<(AccountId, String, String)> {
    let created = sb
        .create_account(
            NewAccount {
                name: valid(Name::parse("name", "Bench Telecom"))?,
                plan: Plan::Pro,
                seat_limit: 10_000_000,
                extension_range: valid(ExtensionRange::new(1000, 99_999_999))?,
                time_zone: valid(TimeZoneName::parse("time_zone", "Asia/Kolkata"))?,
                country: None,
                owner_name: valid(Name::parse("name", "Bench Owner"))?,
                owner_email: valid(Email::parse("email", "owner@bench.example.com"))?,
            },
            "bench",
        )
        .await
        .map_err(|e| anyhow!("creating the account: {e:?}"))?;
    let account = created.account.id;
    let ctx = Ctx::cli(account);
    let (_, api_token) = sb
        .create_scoped_api_token(
            &ctx,
            "bench",
            "api",
            Some(RoleRef::parse("Administrator")),
            None,
            &["api"],
        )
        .await
        .map_err(|e| anyhow!("creating the API token: {e:?}"))?;
    let (_, scim_token) = sb
        .create_api_token(&ctx, "bench-scim", "scim", None, None)
        .await
        .map_err(|e| anyhow!("creating the SCIM token: {e:?}"))?;
    Ok((account, api_token, scim_token))
}

/// Writes the users in batches.
async fn insert_users(
    db: &Db,
    ids: &[UserId],
    account: AccountId,
    basic: RoleId,
    now: jiff::Timestamp,
) -> anyhow::Result<()> {
    // Users are written in list order (name, then id), each after the one before, as a
    // bulk load sorted by name would be: every new user's list-order rank is a step past the
    // last one's (store::search_order), so none has to be made room for.
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_cached_key(|&i| {
        let (first, last) = names_of(i);
        (format!("{first} {last}"), ids[i].to_string())
    });
    for chunk in order.chunks(BATCH) {
        let users = chunk
            .iter()
            .map(|&i| user_of(i, ids[i], account, basic, now))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut tx = db.write().await?;
        switchboard_store::users::load_users(&mut tx, &users).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// A ring-all department of the bench account.
pub fn department_of(
    name: String,
    members: Vec<UserId>,
    account: AccountId,
    tz: &TimeZoneName,
    now: jiff::Timestamp,
) -> anyhow::Result<Department> {
    Ok(Department {
        id: DepartmentId::new(),
        account_id: account,
        name: valid(Name::parse("name", &name))?,
        routing_method: RoutingMethod::RingAll,
        ring_time_secs: 20,
        business_hours: WeeklySchedule::default(),
        time_zone: tz.clone(),
        fallback: Fallback::Voicemail,
        members,
        managers: Vec::new(),
        external_id: None,
        created_at: now,
        updated_at: now,
    })
}

/// Writes the departments (every user in one), the ring test department and the numbers;
/// answers the departments' ids and the ring test department's.
async fn insert_departments(
    db: &Db,
    ids: &[UserId],
    account: AccountId,
    now: jiff::Timestamp,
) -> anyhow::Result<(Vec<DepartmentId>, DepartmentId)> {
    let tz = valid(TimeZoneName::parse("time_zone", "Asia/Kolkata"))?;
    let department_count = ids.len().div_ceil(USERS_PER_DEPARTMENT).max(1);
    let mut members: Vec<Vec<UserId>> = vec![Vec::new(); department_count];
    for (i, id) in ids.iter().enumerate() {
        members[i % department_count].push(*id);
    }
    let mut departments = Vec::with_capacity(department_count);
    let groups: Vec<(usize, Vec<UserId>)> = members.into_iter().enumerate().collect();
    for batch in groups.chunks(500) {
        let mut tx = db.write().await?;
        for (n, group) in batch {
            let name = format!("Team {:06}", n + 1);
            let dep = department_of(name, group.clone(), account, &tz, now)?;
            switchboard_store::departments::insert_department(&mut tx, &dep).await?;
            departments.push(dep.id);
        }
        tx.commit().await?;
    }
    let ring = department_of(
        "Ring test".to_owned(),
        ids.iter().take(RING_DEPARTMENT_SIZE).copied().collect(),
        account,
        &tz,
        now,
    )?;
    let mut tx = db.write().await?;
    switchboard_store::departments::insert_department(&mut tx, &ring).await?;
    for (n, owner) in ids.iter().step_by(USERS_PER_NUMBER).enumerate() {
        let number = PhoneNumber {
            id: NumberId::new(),
            account_id: account,
            number: E164::from_trusted(format!("+9180{:08}", n)),
            label: format!("Line {}", n + 1),
            owner_id: *owner,
            destination: None,
        };
        switchboard_store::resources::insert_number(&mut tx, &number, now).await?;
    }
    tx.commit().await?;
    Ok((departments, ring.id))
}

/// One finished call per user, spread over the last 30 days.
async fn insert_calls(
    db: &Db,
    ids: &[UserId],
    account: AccountId,
    departments: &[DepartmentId],
    now: jiff::Timestamp,
) -> anyhow::Result<()> {
    let department_count = departments.len();
    let day_us: i64 = 86_400_000_000;
    let now_us = now.as_microsecond();
    for (chunk_no, chunk) in ids.chunks(BATCH).enumerate() {
        let mut tx = db.write().await?;
        for (k, id) in chunk.iter().enumerate() {
            let i = chunk_no * BATCH + k;
            let (first, last) = names_of(i);
            let started_at = now_us - (i as i64 * 7_919_000) % (30 * day_us);
            let call = CallRecord {
                id: format!("{}", UserId::new()),
                account_id: account,
                engine_call_id: format!("seed-{i}"),
                direction: "inbound".to_owned(),
                caller: format!("+9199{:08}", i % 100_000_000),
                number: "+918000000000".to_owned(),
                department_id: departments.get(i % department_count).copied(),
                user_id: Some(*id),
                user_name: Some(format!("{first} {last}")),
                user_extension: Some(i64::from(FIRST_EXTENSION) + i as i64),
                started_at,
                ended_at: started_at + 95_000_000,
                outcome: "answered".to_owned(),
            };
            switchboard_store::calls::insert_call(&mut tx, &call).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Whether seeded user `i` is active with receive calls on: R17 lets only such users
/// register a phone.
pub fn may_register(i: usize) -> bool {
    receives_calls(i) && !deactivated(i)
}

fn receives_calls(i: usize) -> bool {
    !i.is_multiple_of(13)
}

fn deactivated(i: usize) -> bool {
    i % 50 == 49
}

/// Seeded user `i`: a tenth have Panel Access, one in fifty is deactivated, one in
/// thirteen has receive calls off, availability varies; everyone has an email and a mobile.
fn user_of(
    i: usize,
    id: UserId,
    account: AccountId,
    role: RoleId,
    now: jiff::Timestamp,
) -> anyhow::Result<User> {
    let (first, last) = names_of(i);
    let extension = u32::try_from(i)
        .ok()
        .and_then(|i| i.checked_add(FIRST_EXTENSION))
        .and_then(Extension::from_number)
        .context("too many users for the extension range")?;
    Ok(User {
        id,
        account_id: account,
        name: valid(Name::parse("name", &format!("{first} {last}")))?,
        email: Some(valid(Email::parse("email", &email_of(i)))?),
        mobile: Some(E164::from_trusted(format!("+9198{:08}", i))),
        alternate_mobile: None,
        extension,
        role_id: role,
        panel_access: i.is_multiple_of(10),
        receive_calls: receives_calls(i),
        call_hours: WeeklySchedule::default(),
        time_zone: valid(TimeZoneName::parse("time_zone", "Asia/Kolkata"))?,
        availability: match i % 7 {
            0 => Availability::Busy,
            1 => Availability::Away,
            _ => Availability::Available,
        },
        voicemail: i.is_multiple_of(3),
        status: if deactivated(i) {
            UserStatus::Inactive
        } else {
            UserStatus::Active
        },
        external_id: None,
        idp: IdpProfile::default(),
        tags: tags_of(i)?,
        has_signed_in: i.is_multiple_of(10),
        deactivate_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// A duration as fractional seconds.
mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Duration::try_from_secs_f64(f64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
