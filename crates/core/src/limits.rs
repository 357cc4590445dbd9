//! Everything Otpilot reads from outside (an import file, a pasted export, a password on
//! stdin) is read with a bound: `--aws-seed-file /dev/zero`, a FIFO or a wrong multi-GB file
//! is refused after the bound, not read until memory runs out.

use std::io::{BufRead, Read};
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// How much of one kind of input is read, and what that input is, for the error.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bytes: u64,
    /// "AWS seed file": the error says "more than any AWS seed file".
    pub what: &'static str,
}

/// The seed file of `aws iam create-virtual-mfa-device`: 64 characters.
pub const AWS_SEED_FILE: Limit = Limit {
    bytes: 1 << 20,
    what: "AWS seed file",
};
/// An authenticator app's export: Aegis exports with icons are a few MB.
pub const APP_EXPORT: Limit = Limit {
    bytes: 64 << 20,
    what: "authenticator export",
};
/// A screenshot or photo of a QR code.
pub const QR_IMAGE: Limit = Limit {
    bytes: 32 << 20,
    what: "QR code image",
};
/// A pasted base32 seed, otpauth URI or Google Authenticator export (a few KB).
pub const PASTED_SECRET: Limit = Limit {
    bytes: 1 << 20,
    what: "seed, otpauth URI or export",
};
/// A password or passphrase given on stdin.
pub const PASSWORD: Limit = Limit {
    bytes: 64 << 10,
    what: "password",
};

/// The whole file at `path`, in zeroizing memory, refused past `limit`.
pub fn read_file(path: &Path, limit: Limit) -> Result<Zeroizing<Vec<u8>>> {
    let file_error = |source| Error::FileRead {
        path: path.to_owned(),
        cause: source,
    };
    let file = std::fs::File::open(path).map_err(file_error)?;
    read_stream(file, limit, &path.display().to_string()).map_err(|e| match e {
        Error::FileRead { cause, .. } => file_error(cause),
        other => other,
    })
}

/// All of `reader` (stdin, say: named `input` in the error), refused past `limit`.
pub fn read_stream(reader: impl Read, limit: Limit, input: &str) -> Result<Zeroizing<Vec<u8>>> {
    let mut bytes = Zeroizing::new(Vec::new());
    reader
        .take(limit.bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::FileRead {
            path: input.into(),
            cause: source,
        })?;
    if bytes.len() as u64 > limit.bytes {
        return Err(too_large(input, limit));
    }
    Ok(bytes)
}

/// The first line of `reader`, without its line ending, refused past `limit` (a password
/// piped on stdin: the caller may keep the pipe open after the line).
pub fn read_line(reader: impl BufRead, limit: Limit, input: &str) -> Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::new());
    reader
        .take(limit.bytes + 1)
        .read_line(&mut line)
        .map_err(|source| Error::FileRead {
            path: input.into(),
            cause: source,
        })?;
    let end = line.trim_end_matches(['\n', '\r']).len();
    if end as u64 > limit.bytes {
        return Err(too_large(input, limit));
    }
    line.truncate(end);
    Ok(line)
}

fn too_large(input: &str, limit: Limit) -> Error {
    Error::InputTooLarge {
        input: input.to_owned(),
        limit: human(limit.bytes),
        what: limit.what,
    }
}

/// "64 MiB", "1 MiB", "64 KiB".
fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limit = Limit {
        bytes: 16,
        what: "test input",
    };

    #[test]
    fn reads_up_to_the_limit_and_refuses_past_it() {
        assert_eq!(
            read_stream(&[7u8; 16][..], SMALL, "stdin")
                .unwrap()
                .as_slice(),
            [7u8; 16]
        );
        let err = read_stream(&[7u8; 17][..], SMALL, "stdin").err().unwrap();
        assert_eq!(
            err.to_string(),
            "stdin is larger than 16 bytes, more than any test input; check that it is the right one"
        );
    }

    #[test]
    fn an_endless_file_is_refused_after_the_limit() {
        let err = read_file(Path::new("/dev/zero"), AWS_SEED_FILE)
            .err()
            .unwrap();
        assert!(matches!(err, Error::InputTooLarge { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("/dev/zero is larger than 1 MiB, more than any AWS seed file"),
            "{err}"
        );
        assert!(matches!(
            read_file(Path::new("/nonexistent/x"), AWS_SEED_FILE),
            Err(Error::FileRead { .. })
        ));
        assert_eq!(human(64 << 10), "64 KiB");
    }

    #[test]
    fn a_line_is_read_without_its_ending_and_bounded() {
        let line = read_line(&b"secret\r\nmore"[..], SMALL, "stdin").unwrap();
        assert_eq!(line.as_str(), "secret");
        assert_eq!(
            read_line(&[b'x'; 16][..], SMALL, "stdin").unwrap().len(),
            16
        );
        assert!(matches!(
            read_line(&[b'x'; 40][..], SMALL, "stdin"),
            Err(Error::InputTooLarge { .. })
        ));
    }
}
