//! Departments: settings, ordered members, managers.

use switchboard_domain::{
    Department, DepartmentId, Destination, DomainError, Fallback, Name, PhoneNumber, RoutingMethod,
    Scope, TimeZoneName, User, UserId, UserStatus, WeeklySchedule,
};
use switchboard_store::{StoreError, UniqueKey, departments as store, resources, users};

use crate::error::{Error, Result, not_found, refuse};
use crate::{Change, Ctx, Switchboard, Target};

/// A new department.
#[derive(Clone, Debug)]
pub struct NewDepartment {
    /// Name, unique in the account.
    pub name: Name,
    /// Routing method.
    pub routing_method: RoutingMethod,
    /// Seconds each member rings (5–300).
    pub ring_time_secs: u32,
    /// Business hours (empty = always open).
    pub business_hours: WeeklySchedule,
    /// Their time zone (the account's when absent).
    pub time_zone: Option<TimeZoneName>,
    /// Fallback.
    pub fallback: Fallback,
    /// Members, in ring order.
    pub members: Vec<UserId>,
    /// Managers.
    pub managers: Vec<UserId>,
    /// The identity provider's id of the group (SCIM).
    pub external_id: Option<String>,
}

impl NewDepartment {
    /// A department with the defaults: everyone rings at once for 20 seconds, always open,
    /// in the account's time zone, voicemail when nobody answers.
    pub fn named(name: Name) -> Self {
        Self {
            name,
            routing_method: RoutingMethod::RingAll,
            ring_time_secs: 20,
            business_hours: WeeklySchedule::any_time(),
            time_zone: None,
            fallback: Fallback::Voicemail,
            members: Vec::new(),
            managers: Vec::new(),
            external_id: None,
        }
    }
}

/// Changes to a department's settings (absent = unchanged).
#[derive(Clone, Debug, Default)]
pub struct DepartmentPatch {
    /// Name.
    pub name: Option<Name>,
    /// Routing method.
    pub routing_method: Option<RoutingMethod>,
    /// Ring time.
    pub ring_time_secs: Option<u32>,
    /// Business hours.
    pub business_hours: Option<WeeklySchedule>,
    /// Time zone.
    pub time_zone: Option<TimeZoneName>,
    /// Fallback.
    pub fallback: Option<Fallback>,
    /// The identity provider's id of the group, or its removal.
    pub external_id: Option<Option<String>>,
}

/// A department with its members (in ring order) and managers as users.
#[derive(Clone, Debug)]
pub struct DepartmentPeople {
    /// The department.
    pub department: Department,
    /// Its members, in ring order.
    pub members: Vec<User>,
    /// Its managers.
    pub managers: Vec<User>,
}

/// Who may change a department.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Only those who manage departments (settings, managers, deletion).
    Settings,
    /// Also a Manager of this very department (its members).
    Members,
}

fn view(d: &Department) -> serde_json::Value {
    serde_json::json!({
        "name": d.name.as_str(),
        "routing_method": d.routing_method.key(),
        "ring_time_secs": d.ring_time_secs,
        "business_hours": d.business_hours.to_text(),
        "time_zone": d.time_zone.as_str(),
        "fallback": d.fallback,
        "members": d.members,
        "managers": d.managers,
    })
}

fn target(d: &Department) -> Target<'static> {
    Target {
        kind: "department",
        id: Some(d.id.to_string()),
        name: d.name.to_string(),
    }
}

fn name_taken(name: &Name) -> Error {
    Error::Domain(DomainError::Conflict {
        field: "name".to_owned(),
        message: format!("a department named {name} already exists"),
    })
}

/// A department write's uniqueness conflict as the error a caller understands.
fn written(r: std::result::Result<(), StoreError>, d: &Department) -> Result<()> {
    match r {
        Err(StoreError::Unique(UniqueKey::Name)) => Err(name_taken(&d.name)),
        Err(StoreError::Unique(UniqueKey::ExternalId)) => {
            Err(Error::Domain(DomainError::Conflict {
                field: "external_id".to_owned(),
                message: format!(
                    "another department has the external id {}",
                    d.external_id.as_deref().unwrap_or_default()
                ),
            }))
        }
        other => Ok(other?),
    }
}

async fn check_users(c: &mut Change, field: &str, ids: &[UserId], need_active: bool) -> Result<()> {
    let mut seen = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if seen.contains(id) {
            return refuse(DomainError::field(
                format!("{field}[{i}]"),
                "duplicate",
                "appears twice",
            ));
        }
        seen.push(*id);
        let Some(u) = users::find_user(&mut c.tx, c.account.id, *id).await? else {
            return refuse(DomainError::field(
                format!("{field}[{i}]"),
                "not_found",
                format!("there is no user {id} in this account"),
            ));
        };
        if need_active && u.status == UserStatus::Inactive {
            return refuse(DomainError::field(
                format!("{field}[{i}]"),
                "inactive",
                format!("{} is deactivated", u.name),
            ));
        }
    }
    Ok(())
}

async fn check_fallback(c: &mut Change, me: Option<DepartmentId>, f: &Fallback) -> Result<()> {
    if let Fallback::Department { department_id } = f {
        if Some(*department_id) == me {
            return refuse(DomainError::field(
                "fallback",
                "invalid",
                "a department cannot fall back to itself",
            ));
        }
        if store::find_department(&mut c.tx, c.account.id, *department_id)
            .await?
            .is_none()
        {
            return refuse(DomainError::field(
                "fallback",
                "not_found",
                "the fallback department does not exist",
            ));
        }
    }
    Ok(())
}

impl Switchboard {
    /// Creates a department.
    pub async fn create_department(&self, ctx: &Ctx, new: NewDepartment) -> Result<Department> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.perms.manage_departments, "manage departments")?;
        switchboard_domain::department::parse_ring_time(new.ring_time_secs)
            .map_err(|e| DomainError::Validation(vec![e]))?;
        check_users(&mut c, "members", &new.members, false).await?;
        check_users(&mut c, "managers", &new.managers, true).await?;
        check_fallback(&mut c, None, &new.fallback).await?;
        let d = Department {
            id: DepartmentId::new(),
            account_id: c.account.id,
            name: new.name,
            routing_method: new.routing_method,
            ring_time_secs: new.ring_time_secs,
            business_hours: new.business_hours,
            time_zone: new
                .time_zone
                .unwrap_or_else(|| c.account.default_time_zone.clone()),
            fallback: new.fallback,
            members: new.members,
            managers: new.managers,
            external_id: new.external_id,
            created_at: c.now,
            updated_at: c.now,
        };
        written(store::insert_department(&mut c.tx, &d).await, &d)?;
        c.audit("department.created", target(&d), None, Some(view(&d)))
            .await?;
        c.commit().await?;
        Ok(d)
    }

    /// Reads a department.
    pub async fn get_department(&self, ctx: &Ctx, id: DepartmentId) -> Result<Department> {
        let mut c = self.begin_read(ctx).await?;
        store::find_department(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("department"))
    }

    /// Lists departments by name.
    pub async fn list_departments(&self, ctx: &Ctx) -> Result<Vec<Department>> {
        let mut c = self.begin_read(ctx).await?;
        Ok(store::list_departments(&mut c.tx, c.account.id).await?)
    }

    /// A department with its members and managers, for those who may view users.
    pub async fn get_department_people(
        &self,
        ctx: &Ctx,
        id: DepartmentId,
    ) -> Result<DepartmentPeople> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require_view_users()?;
        let department = store::find_department(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("department"))?;
        let mut members = Vec::with_capacity(department.members.len());
        for u in &department.members {
            if let Some(u) = users::find_user(&mut c.tx, c.account.id, *u).await? {
                members.push(u);
            }
        }
        let mut managers = Vec::with_capacity(department.managers.len());
        for u in &department.managers {
            if let Some(u) = users::find_user(&mut c.tx, c.account.id, *u).await? {
                managers.push(u);
            }
        }
        Ok(DepartmentPeople {
            department,
            members,
            managers,
        })
    }

    async fn change_department(
        &self,
        ctx: &Ctx,
        id: DepartmentId,
        access: Access,
        apply: impl AsyncFnOnce(&mut Change, &mut Department) -> Result<()>,
    ) -> Result<Department> {
        let mut c = self.begin(ctx).await?;
        let before = store::find_department(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("department"))?;
        // A Manager arranges the members of the departments they manage (SPEC §1: they act
        // inside their departments); everything else needs "manage departments".
        let manages_it = access == Access::Members
            && c.who.perms.edit_users >= Scope::Departments
            && c.who
                .user_id
                .is_some_and(|me| before.managers.contains(&me));
        if !manages_it {
            c.who
                .require(c.who.perms.manage_departments, "manage departments")?;
        }
        let mut d = before.clone();
        apply(&mut c, &mut d).await?;
        d.updated_at = c.now;
        written(store::update_department(&mut c.tx, &d).await, &d)?;
        if d.members != before.members {
            store::set_department_members(&mut c.tx, c.account.id, id, &d.members).await?;
        }
        if d.managers != before.managers {
            store::set_department_managers(&mut c.tx, c.account.id, id, &d.managers).await?;
        }
        let (b, a) = crate::diff(&view(&before), &view(&d));
        c.audit("department.updated", target(&d), Some(b), Some(a))
            .await?;
        c.commit().await?;
        Ok(d)
    }

    /// Changes a department's settings.
    pub async fn update_department(
        &self,
        ctx: &Ctx,
        id: DepartmentId,
        p: DepartmentPatch,
    ) -> Result<Department> {
        self.change_department(ctx, id, Access::Settings, async |c, d| {
            if let Some(n) = p.name {
                d.name = n;
            }
            if let Some(m) = p.routing_method {
                d.routing_method = m;
            }
            if let Some(r) = p.ring_time_secs {
                d.ring_time_secs = switchboard_domain::department::parse_ring_time(r)
                    .map_err(|e| DomainError::Validation(vec![e]))?;
            }
            if let Some(h) = p.business_hours {
                d.business_hours = h;
            }
            if let Some(t) = p.time_zone {
                d.time_zone = t;
            }
            if let Some(f) = p.fallback {
                check_fallback(c, Some(d.id), &f).await?;
                d.fallback = f;
            }
            if let Some(x) = p.external_id {
                d.external_id = x;
            }
            Ok(())
        })
        .await
    }

    /// Changes a department's settings and replaces its members (in the order given) in one
    /// transaction, as an identity provider updates a group. Needs "manage departments".
    pub async fn update_department_and_members(
        &self,
        ctx: &Ctx,
        id: DepartmentId,
        p: DepartmentPatch,
        members: Option<Vec<UserId>>,
    ) -> Result<Department> {
        self.change_department(ctx, id, Access::Settings, async |c, d| {
            if let Some(n) = p.name {
                d.name = n;
            }
            if let Some(x) = p.external_id {
                d.external_id = x;
            }
            if let Some(m) = members {
                check_users(c, "members", &m, false).await?;
                d.members = m;
            }
            Ok(())
        })
        .await
    }

    /// Replaces the members, in ring order. Those who manage departments may set any
    /// members; a Manager of this department may reorder its members, and add or remove
    /// users they may edit (members of departments they manage who do not outrank them).
    pub async fn set_department_members(
        &self,
        ctx: &Ctx,
        id: DepartmentId,
        members: Vec<UserId>,
    ) -> Result<Department> {
        self.change_department(ctx, id, Access::Members, async |c, d| {
            check_users(c, "members", &members, false).await?;
            if !c.who.perms.manage_departments {
                // Adding or removing someone is a write on them (R1, R15); reordering is not.
                let added = members.iter().filter(|m| !d.members.contains(m));
                let removed = d.members.iter().filter(|m| !members.contains(m));
                for m in added.chain(removed) {
                    c.who.check_can_edit(&mut c.tx, c.account.id, *m).await?;
                }
            }
            d.members = members;
            Ok(())
        })
        .await
    }

    /// Replaces the managers.
    pub async fn set_department_managers(
        &self,
        ctx: &Ctx,
        id: DepartmentId,
        managers: Vec<UserId>,
    ) -> Result<Department> {
        self.change_department(ctx, id, Access::Settings, async |c, d| {
            check_users(c, "managers", &managers, true).await?;
            d.managers = managers;
            Ok(())
        })
        .await
    }

    /// Deletes a department; members stay users. Refused while another department falls
    /// back to it, or while numbers route their calls to it (R8, with those numbers as
    /// the blockers).
    pub async fn delete_department(&self, ctx: &Ctx, id: DepartmentId) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.perms.manage_departments, "manage departments")?;
        let d = store::find_department(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("department"))?;
        for other in store::list_departments(&mut c.tx, c.account.id).await? {
            if other.fallback == (Fallback::Department { department_id: id }) {
                return refuse(DomainError::InvalidState(format!(
                    "{} falls back to {}; change its fallback first",
                    other.name, d.name
                )));
            }
        }
        let routed =
            resources::list_numbers_routed_to(&mut c.tx, c.account.id, Destination::Department(id))
                .await?;
        if !routed.is_empty() {
            return refuse(DomainError::DestinationInUse {
                name: d.name.to_string(),
                blockers: routed
                    .iter()
                    .map(PhoneNumber::destination_blocker)
                    .collect(),
            });
        }
        store::delete_department(&mut c.tx, c.account.id, id).await?;
        c.audit("department.deleted", target(&d), Some(view(&d)), None)
            .await?;
        c.commit().await
    }
}
