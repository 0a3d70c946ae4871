//! Spec aliases: the id newtypes (`domain::ids`) are plain UUIDs on the wire,
//! so utoipa renders every field of those types as `format: uuid`, exactly as
//! the spec said before the types existed.

const ID_TYPES: &[&str] = &[
    "AgencyId",
    "PlanId",
    "ObjectiveId",
    "TaskId",
    "UserId",
    "ReportId",
    "ClaimId",
    "ExtensionId",
    "PeriodId",
    "IndicatorId",
    "InspectionId",
    "FindingId",
    "RemedyId",
    "FileId",
];

fn main() {
    let mut config = utoipa_config::Config::new();
    for name in ID_TYPES {
        config = config.alias_for(name, "uuid::Uuid");
    }
    config.write_to_file();
    println!("cargo::rerun-if-changed=build.rs");
}
