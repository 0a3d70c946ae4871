//! Typed ids: a task id cannot be passed where an agency id is wanted. On the
//! wire and in the spec each is a plain UUID (see `build.rs`); the store maps
//! them to PostgreSQL's `uuid` (`store::sql_types`).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new() -> $name {
                $name(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> $name {
                $name(id)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    )+};
}

id_type! {
    /// An agency (cơ quan, đơn vị).
    AgencyId,
    /// A plan (kế hoạch CCHC năm).
    PlanId,
    /// An objective of a plan.
    ObjectiveId,
    /// A task (nhiệm vụ) of a plan.
    TaskId,
    /// A user account.
    UserId,
    /// A progress report.
    ReportId,
    /// A completion claim.
    ClaimId,
    /// A deadline extension request.
    ExtensionId,
    /// A reporting period of a plan (kỳ báo cáo).
    PeriodId,
    /// An indicator of a plan (chỉ tiêu).
    IndicatorId,
    /// An inspection of an agency (cuộc kiểm tra CCHC).
    InspectionId,
    /// A finding of an inspection (hạn chế, thiếu sót, vi phạm).
    FindingId,
    /// An agency's report of how it remedied a finding.
    RemedyId,
    /// An uploaded evidence file (tệp tài liệu kiểm chứng).
    FileId,
    /// A reorganisation of agencies (merge, split, rename, dissolve).
    ReorganisationId,
}
