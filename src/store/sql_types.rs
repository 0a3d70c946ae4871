//! How domain types reach PostgreSQL: id newtypes as `uuid`, closed sets as
//! `text` (each column has a CHECK constraint listing the same values). A
//! stored value outside the set is a deserialisation error, never a default.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::enums::{
    AgencyKind, AgencyReportStatus, Aggregation, ClaimStatus, DeadlineKind, ExtensionStatus,
    FindingSeverity, FindingStatus, IndicatorDirection, IndicatorUnit, InspectionStatus,
    PeriodKind, PeriodStatus, ReformArea, RemedyStatus, ReorganisationKind, Role, TaskRole,
    TaskStatus,
};
use crate::domain::ids::{
    AgencyId, ClaimId, ExtensionId, FileId, FindingId, IndicatorId, InspectionId, ObjectiveId,
    PeriodId, PlanId, RemedyId, ReorganisationId, ReportId, TaskId, UserId,
};

macro_rules! uuid_columns {
    ($($id:ident),+ $(,)?) => {$(
        const _: () = {
            // diesel's derives, applied to the domain type from here, so that
            // `domain` stays free of database code.
            #[derive(AsExpression, FromSqlRow)]
            #[diesel(foreign_derive, sql_type = SqlUuid)]
            #[allow(dead_code)]
            struct Proxy($id);
        };

        impl ToSql<SqlUuid, Pg> for $id {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Uuid as ToSql<SqlUuid, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<SqlUuid, Pg> for $id {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <Uuid as FromSql<SqlUuid, Pg>>::from_sql(bytes).map($id)
            }
        }
    )+};
}

uuid_columns!(
    AgencyId,
    PlanId,
    ObjectiveId,
    TaskId,
    UserId,
    ReportId,
    ClaimId,
    ExtensionId,
    PeriodId,
    IndicatorId,
    InspectionId,
    FindingId,
    RemedyId,
    FileId,
    ReorganisationId
);

macro_rules! text_columns {
    ($($enum:ident),+ $(,)?) => {$(
        const _: () = {
            #[derive(AsExpression, FromSqlRow)]
            #[diesel(foreign_derive, sql_type = Text)]
            #[allow(dead_code)]
            struct Proxy($enum);
        };

        impl ToSql<Text, Pg> for $enum {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $enum {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                $enum::parse(&text).ok_or_else(|| {
                    format!("stored {} '{text}' is not one of {}", stringify!($enum), $enum::expected()).into()
                })
            }
        }
    )+};
}

text_columns!(
    AgencyKind,
    ClaimStatus,
    DeadlineKind,
    ExtensionStatus,
    ReformArea,
    Role,
    TaskStatus,
    PeriodKind,
    PeriodStatus,
    AgencyReportStatus,
    IndicatorUnit,
    IndicatorDirection,
    Aggregation,
    InspectionStatus,
    FindingSeverity,
    FindingStatus,
    RemedyStatus,
    ReorganisationKind,
    TaskRole
);
