//! Writing what a SCIM document says to a user: the input of a new user, the edit and
//! identity-provider profile that turn one rendered document into another, and the
//! account look-ups (phone country, manager) they need.

use switchboard_domain::{
    Country, IdpProfile, IdpUsername, NewUserInput, User, UserId, UserPatch, UserPatchInput,
};
use switchboard_service::Ctx;

use crate::AppState;
use crate::scim::error::{ScimError, ScimResult};
use crate::scim::resource::Fields;

pub(super) fn domain(e: switchboard_domain::DomainError) -> ScimError {
    e.into()
}

fn field(e: switchboard_domain::FieldError) -> ScimError {
    domain(e.into())
}

/// The account's country for phone numbers written in national form; read only when a
/// number without `+` is sent.
pub(super) async fn phone_country(
    state: &AppState,
    ctx: &Ctx,
    numbers: &[Option<&str>],
) -> ScimResult<Option<Country>> {
    let national = numbers
        .iter()
        .flatten()
        .any(|n| !n.trim().is_empty() && !n.trim_start().starts_with('+'));
    if !national {
        return Ok(None);
    }
    Ok(state.sb.get_account(ctx).await?.phone_country())
}

/// The user's time zone from SCIM `timezone`, when it is an IANA name Switchboard knows
/// (others are not kept: the user keeps the account's time zone).
fn usable_time_zone(f: &Fields) -> Option<String> {
    f.attributes
        .timezone
        .as_deref()
        .filter(|tz| switchboard_domain::TimeZoneName::parse("timezone", tz).is_ok())
        .map(str::to_owned)
}

/// The user a `manager` value names: another user of the account.
pub(super) async fn manager(
    state: &AppState,
    ctx: &Ctx,
    id: Option<&str>,
) -> ScimResult<Option<UserId>> {
    let Some(raw) = id else { return Ok(None) };
    let unknown = || {
        ScimError::bad(
            "invalidValue",
            format!("manager {raw:?} is not a user of this account"),
        )
    };
    let id: UserId = raw.parse().map_err(|_| unknown())?;
    match state.sb.get_user(ctx, id).await {
        Ok(u) => Ok(Some(u.id)),
        Err(switchboard_service::Error::Domain(switchboard_domain::DomainError::NotFound(_))) => {
            Err(unknown())
        }
        Err(e) => Err(e.into()),
    }
}

/// The edit that turns `old` into `new`, and the wanted `active` when it changes. A PUT
/// (`put`) sends the whole resource; PATCH results are compared field by field.
fn changes(old: &Fields, new: &Fields, put: bool) -> (UserPatchInput, Option<bool>) {
    let mut p = UserPatchInput {
        name: new.name_since(old),
        ..UserPatchInput::default()
    };
    if put {
        // The work email comes from `emails`; a userName that is an address stands in
        // for it only when no email is listed (as on create).
        let wanted = new.email.clone().or_else(|| {
            new.user_name
                .clone()
                .filter(|u| u.contains('@') && new.emails.is_empty())
        });
        if wanted != old.email {
            p.email = Some(wanted);
        }
        // An immutable attribute left out of a PUT keeps its value (RFC 7644 §3.5.1).
        if new.mobile.is_some() && new.mobile != old.mobile {
            p.mobile = Some(new.mobile.clone());
        }
    } else {
        p.email = new.email_since(old);
        if new.mobile != old.mobile {
            p.mobile = Some(new.mobile.clone());
        }
    }
    if new.alternate_mobile != old.alternate_mobile {
        p.alternate_mobile = Some(new.alternate_mobile.clone());
    }
    // externalId is the identity provider's own link to the user: a PUT that leaves it out
    // (Okta's does) keeps it; PATCH remove clears it.
    if new.external_id != old.external_id && !(put && new.external_id.is_none()) {
        p.external_id = Some(new.external_id.clone());
    }
    if new.extension.is_some() && new.extension != old.extension {
        p.extension = new.extension.clone();
    }
    if new.role.is_some() && new.role != old.role {
        p.role = new.role.clone();
    }
    if new.panel_access.is_some() && new.panel_access != old.panel_access {
        p.panel_access = new.panel_access;
    }
    let active = new.active.filter(|a| Some(*a) != old.active);
    (p, active)
}

/// What the identity provider keeps after the change, when it differs from `before`'s. A
/// PUT sends the whole resource; a PATCH changes the name parts or the primary number only
/// when the patched document differs from the one rendered (`old`), which derives missing
/// parts from the name.
fn profile(
    before: &User,
    (old, new): (&Fields, &Fields),
    put: bool,
    manager: Option<UserId>,
) -> ScimResult<Option<IdpProfile>> {
    let username = match &new.user_name {
        Some(u) if put || new.user_name != old.user_name => {
            Some(IdpUsername::parse("userName", u).map_err(field)?)
        }
        Some(_) => before.idp.username.clone(),
        None => return Err(ScimError::bad("invalidValue", "userName cannot be removed")),
    };
    let parts_changed = put || new.given != old.given || new.family != old.family;
    let primary_changed = put || new.primary_phone != old.primary_phone;
    let alternate_work = if put || new.alternate_work != old.alternate_work {
        new.alternate_work
    } else {
        before.idp.alternate_work
    };
    let email_primary = if put {
        new.email_primary
    } else {
        let (_, mark) = new.email_after(old);
        if mark == old.email_primary {
            before.idp.email_primary
        } else {
            mark
        }
    };
    let p = IdpProfile {
        managed: true,
        username,
        attributes: if put || new.attributes != old.attributes {
            new.attributes.clone()
        } else {
            before.idp.attributes.clone()
        },
        manager,
        email_primary,
        given_name: if parts_changed {
            new.given.clone()
        } else {
            before.idp.given_name.clone()
        },
        family_name: if parts_changed {
            new.family.clone()
        } else {
            before.idp.family_name.clone()
        },
        primary_phone: if primary_changed {
            new.primary_phone
        } else {
            before.idp.primary_phone
        },
        alternate_work,
    };
    Ok((p != before.idp).then_some(p))
}

/// Turns `old` into `new` (a PUT's whole resource when `put`): the field edit and the
/// activation change in one transaction.
pub(super) async fn update(
    state: &AppState,
    ctx: &Ctx,
    before: &User,
    (old, new): (&Fields, &Fields),
    put: bool,
    version: Option<i64>,
) -> ScimResult<User> {
    let (mut input, active) = changes(old, new, put);
    if new.attributes.timezone != old.attributes.timezone
        && let Some(tz) = usable_time_zone(new)
    {
        input.time_zone = Some(tz);
    }
    let manager = if put || new.manager != old.manager {
        manager(state, ctx, new.manager.as_deref()).await?
    } else {
        before.idp.manager
    };
    let country = phone_country(
        state,
        ctx,
        &[
            input.mobile.as_ref().and_then(Option::as_deref),
            input.alternate_mobile.as_ref().and_then(Option::as_deref),
        ],
    )
    .await?;
    let mut patch = UserPatch::parse_in(&input, country.as_ref()).map_err(domain)?;
    patch.idp = profile(before, (old, new), put, manager)?;
    Ok(state
        .sb
        .update_provisioned_user(ctx, before.id, patch, active, version)
        .await?)
}

/// The new user a `POST /Users` document describes, and its login at the identity provider.
pub(super) fn new_user_input(f: &Fields) -> ScimResult<(NewUserInput, IdpUsername)> {
    let Some(user_name) = f.user_name.clone() else {
        return Err(ScimError::bad(
            "invalidValue",
            "userName is required: the user's login at the identity provider",
        ));
    };
    let login = IdpUsername::parse("userName", &user_name).map_err(field)?;
    // The work email comes from `emails`; a userName that is an address stands in for it
    // only when no email is listed.
    let email = f
        .email
        .clone()
        .or_else(|| user_name.contains('@').then(|| user_name.clone()));
    let mobile = f
        .mobile
        .clone()
        .or_else(|| (user_name.starts_with('+') && email.is_none()).then(|| user_name.clone()));
    if email.is_none() && mobile.is_none() {
        return Err(ScimError::bad(
            "invalidValue",
            "the user needs a work email in emails or a mobile in phoneNumbers (a userName \
             that is an email address or an E.164 number also serves)",
        ));
    }
    let name = f
        .name_since(&Fields::default())
        .unwrap_or_else(|| user_name.clone());
    let input = NewUserInput {
        name: Some(name),
        email,
        mobile,
        alternate_mobile: f.alternate_mobile.clone(),
        extension: f.extension.clone(),
        role: f.role.clone(),
        panel_access: f.panel_access,
        external_id: f.external_id.clone(),
        time_zone: usable_time_zone(f),
        ..NewUserInput::default()
    };
    Ok((input, login))
}
