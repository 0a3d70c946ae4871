//! Accent- and case-insensitive matching for Vietnamese text: officials type
//! "dang ky" and expect "Đăng ký".

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-case ASCII-ish form: diacritics stripped (đ → d), whitespace collapsed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.extend(c.to_lowercase());
            last_space = false;
        }
    }
    out.trim_end().to_string()
}

/// Escapes LIKE wildcards in a folded query.
pub fn like_pattern(folded_query: &str) -> String {
    let escaped = folded_query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(
            fold("Cải cách  THỦ TỤC hành chính"),
            "cai cach thu tuc hanh chinh"
        );
        assert_eq!(fold("Đăng ký kinh doanh"), "dang ky kinh doanh");
        assert_eq!(fold("Quý II/2023 — ổn định"), "quy ii/2023 — on dinh");
    }

    #[test]
    fn wildcards_in_a_query_match_only_themselves() {
        use super::like_pattern;
        assert_eq!(like_pattern("dang ky"), "%dang ky%");
        assert_eq!(like_pattern("100%"), "%100\\%%");
        assert_eq!(like_pattern("nv_01"), "%nv\\_01%");
        assert_eq!(like_pattern("a\\b"), "%a\\\\b%");
    }
}
