//! Evidence files, without I/O: what may be uploaded, how its name is kept,
//! and how it is named again on download.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The largest file accepted: 20 MiB.
pub const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

/// The longest name kept, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// The types accepted, told by their content (magic bytes and, for the
/// zip-based office formats, the entries inside), never by name or declared type.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    if infer::archive::is_pdf(content) {
        Some("application/pdf")
    } else if infer::image::is_png(content) {
        Some("image/png")
    } else if infer::image::is_jpeg(content) {
        Some("image/jpeg")
    } else if infer::doc::is_docx(content) {
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    } else if infer::doc::is_xlsx(content) {
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    } else if infer::odf::is_odt(content) {
        Some("application/vnd.oasis.opendocument.text")
    } else if infer::odf::is_ods(content) {
        Some("application/vnd.oasis.opendocument.spreadsheet")
    } else {
        None
    }
}

/// The name as given, in NFC, without control characters, trimmed; it is
/// only ever shown and offered back, never used as a path.
pub fn file_name(given: &str) -> Result<String, String> {
    let name: String = given
        .nfc()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    if name.is_empty() {
        return Err("the file part needs a file name".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("at most {MAX_NAME_CHARS} characters"));
    }
    Ok(name)
}

/// `Content-Disposition: attachment` with the name (RFC 6266): a plain ASCII
/// `filename` for old clients (diacritics dropped, đ → d, anything else `_`)
/// and the exact name as `filename*=UTF-8''…`.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            ' '..='~' if c != '"' && c != '\\' && c != '/' && c != '%' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::new();
    for b in name.as_bytes() {
        // RFC 8187 attr-char
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(b) {
            encoded.push(*b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_types_are_told_by_content() {
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj"),
            Some("application/pdf")
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Some("image/jpeg"));
        // an executable, whatever it is called
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), None);
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"), None);
        assert_eq!(sniff(b"just text"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn names_are_kept_as_given_in_nfc() {
        // "ệ" decomposed (e + combining marks) comes back composed
        let nfd = "Ba\u{301}o ca\u{301}o ../ke\u{302}\u{323}t qua\u{309}.pdf";
        assert_eq!(file_name(nfd).unwrap(), "Báo cáo ../kệt quả.pdf");
        assert_eq!(file_name(" ../../etc/passwd ").unwrap(), "../../etc/passwd");
        assert!(file_name(" \u{7} ").is_err());
        assert!(file_name(&"a".repeat(256)).is_err());
        assert!(file_name(&"ệ".repeat(255)).is_ok());
    }

    #[test]
    fn the_download_name_has_an_ascii_fallback_and_the_utf8_form() {
        assert_eq!(
            content_disposition("Quyết định \"số 1\"/Đề án.pdf"),
            "attachment; filename=\"Quyet dinh _so 1__De an.pdf\"; \
             filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20%22s%E1%BB%91%201%22%2F%C4%90%E1%BB%81%20%C3%A1n.pdf"
        );
    }
}
