//! Evidence files: upload the signed document, download it.

mod download;
mod upload;

use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::service::files::FileInfo;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(upload::upload_file)
        .service(download::download_file);
}

/// The upload form: one part, `file`, with the document and its file name.
/// (Only for the spec: the body is read as a stream, part by part.)
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// PDF, DOCX, XLSX, ODT, ODS, JPEG or PNG, at most 20 MiB; the part's file
    /// name is kept as the document's name.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
}

/// A file's bytes (`type: string, format: binary`).
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The file's bytes"))
            .into()
    }
}

impl ToSchema for FileBytes {}
