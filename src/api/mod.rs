//! HTTP handlers, their request and response types, and the OpenAPI document.
//! Routes are registered only through `routes`, which feeds the spec and the
//! router from the same calls.

pub mod agencies;
pub mod auth;
pub mod common;
pub mod docs;
pub mod extract;
pub mod health;
pub mod objectives;
pub mod plans;
pub mod reports;
pub mod tasks;
pub mod users;
pub mod workflow;

use actix_web::error::PathError;
use actix_web::{web, HttpRequest};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::enums::{AgencyKind, AgencyRole, TaskSort, TaskStatus};
use crate::error::{ApiError, FieldError, Problem};

/// Largest accepted JSON body; larger ones get 413.
pub const MAX_JSON_BODY: usize = 256 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "PAR plan tracker",
        description = "Tracks a province's public-administration-reform (CCHC) plan: objectives, tasks, \
lead and supporting agencies, deadlines, progress reports, completion and what is overdue.\n\n\
Errors are RFC 9457 problem documents (`application/problem+json`). Lists are paged with `limit` and an \
opaque `cursor`. Authenticate with `POST /api/v1/auth/token`, then send `Authorization: Bearer <access_token>`.",
        version = "1.0.0",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "This server")),
    // Enums used only in query parameters are not collected from bodies: register them here.
    components(schemas(Problem, FieldError, AgencyKind, AgencyRole, TaskSort, TaskStatus)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Tokens and the current user"),
        (name = "users", description = "User accounts (admin)"),
        (name = "reference", description = "Reform areas"),
        (name = "agencies", description = "Agencies: departments, districts, boards, vertical agencies, communes"),
        (name = "plans", description = "Plans and their objectives"),
        (name = "tasks", description = "Tasks, their deadlines and standing"),
        (name = "reports", description = "Progress reports with evidence"),
        (name = "workflow", description = "Completion claims, reviews and deadline extensions")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from POST /api/v1/auth/token"))
                    .build(),
            ),
        );
    }
}

/// Every route of the service. Called by the server and by `openapi()`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(
            scope::scope("/api/v1")
                .configure(auth::routes)
                .configure(users::routes)
                .service(agencies::list_areas)
                .configure(agencies::routes)
                .configure(plans::routes)
                .configure(objectives::routes)
                .configure(tasks::routes)
                .configure(reports::routes)
                .configure(workflow::routes),
        );
}

pub fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound("no such object: the id in the path is not a valid UUID".into()).into()
}

/// The extractor settings every app uses.
pub fn extractor_configs() -> (web::PayloadConfig, web::PathConfig) {
    let payload = web::PayloadConfig::new(MAX_JSON_BODY);
    let path = web::PathConfig::default().error_handler(path_error);
    (payload, path)
}

/// Unknown routes and methods: a problem document, not an empty 404.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}
