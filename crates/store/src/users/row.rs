//! A user's row followed by what a read selects beside it, decoded in one pass.
//!
//! Serde's `flatten` would buffer every column of the row (each text value copied once more)
//! before handing the user's to [`UserRow`]; here the first columns go to the user as they
//! are read and the rest to the extras, from SQLite's direct reads and from the JSON rows of
//! reads in a transaction alike. The statement selects the user's columns first.

use std::marker::PhantomData;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::{UserRow, column_names};

/// A user's row and the columns selected after it (`E`).
pub(crate) struct UserAnd<E> {
    /// The user's columns.
    pub(crate) user: UserRow,
    /// The columns after them.
    pub(crate) rest: E,
}

impl<'r, R, E> sqlx::FromRow<'r, R> for UserAnd<E>
where
    R: sqlx::Row,
    UserRow: sqlx::FromRow<'r, R>,
    E: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Self {
            user: UserRow::from_row(row)?,
            rest: E::from_row(row)?,
        })
    }
}

impl<'de, E: Deserialize<'de>> Deserialize<'de> for UserAnd<E> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(Split(PhantomData))
    }
}

/// Reads the row's map: its first entries as the user, the others as the extras.
struct Split<E>(PhantomData<E>);

impl<'de, E: Deserialize<'de>> Visitor<'de> for Split<E> {
    type Value = UserAnd<E>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a row of a user's columns and more")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let user = UserRow::deserialize(Part {
            map: &mut map,
            left: Some(column_names().len()),
        })?;
        let rest = E::deserialize(Part {
            map: &mut map,
            left: None,
        })?;
        Ok(UserAnd { user, rest })
    }
}

/// The next `left` entries of a map (all that remain when `None`), seen as a map.
struct Part<'m, A> {
    map: &'m mut A,
    left: Option<usize>,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for Part<'_, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Part<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match &mut self.left {
            Some(0) => return Ok(None),
            Some(n) => *n -= 1,
            None => {}
        }
        self.map.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Extra {
        tags_json: String,
    }

    fn user_json(extra: &str) -> String {
        let cols: Vec<String> = column_names()
            .iter()
            .map(|c| {
                let v = match *c {
                    "extension" | "version" | "created_at" | "updated_at" => "1".to_owned(),
                    "panel_access" | "receive_calls" | "voicemail" | "idp_managed"
                    | "alternate_work" | "has_signed_in" => "0".to_owned(),
                    "email" | "mobile" | "alternate_mobile" | "external_id" | "given_name"
                    | "family_name" | "primary_phone" | "email_primary" | "idp_username"
                    | "idp_attributes" | "manager_id" | "deactivate_at" => "null".to_owned(),
                    other => format!("\"{other}-value\""),
                };
                format!("\"{c}\": {v}")
            })
            .collect();
        format!("{{{}, {extra}}}", cols.join(", "))
    }

    #[test]
    fn the_users_columns_go_to_the_user_and_the_rest_to_the_extras() {
        let row: UserAnd<Extra> =
            serde_json::from_str(&user_json("\"tags_json\": \"[\\\"a\\\"]\"")).unwrap();
        assert_eq!(row.user.name, "name-value");
        assert_eq!(row.rest.tags_json, "[\"a\"]");
    }

    #[test]
    fn a_row_missing_an_extra_is_refused() {
        let json = user_json("\"other\": 1");
        assert!(serde_json::from_str::<UserAnd<Extra>>(&json).is_err());
    }
}
