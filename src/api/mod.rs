//! HTTP handlers, their request and response types, and the OpenAPI document.
//! Routes are registered only through `routes`, which feeds the spec and the
//! router from the same calls.

pub mod agencies;
pub mod auth;
pub mod common;
pub mod docs;
pub mod edge;
pub mod extract;
pub mod files;
pub mod health;
pub mod indicators;
pub mod inspections;
pub mod notifications;
pub mod objectives;
pub mod periods;
pub mod plans;
pub mod reports;
pub mod sheets;
pub mod tasks;
pub mod users;
pub mod webhooks;
pub mod workflow;

use actix_web::error::PathError;
use actix_web::{web, HttpRequest};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::domain::enums::{AgencyKind, AgencyRole, TaskSort, TaskStatus};
use crate::error::{ApiError, FieldError, Problem};

/// A 201 with `Location`: the created object's URL, or for a report, a claim or
/// an extension request (which have no URL of their own) the task's.
pub fn created(location: String) -> actix_web::HttpResponseBuilder {
    let mut response = actix_web::HttpResponse::Created();
    response.insert_header((actix_web::http::header::LOCATION, location));
    response
}

/// Largest accepted JSON body; larger ones get 413.
pub const MAX_JSON_BODY: usize = 256 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "PAR plan tracker",
        description = "Tracks a province's public-administration-reform (CCHC) plan: objectives, tasks, \
lead and supporting agencies, deadlines, progress reports, completion and what is overdue.\n\n\
Errors are RFC 9457 problem documents (`application/problem+json`). Lists are paged with `limit` and an \
opaque `cursor`. Authenticate with `POST /api/v1/auth/token`, then send `Authorization: Bearer <access_token>`.\n\n\
Beyond what each operation lists: a method a path does not have is `405` with an `Allow` header naming \
those it has; `HEAD` is answered wherever `GET` is; a body slower than 10 s is `408`; a URL over 8 KiB is `414`.",
        version = "1.0.0",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "This server")),
    // Enums used only in query parameters are not collected from bodies: register them here.
    components(schemas(Problem, FieldError, AgencyKind, AgencyRole, TaskSort, TaskStatus, sheets::ExportFormat)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Tokens and the current user"),
        (name = "users", description = "User accounts (admin)"),
        (name = "reference", description = "The direction section and the six reform areas"),
        (name = "agencies", description = "Agencies: departments, districts, boards, vertical agencies, communes, public service units"),
        (name = "plans", description = "Plans and their objectives"),
        (name = "tasks", description = "Tasks, their deadlines and standing"),
        (name = "files", description = "Evidence files: the documents themselves"),
        (name = "reports", description = "Progress reports with evidence"),
        (name = "workflow", description = "Completion claims, reviews and deadline extensions"),
        (name = "periods", description = "Reporting periods: tasks and summary on the cut-off day, agencies' period reports, the consolidated report"),
        (name = "indicators", description = "Indicators with targets, and their figures per period"),
        (name = "notifications", description = "What happened that concerns the caller"),
        (name = "webhooks", description = "Events sent to other systems, signed (Standard Webhooks), from an outbox"),
        (name = "inspections", description = "Inspections of agencies, their findings, and the remedies the agencies report, verified by the inspectors")
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

/// Final touches once every route has added its schemas. The server refuses
/// unknown fields in each deadline variant (`value` on an ongoing deadline,
/// say); utoipa does not carry `deny_unknown_fields` into the variants of a
/// tagged enum, so the spec closes them here.
pub fn finish_spec(openapi: &mut utoipa::openapi::OpenApi) {
    name_tagged_variants(openapi, "Deadline");
    name_tagged_variants(openapi, "Change");
    for (path, item) in openapi.paths.paths.iter_mut() {
        for (method, operation) in [
            ("GET", item.get.as_mut()),
            ("POST", item.post.as_mut()),
            ("PUT", item.put.as_mut()),
            ("PATCH", item.patch.as_mut()),
            ("DELETE", item.delete.as_mut()),
        ] {
            if let Some(operation) = operation {
                docs::keep_possible_statuses(path, method, operation);
                docs::add_location(operation);
            }
        }
    }
}

/// A tagged enum (`Deadline`, a reorganisation's `Change`) as a `oneOf` of
/// named, closed schemas with a `discriminator` on `kind`, so that generators
/// name the variants (`DateDeadline`, not `Deadline1`), validators check one
/// variant, not four, and a field of another variant is refused by the spec
/// as by the server. Each variant needs a `#[schema(title = …)]`.
fn name_tagged_variants(openapi: &mut utoipa::openapi::OpenApi, enum_name: &str) {
    use utoipa::openapi::schema::{AdditionalProperties, Discriminator, Schema};
    use utoipa::openapi::{Ref, RefOr};
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let mut one_of = match components.schemas.remove(enum_name) {
        Some(RefOr::T(Schema::OneOf(one_of))) => one_of,
        Some(other) => {
            components.schemas.insert(enum_name.into(), other);
            return;
        }
        None => return,
    };
    let mut discriminator = Discriminator::new("kind");
    for item in one_of.items.iter_mut() {
        let RefOr::T(Schema::Object(object)) = item else {
            continue;
        };
        let (Some(name), Some(RefOr::T(Schema::Object(kind)))) =
            (object.title.clone(), object.properties.get("kind"))
        else {
            continue;
        };
        let Some(kind) = kind
            .enum_values
            .as_ref()
            .and_then(|v| v.first())
            .and_then(|v| v.as_str())
            .map(str::to_string)
        else {
            continue;
        };
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        let reference = format!("#/components/schemas/{name}");
        let schema = std::mem::replace(item, RefOr::Ref(Ref::new(reference.clone())));
        components.schemas.insert(name, schema);
        discriminator.mapping.insert(kind, reference);
    }
    one_of.discriminator = Some(discriminator);
    components
        .schemas
        .insert(enum_name.into(), RefOr::T(Schema::OneOf(one_of)));
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
                .configure(files::routes)
                .configure(reports::routes)
                .configure(workflow::routes)
                .configure(periods::routes)
                .configure(indicators::routes)
                .configure(notifications::routes)
                .configure(webhooks::routes)
                .configure(inspections::routes),
        );
}

/// An id in the path that is not a UUID is a malformed request (400), as the
/// spec's `format: uuid` says, not a missing object. But a path the spec has as
/// a resource of its own (`/agencies/reorganisations`, beside `/agencies/{id}`)
/// asked with a method it does not take is 405, as for any other path.
pub fn path_error(_err: PathError, req: &HttpRequest) -> actix_web::Error {
    let own = req
        .app_data::<web::Data<KnownRoutes>>()
        .and_then(|k| k.literal(req.path()));
    if let Some(methods) = own {
        return ApiError::MethodNotAllowed {
            detail: format!(
                "{} is not allowed on {}; use {}",
                req.method(),
                req.path(),
                methods.join(", ")
            ),
            allow: methods.join(", "),
        }
        .into();
    }
    let field = req
        .match_info()
        .iter()
        .find(|(_, value)| uuid::Uuid::parse_str(value).is_err())
        .map(|(name, _)| name.to_string())
        .unwrap_or_else(|| "id".into());
    ApiError::field(
        field,
        "is not a UUID, such as 3f2b8c1e-5a4d-4e2f-9b1a-7c6d5e4f3a2b",
    )
    .into()
}

/// The extractor settings every app uses.
pub fn extractor_configs() -> (web::PayloadConfig, web::PathConfig) {
    let payload = web::PayloadConfig::new(MAX_JSON_BODY);
    let path = web::PathConfig::default().error_handler(path_error);
    (payload, path)
}

/// The paths and methods the spec lists, to tell "no such route" (404) from
/// "not this method" (405 with `Allow`). Built from the same spec as the router.
#[derive(Debug, Clone, Default)]
pub struct KnownRoutes(Vec<(Vec<String>, Vec<&'static str>)>);

impl KnownRoutes {
    pub fn from_spec(spec: &utoipa::openapi::OpenApi) -> KnownRoutes {
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(str::to_string)
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    // answered wherever GET is (api::edge)
                    ("HEAD", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| m)
                .collect();
                (segments, methods)
            })
            .collect();
        KnownRoutes(routes)
    }

    /// The methods allowed on `path`, if the spec has it as a path without
    /// parameters.
    pub fn literal(&self, path: &str) -> Option<Vec<&'static str>> {
        let wanted: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        self.0
            .iter()
            .find(|(segments, _)| {
                segments.len() == wanted.len() && segments.iter().zip(&wanted).all(|(s, w)| s == w)
            })
            .map(|(_, methods)| methods.clone())
    }

    /// The methods allowed on `path`, if the spec knows the path: those of a
    /// path without parameters that is exactly it, else of every path it fits.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        if let Some(methods) = self.literal(path) {
            return Some(methods);
        }
        // A trailing slash is another path (`/tasks/` is not `/tasks`).
        let wanted: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let mut found: Option<Vec<&'static str>> = None;
        for (segments, methods) in &self.0 {
            let matches = segments.len() == wanted.len()
                && segments
                    .iter()
                    .zip(&wanted)
                    .all(|(s, w)| (s.starts_with('{') && !w.is_empty()) || s == w);
            if matches {
                found
                    .get_or_insert_with(Vec::new)
                    .extend(methods.iter().copied());
            }
        }
        found
    }
}

/// Unknown routes: a problem document, not an empty 404; a known path with
/// another method: 405 with `Allow`.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    let allowed = req
        .app_data::<web::Data<KnownRoutes>>()
        .and_then(|k| k.allowed(req.path()));
    match allowed {
        Some(methods) => Err(ApiError::MethodNotAllowed {
            detail: format!(
                "{} is not allowed on {}; use {}",
                req.method(),
                req.path(),
                methods.join(", ")
            ),
            allow: methods.join(", "),
        }),
        None => {
            let without_slash = req.path().trim_end_matches('/');
            let hint = if without_slash.len() < req.path().len()
                && req
                    .app_data::<web::Data<KnownRoutes>>()
                    .and_then(|k| k.allowed(without_slash))
                    .is_some()
            {
                format!("; paths have no trailing slash: {without_slash}")
            } else {
                String::new()
            };
            Err(ApiError::NoRoute(format!(
                "no route for {} {}{hint}",
                req.method(),
                req.path()
            )))
        }
    }
}
