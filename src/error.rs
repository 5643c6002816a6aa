//! One error type for the whole engine, with messages written for the shop
//! developer who will read them in a browser console.

use std::fmt;

/// Everything that can go wrong in the engine. The `Display` text is the
/// message a JS caller sees in `Error.message`, so it says what was wrong
/// and, where it helps, what to do instead.
#[derive(Debug, Clone, PartialEq)]
pub enum ShelfError {
    /// The bytes are not a `.shelf` model at all.
    BadMagic,
    /// A model written by a newer (or unknown) format version.
    UnsupportedVersion(u16),
    /// The file ends before a structure it announces.
    Truncated {
        what: String,
        needed: usize,
        available: usize,
    },
    /// The checksum in the trailer does not match the content.
    ChecksumMismatch { stored: u32, computed: u32 },
    /// A structural problem in a section (bad offset, wrong length, …).
    Corrupt { section: String, detail: String },
    /// A non-finite number where the model needs a real one.
    NotFinite { section: String, index: usize },
    /// Two parts of the model disagree on the factor dimension.
    DimensionMismatch {
        expected: usize,
        found: usize,
        what: String,
    },
    /// The caller passed an argument the engine cannot use.
    InvalidArgument(String),
    /// An item id that the loaded model does not know.
    UnknownItem(String),
    /// A saved profile that cannot be read back.
    BadProfile(String),
    /// A numerical failure while solving for the user vector.
    Numerical(String),
    /// A public key was given and the model's Ed25519 signature is missing,
    /// malformed or does not verify.
    Signature(String),
}

impl fmt::Display for ShelfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShelfError::BadMagic => write!(
                f,
                "not a shelfrank model: the file does not start with the .shelf magic bytes (was it downloaded completely, and is it the .shelf file the trainer wrote?)"
            ),
            ShelfError::UnsupportedVersion(v) => write!(
                f,
                "unsupported .shelf format version {v}: this build of shelfrank reads version {}; update the shelfrank package or re-export the model",
                crate::format::FORMAT_VERSION
            ),
            ShelfError::Truncated { what, needed, available } => write!(
                f,
                "model file is truncated at {what}: needs {needed} bytes but only {available} are there"
            ),
            ShelfError::ChecksumMismatch { stored, computed } => write!(
                f,
                "model checksum mismatch (stored {stored:08x}, computed {computed:08x}): the file was damaged or altered in transit"
            ),
            ShelfError::Corrupt { section, detail } => {
                write!(f, "model section {section} is invalid: {detail}")
            }
            ShelfError::NotFinite { section, index } => write!(
                f,
                "model section {section} holds NaN or infinity at position {index}"
            ),
            ShelfError::DimensionMismatch { expected, found, what } => write!(
                f,
                "dimension mismatch in {what}: expected {expected}, found {found}"
            ),
            ShelfError::InvalidArgument(msg) => f.write_str(msg),
            ShelfError::UnknownItem(id) => write!(
                f,
                "unknown item id \"{id}\": this model has no item with that id"
            ),
            ShelfError::BadProfile(msg) => write!(f, "saved profile cannot be used: {msg}"),
            ShelfError::Numerical(msg) => write!(f, "numerical problem: {msg}"),
            ShelfError::Signature(msg) => {
                write!(f, "model signature check failed, model refused: {msg}")
            }
        }
    }
}

impl std::error::Error for ShelfError {}

/// Shorthand used across the engine.
pub type Result<T> = std::result::Result<T, ShelfError>;

/// Builds an `InvalidArgument` error from anything printable.
pub(crate) fn invalid(msg: impl Into<String>) -> ShelfError {
    ShelfError::InvalidArgument(msg.into())
}
