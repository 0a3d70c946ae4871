//! Authentication: password hashing, access and refresh tokens, and the
//! extractor that turns a bearer token into a `Principal`.

pub mod extractor;
pub mod password;
pub mod tokens;

pub use extractor::Authenticated;
pub use tokens::TokenService;
