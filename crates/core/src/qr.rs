//! QR codes: reading one from an image (rqrr) and drawing one for a phone backup (qrcode).

use std::io::Cursor;
use std::path::Path;

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Decodes the first QR code found in a PNG or JPEG file.
pub fn decode_image(path: &Path) -> Result<Zeroizing<String>> {
    let bytes = std::fs::read(path).map_err(|source| Error::FileRead {
        path: path.to_owned(),
        cause: source,
    })?;
    let image = image::load_from_memory(&bytes).map_err(|e| Error::ImageDecode {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
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

    #[test]
    fn terminal_rendering_uses_half_blocks() {
        let s = to_terminal("otpauth://totp/x?secret=JBSWY3DP").unwrap();
        assert!(s.contains('█') || s.contains('▀') || s.contains('▄'));
    }
}
