//! TPM 2.0 command and response framing (TCG TPM 2.0 Library, Part 1 §18 and Part 3), just
//! the parts Otpilot sends: big-endian integers, sized buffers (`TPM2B`), handles, and one
//! password authorization (`TPM_RS_PW`) per command.
//!
//! Command buffers can hold a seed or a PIN, so they are `Zeroizing`; so are responses,
//! which can hold an HMAC.

use zeroize::Zeroizing;

/// `TPM_ST_NO_SESSIONS`, `TPM_ST_SESSIONS`.
const ST_NO_SESSIONS: u16 = 0x8001;
const ST_SESSIONS: u16 = 0x8002;
/// The password authorization session handle.
const RS_PW: u32 = 0x4000_0009;
/// A command or response header: tag, size, command code or response code.
pub const HEADER_LEN: usize = 10;
/// No TPM response Otpilot reads is larger; a bigger size field means a broken link.
pub const MAX_RESPONSE: usize = 8192;

/// A command being written: header, handles, the authorization area, parameters.
pub struct Command {
    buf: Zeroizing<Vec<u8>>,
}

impl Command {
    /// A command `code` over `handles`; with `auth`, each handle is authorized by one
    /// password session carrying `auth` (an empty password is the common case).
    pub fn new(code: u32, handles: &[u32], auth: Option<&[u8]>) -> Self {
        let mut c = Self {
            buf: Zeroizing::new(Vec::with_capacity(256)),
        };
        c.u16(if auth.is_some() {
            ST_SESSIONS
        } else {
            ST_NO_SESSIONS
        });
        c.u32(0); // the size, filled by `finish`
        c.u32(code);
        for &h in handles {
            c.u32(h);
        }
        if let Some(password) = auth {
            // TPMS_AUTH_COMMAND: handle, nonce (empty), attributes (none), hmac = password.
            let len = 4 + 2 + 1 + 2 + password.len();
            c.u32(len as u32);
            c.u32(RS_PW);
            c.b2(&[]);
            c.u8(0);
            c.b2(password);
        }
        c
    }

    /// A command `code` over `handles` whose authorization area is `area` (an HMAC
    /// session's, made by the caller), then `params` as they are.
    pub fn with_auth_area(code: u32, handles: &[u32], area: &[u8], params: &[u8]) -> Self {
        let mut c = Self {
            buf: Zeroizing::new(Vec::with_capacity(
                HEADER_LEN + area.len() + params.len() + 16,
            )),
        };
        c.u16(ST_SESSIONS).u32(0).u32(code);
        for &h in handles {
            c.u32(h);
        }
        c.u32(area.len() as u32).raw(area).raw(params);
        c
    }

    /// A buffer for parameters only (no header), to be encrypted or hashed before it is
    /// placed after an authorization area.
    pub fn params() -> Self {
        Self {
            buf: Zeroizing::new(Vec::with_capacity(128)),
        }
    }

    /// The bytes written, as they are (for [`Command::params`]).
    pub fn into_bytes(self) -> Zeroizing<Vec<u8>> {
        self.buf
    }

    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// A `TPM2B`: a 16-bit size, then the bytes.
    pub fn b2(&mut self, bytes: &[u8]) -> &mut Self {
        self.u16(bytes.len() as u16);
        self.raw(bytes)
    }

    /// A `TPM2B` whose contents are written by `body` (nested structures).
    pub fn sized(&mut self, body: impl FnOnce(&mut Self)) -> &mut Self {
        let at = self.buf.len();
        self.u16(0);
        body(self);
        let len = (self.buf.len() - at - 2) as u16;
        self.buf[at..at + 2].copy_from_slice(&len.to_be_bytes());
        self
    }

    /// The finished command, its size filled in.
    pub fn finish(mut self) -> Zeroizing<Vec<u8>> {
        let len = self.buf.len() as u32;
        self.buf[2..6].copy_from_slice(&len.to_be_bytes());
        self.buf
    }
}

/// A response's header, read: its response code, and the rest.
pub struct Response {
    pub code: u32,
    tag: u16,
    body: Zeroizing<Vec<u8>>,
}

impl Response {
    /// Checks the header of `bytes`; a size that disagrees with the bytes is an error.
    pub fn parse(bytes: Zeroizing<Vec<u8>>) -> Result<Self, &'static str> {
        if bytes.len() < HEADER_LEN {
            return Err("the TPM's answer is shorter than a header");
        }
        let tag = u16::from_be_bytes([bytes[0], bytes[1]]);
        let size = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]) as usize;
        let code = u32::from_be_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]);
        if size != bytes.len() {
            return Err("the TPM's answer has the wrong size");
        }
        if tag != ST_NO_SESSIONS && tag != ST_SESSIONS {
            return Err("the TPM's answer has an unknown tag");
        }
        Ok(Self {
            code,
            tag,
            body: bytes,
        })
    }

    /// The handles, the parameters (as bytes) and the session area of a successful response
    /// to a command with sessions.
    pub fn with_session(
        &self,
        handles: usize,
    ) -> Result<(Vec<u32>, &[u8], Reader<'_>), &'static str> {
        let mut r = Reader {
            bytes: &self.body[HEADER_LEN..],
        };
        let mut out = Vec::with_capacity(handles);
        for _ in 0..handles {
            out.push(r.u32()?);
        }
        let len = r.u32()? as usize;
        let params = r.take(len)?;
        Ok((out, params, r))
    }

    /// The handles and the parameters of a successful response.
    pub fn reader(&self, handles: usize) -> Result<(Vec<u32>, Reader<'_>), &'static str> {
        let mut r = Reader {
            bytes: &self.body[HEADER_LEN..],
        };
        let mut out = Vec::with_capacity(handles);
        for _ in 0..handles {
            out.push(r.u32()?);
        }
        if self.tag == ST_SESSIONS {
            // The parameters are sized; the session area after them is not needed.
            let len = r.u32()? as usize;
            let params = r.take(len)?;
            return Ok((out, Reader { bytes: params }));
        }
        Ok((out, r))
    }
}

/// Reads a response's parameters in order.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        if self.bytes.len() < n {
            return Err("the TPM's answer ends early");
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub fn u8(&mut self) -> Result<u8, &'static str> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16, &'static str> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self) -> Result<u32, &'static str> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A `TPM2B`'s contents.
    pub fn b2(&mut self) -> Result<&'a [u8], &'static str> {
        let n = self.u16()? as usize;
        self.take(n)
    }

    /// A whole `TPM2B`, size included (to hand back to the TPM unchanged).
    pub fn b2_whole(&mut self) -> Result<&'a [u8], &'static str> {
        let start = self.bytes;
        let n = self.u16()? as usize;
        self.take(n)?;
        Ok(&start[..2 + n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_with_a_password_session_is_framed_as_the_spec_says() {
        let mut c = Command::new(0x0155, &[0x8000_0001], Some(b"pin"));
        c.b2(&[1, 2]).u16(0x0004);
        let bytes = c.finish();
        let expected: Vec<u8> = [
            &[0x80, 0x02][..], // TPM_ST_SESSIONS
            &(bytes.len() as u32).to_be_bytes(),
            &[0, 0, 0x01, 0x55],             // TPM_CC_HMAC
            &[0x80, 0, 0, 1],                // the key's handle
            &[0, 0, 0, 12],                  // authorization size
            &[0x40, 0, 0, 9, 0, 0, 0, 0, 3], // TPM_RS_PW, no nonce, no attributes
            b"pin",
            &[0, 2, 1, 2, 0, 4],
        ]
        .concat();
        assert_eq!(&bytes[..], &expected[..]);
    }

    #[test]
    fn sized_structures_get_their_length() {
        let mut c = Command::new(1, &[], None);
        c.sized(|c| {
            c.u32(7).b2(b"ab");
        });
        assert_eq!(&c.finish()[10..], &[0, 8, 0, 0, 0, 7, 0, 2, b'a', b'b']);
    }

    #[test]
    fn responses_are_checked_and_read() {
        let body = [
            &[0x80, 0x02, 0, 0, 0, 24, 0, 0, 0, 0][..],
            &[0x80, 0, 0, 2],    // a handle
            &[0, 0, 0, 4],       // parameter size
            &[0, 2, 0xAB, 0xCD], // a TPM2B
            &[0, 0],             // (the session area, ignored)
        ]
        .concat();
        let r = Response::parse(Zeroizing::new(body.clone())).unwrap();
        let (handles, mut params) = r.reader(1).unwrap();
        assert_eq!(handles, [0x8000_0002]);
        assert_eq!(params.b2().unwrap(), &[0xAB, 0xCD]);
        assert!(params.u8().is_err());
        let mut short = body;
        short.pop();
        assert!(Response::parse(Zeroizing::new(short)).is_err());
    }
}
