//! Search conditions: what a filter (a SCIM filter, a list query) asks of users and
//! departments, as data. The store turns a condition into one SQL `WHERE` clause, so
//! matching happens in the database.

/// A searchable column of a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserField {
    /// The user id.
    Id,
    /// The identity provider's id.
    ExternalId,
    /// The name.
    Name,
    /// The email, compared lower-cased.
    Email,
    /// The identity provider's login, compared lower-cased.
    IdpUsername,
    /// The login an identity provider finds the user by (SCIM userName: the IdP login,
    /// else the email, else the mobile), compared lower-cased.
    Login,
    /// The mobile.
    Mobile,
    /// The alternate mobile.
    AlternateMobile,
    /// The extension (a number).
    Extension,
    /// When the user was added (microseconds).
    CreatedAt,
    /// When the user last changed (microseconds).
    UpdatedAt,
}

/// How a value is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchOp {
    /// Equal.
    Eq,
    /// Not equal (also true when the field is empty).
    Ne,
    /// Contains (text).
    Contains,
    /// Starts with (text).
    StartsWith,
    /// Ends with (text).
    EndsWith,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
}

/// A value to compare with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatchValue {
    /// Text; `case_insensitive` compares both sides lower-cased.
    Text {
        /// The text.
        value: String,
        /// Whether case is ignored.
        case_insensitive: bool,
    },
    /// A number (extension, times in microseconds).
    Int(i64),
}

/// A condition over records with the fields `F`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond<F> {
    /// Every record.
    All,
    /// No record.
    Nothing,
    /// Both hold.
    And(Box<Cond<F>>, Box<Cond<F>>),
    /// Either holds.
    Or(Box<Cond<F>>, Box<Cond<F>>),
    /// Does not hold.
    Not(Box<Cond<F>>),
    /// The field has a value.
    Present(F),
    /// Users only: the user is (or is not) deactivated: `true` = not inactive.
    Active(bool),
    /// A comparison.
    Match {
        /// The field.
        field: F,
        /// The operator.
        op: MatchOp,
        /// The value.
        value: MatchValue,
    },
}

/// A condition over users.
pub type UserCond = Cond<UserField>;

/// Sort orders a search may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserSort {
    /// The field.
    pub field: UserField,
    /// Descending when true.
    pub descending: bool,
}

/// A searchable column of a department.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepartmentField {
    /// The department id.
    Id,
    /// The identity provider's id.
    ExternalId,
    /// The name.
    Name,
    /// The id of one of its members: a condition on it holds when it holds for any member.
    MemberId,
}

/// A condition over departments.
pub type DepartmentCond = Cond<DepartmentField>;
