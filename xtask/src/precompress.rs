//! Build-time compression of dist/: beside every file, `<file>.br` (brotli, quality 11) and
//! `<file>.gz` (gzip, level 9), which the server sends as they are to clients that accept
//! them. Compressing once at build time affords the slowest, smallest settings, which a
//! server compressing each answer could not.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::app_bundle::read_dir;
use crate::Result;

/// Writes the `.br` and `.gz` of every file under `dir`, except where the variant would not
/// be smaller (already-compressed formats): without it the server sends the file itself.
pub fn precompress(dir: &Path) -> Result {
    for path in read_dir(dir)? {
        if path.is_dir() {
            precompress(&path)?;
            continue;
        }
        if path.extension().is_some_and(|e| e == "br" || e == "gz") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for (extension, compressed) in [("br", brotli_best(&bytes)?), ("gz", gzip_best(&bytes)?)] {
            if compressed.len() < bytes.len() {
                let mut name = path.as_os_str().to_owned();
                name.push(".");
                name.push(extension);
                std::fs::write(&name, compressed)
                    .map_err(|e| format!("cannot write {}: {e}", Path::new(&name).display()))?;
            }
        }
    }
    Ok(())
}

pub fn brotli_best(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        // The largest window brotli's format allows without the "large window" extension,
        // which browsers do not decode.
        lgwin: 24,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).map_err(|e| format!("brotli failed: {e}"))?;
    Ok(out)
}

pub fn gzip_best(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|_| encoder.finish())
        .map_err(|e| format!("gzip failed: {e}"))
}
