//! QR codes: reading one from an image (rqrr) and drawing one for a phone backup (qrcode).

use std::io::Cursor;
use std::path::Path;

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Images larger than this are refused from their header, before decoding: a small PNG can
/// declare a huge canvas (it compresses well) and take minutes and gigabytes to decode. A 5K
/// screenshot is 14.7 Mpx; a QR code needs far fewer.
const MAX_PIXELS: u64 = 16 << 20;
/// And no side longer than this (a very long, thin image is no screenshot either).
const MAX_SIDE: u32 = 16_384;
/// What the decoder may allocate for one image (the 16 Mpx as RGBA, and then some).
const MAX_ALLOC: u64 = 256 << 20;

/// Decodes the first QR code found in a PNG or JPEG file.
pub fn decode_image(path: &Path) -> Result<Zeroizing<String>> {
    let bytes = crate::limits::read_file(path, crate::limits::QR_IMAGE)?;
    let bad = |e: image::ImageError| Error::ImageDecode {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    let reader = || {
        image::ImageReader::new(Cursor::new(bytes.as_slice()))
            .with_guessed_format()
            .map_err(|e| bad(e.into()))
    };
    // The header alone says how large the image is.
    let (width, height) = reader()?.into_dimensions().map_err(bad)?;
    if u64::from(width) * u64::from(height) > MAX_PIXELS || width.max(height) > MAX_SIDE {
        return Err(Error::ImageTooLarge {
            path: path.to_owned(),
            width,
            height,
            max_mpx: (MAX_PIXELS >> 20) as u32,
        });
    }
    let mut reader = reader()?;
    // The decoder checks again, should the header and the data disagree.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let image = reader.decode().map_err(bad)?;
    let mut prepared = rqrr::PreparedImage::prepare(image.to_luma8());
    for grid in prepared.detect_grids() {
        if let Ok((_, content)) = grid.decode() {
            return Ok(Zeroizing::new(content));
        }
    }
    Err(Error::NoQrCode {
        path: path.to_owned(),
    })
}

fn encode(text: &str) -> Result<QrCode> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::QrEncode(e.to_string()))
}

/// Renders a QR code with Unicode half blocks, dark on light, for a terminal.
pub fn to_terminal(text: &str) -> Result<Zeroizing<String>> {
    let code = encode(text)?;
    Ok(Zeroizing::new(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Dark)
            .light_color(Dense1x2::Light)
            .quiet_zone(true)
            .build(),
    ))
}

/// Renders a QR code as an SVG document (for the tray window).
pub fn to_svg(text: &str) -> Result<Zeroizing<String>> {
    let code = encode(text)?;
    Ok(Zeroizing::new(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
    ))
}

/// Renders a QR code as PNG bytes.
pub fn to_png(text: &str) -> Result<Zeroizing<Vec<u8>>> {
    let code = encode(text)?;
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(256, 256)
        .build();
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::QrEncode(e.to_string()))?;
    Ok(Zeroizing::new(out.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips_through_the_decoder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qr.png");
        let uri = "otpauth://totp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        std::fs::write(&path, to_png(uri).unwrap()).unwrap();
        assert_eq!(decode_image(&path).unwrap().as_str(), uri);
    }

    #[test]
    fn images_without_codes_and_non_images() {
        let dir = tempfile::tempdir().unwrap();
        let blank = dir.path().join("blank.png");
        image::GrayImage::from_pixel(64, 64, image::Luma([255]))
            .save(&blank)
            .unwrap();
        assert!(matches!(decode_image(&blank), Err(Error::NoQrCode { .. })));
        let text = dir.path().join("text.png");
        std::fs::write(&text, "not an image").unwrap();
        assert!(matches!(
            decode_image(&text),
            Err(Error::ImageDecode { .. })
        ));
    }

    /// A PNG of `width`×`height` grey pixels, as a header only says it: the signature, IHDR
    /// and an empty IEND. Enough for any reader to learn the size, nothing to decode.
    pub(crate) fn png_header(width: u32, height: u32) -> Vec<u8> {
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xedb8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let crc = crc32(&out[start..]);
            out.extend_from_slice(&crc.to_be_bytes());
        }
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale, no interlace
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &[]);
        chunk(&mut png, b"IEND", &[]);
        png
    }

    #[test]
    fn a_huge_canvas_is_refused_from_its_header() {
        let dir = tempfile::tempdir().unwrap();
        for (width, height) in [(100_000, 100_000), (5_000, 5_000), (40_000, 10)] {
            let path = dir.path().join(format!("{width}x{height}.png"));
            std::fs::write(&path, png_header(width, height)).unwrap();
            let err = decode_image(&path).err().unwrap();
            assert!(
                matches!(err, Error::ImageTooLarge { width: w, height: h, .. } if w == width && h == height),
                "{err}"
            );
            assert!(
                err.to_string().contains("more than the 16 megapixels"),
                "{err}"
            );
        }
        // Within the bound, the header is read and decoding goes on (and fails on no data).
        let path = dir.path().join("small.png");
        std::fs::write(&path, png_header(640, 480)).unwrap();
        assert!(matches!(
            decode_image(&path),
            Err(Error::ImageDecode { .. })
        ));
    }

    #[test]
    fn terminal_rendering_uses_half_blocks() {
        let s = to_terminal("otpauth://totp/x?secret=JBSWY3DP").unwrap();
        assert!(s.contains('█') || s.contains('▀') || s.contains('▄'));
    }
}
