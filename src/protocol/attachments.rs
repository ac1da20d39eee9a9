//! Files in conversations: which types are allowed, how a file proves its
//! type (its extension and its first bytes must agree), the size limits,
//! and the attachment record a message carries.
//!
//! The client checks a file with the same [`sniff`] before uploading, so an
//! agent hears why a file is refused without waiting for the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub type AttachmentId = i64;

/// What a file is, for its icon, its preview and the platforms' media kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Image,
    Audio,
    Video,
    Document,
    Contact,
}

impl AttachmentKind {
    pub const ALL: [AttachmentKind; 5] = [
        AttachmentKind::Image,
        AttachmentKind::Audio,
        AttachmentKind::Video,
        AttachmentKind::Document,
        AttachmentKind::Contact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Image => "image",
            AttachmentKind::Audio => "audio",
            AttachmentKind::Video => "video",
            AttachmentKind::Document => "document",
            AttachmentKind::Contact => "contact",
        }
    }
}

impl std::str::FromStr for AttachmentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AttachmentKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("{s:?} is not a kind of file (image, audio, video, document, contact)")
            })
    }
}

/// One allowed file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    /// The extension, lower case, without the dot.
    pub ext: &'static str,
    pub mime: &'static str,
    pub kind: AttachmentKind,
    magic: Magic,
}

/// How a type's content is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    Png,
    Jpeg,
    Gif,
    Pdf,
    Mp3,
    Aac,
    /// ISO base media (mp4, m4a, 3gpp): an `ftyp` box first.
    IsoMedia,
    /// QuickTime: `ftyp`, or an older file's first atom.
    QuickTime,
    Webm,
    Ogg,
    Wav,
    VCard,
}

use AttachmentKind::*;

/// Every type the product accepts (its list says "acc"; it means aac).
pub const FILE_TYPES: &[FileType] = &[
    FileType {
        ext: "png",
        mime: "image/png",
        kind: Image,
        magic: Magic::Png,
    },
    FileType {
        ext: "jpg",
        mime: "image/jpeg",
        kind: Image,
        magic: Magic::Jpeg,
    },
    FileType {
        ext: "jpeg",
        mime: "image/jpeg",
        kind: Image,
        magic: Magic::Jpeg,
    },
    FileType {
        ext: "gif",
        mime: "image/gif",
        kind: Image,
        magic: Magic::Gif,
    },
    FileType {
        ext: "mp3",
        mime: "audio/mpeg",
        kind: Audio,
        magic: Magic::Mp3,
    },
    FileType {
        ext: "m4a",
        mime: "audio/mp4",
        kind: Audio,
        magic: Magic::IsoMedia,
    },
    FileType {
        ext: "ogg",
        mime: "audio/ogg",
        kind: Audio,
        magic: Magic::Ogg,
    },
    FileType {
        ext: "wav",
        mime: "audio/wav",
        kind: Audio,
        magic: Magic::Wav,
    },
    FileType {
        ext: "aac",
        mime: "audio/aac",
        kind: Audio,
        magic: Magic::Aac,
    },
    // The help centre's list says "acc": taken as AAC, as it means.
    FileType {
        ext: "acc",
        mime: "audio/aac",
        kind: Audio,
        magic: Magic::Aac,
    },
    FileType {
        ext: "mp4",
        mime: "video/mp4",
        kind: Video,
        magic: Magic::IsoMedia,
    },
    FileType {
        ext: "webm",
        mime: "video/webm",
        kind: Video,
        magic: Magic::Webm,
    },
    FileType {
        ext: "3gpp",
        mime: "video/3gpp",
        kind: Video,
        magic: Magic::IsoMedia,
    },
    FileType {
        ext: "3gp",
        mime: "video/3gpp",
        kind: Video,
        magic: Magic::IsoMedia,
    },
    FileType {
        ext: "mov",
        mime: "video/quicktime",
        kind: Video,
        magic: Magic::QuickTime,
    },
    FileType {
        ext: "pdf",
        mime: "application/pdf",
        kind: Document,
        magic: Magic::Pdf,
    },
    FileType {
        ext: "vcf",
        mime: "text/vcard",
        kind: Contact,
        magic: Magic::VCard,
    },
];

/// How a platform carries a file: as a file of its kind, as a link in a
/// text message, or not at all. The server refuses a reply it cannot
/// carry; the inbox says so before uploading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carriage {
    Native,
    /// Sent as a link; the text says what the customer will see.
    Link(&'static str),
    /// Not sent; the text says why.
    Refused(&'static str),
}

/// How `channel` carries a file of `kind` and `mime`.
pub fn carriage(channel: super::model::ChannelKind, kind: AttachmentKind, mime: &str) -> Carriage {
    use super::model::ChannelKind as C;
    match channel {
        C::Messenger | C::Whatsapp => Carriage::Native,
        C::Wechat => match kind {
            Image | Audio | Video => Carriage::Native,
            Document | Contact => Carriage::Refused(
                "WeChat customer-service messages carry photos, voice and video, not other files",
            ),
        },
        C::Line if matches!(mime, "image/png" | "image/jpeg") => Carriage::Native,
        C::Line => match kind {
            Audio | Video => Carriage::Link(
                "LINE gets audio and video as a link in a text message (its audio and video messages need a duration and a preview image)",
            ),
            _ => Carriage::Link("LINE gets this file as a link in a text message (LINE has no message for files)"),
        },
    }
}

/// How many first bytes [`sniff`] needs to decide (fewer only if the file
/// is shorter).
pub const SNIFF_BYTES: usize = 64;

/// The allowed extensions, for messages: "png, jpg, ...".
pub fn allowed_list() -> String {
    FILE_TYPES
        .iter()
        .map(|t| t.ext)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The type a file name's extension claims, if it is allowed.
pub fn type_for_name(name: &str) -> Result<&'static FileType, String> {
    let ext = std::path::Path::new(name.trim())
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext {
        None => Err(format!(
            "{name:?} has no extension; these files can be sent: {}",
            allowed_list()
        )),
        Some(ext) => FILE_TYPES
            .iter()
            .find(|t| t.ext == ext)
            .ok_or_else(|| format!(".{ext} files cannot be sent; these can: {}", allowed_list())),
    }
}

/// Whether a stored file may be handed to the desktop's opener: its name's
/// extension is an allowed type and the server recorded it as that type
/// (from its bytes). Anything else is only ever saved.
pub fn openable(a: &Attachment) -> bool {
    type_for_name(&a.name).is_ok_and(|t| t.mime == a.mime)
}

/// The file's type, if its name's extension is allowed and its first bytes
/// (`head`, up to [`SNIFF_BYTES`]) are that type's. A renamed file is
/// refused with the reason.
pub fn sniff(name: &str, head: &[u8]) -> Result<&'static FileType, String> {
    let t = type_for_name(name)?;
    if head.is_empty() {
        return Err(format!("{name:?} is empty"));
    }
    if t.magic.matches(head) {
        Ok(t)
    } else {
        Err(format!(
            "{name:?} is named .{} but its content is not {} ({}); it was not sent",
            t.ext,
            t.ext,
            describe(head)
        ))
    }
}

/// The allowed type the content's first bytes are, whatever its name (for
/// files that come from a platform without a trustworthy name); of types
/// that share a signature (MP4 video and M4A audio), one of kind `prefer`.
pub fn type_of_content(head: &[u8], prefer: AttachmentKind) -> Option<&'static FileType> {
    let mut matching = FILE_TYPES.iter().filter(|t| t.magic.matches(head));
    let first = matching.clone().next();
    matching.find(|t| t.kind == prefer).or(first)
}

/// What the content looks like instead, for the refusal message.
fn describe(head: &[u8]) -> String {
    if let Some(t) = FILE_TYPES.iter().find(|t| t.magic.matches(head)) {
        return format!("it looks like a {} file", t.ext);
    }
    if head.starts_with(b"MZ") {
        return "it looks like a Windows program".into();
    }
    if head.starts_with(b"\x7fELF") {
        return "it looks like a program".into();
    }
    if head.starts_with(b"#!") {
        return "it looks like a script".into();
    }
    if head.starts_with(b"PK\x03\x04") {
        return "it looks like a zip archive".into();
    }
    "unrecognised content".into()
}

impl Magic {
    fn matches(self, h: &[u8]) -> bool {
        let at = |i: usize, s: &[u8]| h.len() >= i + s.len() && &h[i..i + s.len()] == s;
        match self {
            Magic::Png => h.starts_with(b"\x89PNG\r\n\x1a\n"),
            Magic::Jpeg => h.starts_with(&[0xFF, 0xD8, 0xFF]),
            Magic::Gif => h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a"),
            Magic::Pdf => h.starts_with(b"%PDF-"),
            // An ID3 tag, or an MPEG audio frame header: 11 sync bits and a
            // layer that is not the reserved 00 (00 is AAC's ADTS).
            Magic::Mp3 => {
                h.starts_with(b"ID3")
                    || (h.len() >= 2 && h[0] == 0xFF && h[1] & 0xE0 == 0xE0 && h[1] & 0x06 != 0)
            }
            // ADTS (sync bits, layer 00), ADIF, or an ID3 tag before ADTS.
            Magic::Aac => {
                h.starts_with(b"ADIF")
                    || h.starts_with(b"ID3")
                    || (h.len() >= 2 && h[0] == 0xFF && h[1] & 0xF6 == 0xF0)
            }
            Magic::IsoMedia => at(4, b"ftyp"),
            Magic::QuickTime => [
                b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot",
            ]
            .iter()
            .any(|atom| at(4, *atom)),
            Magic::Webm => h.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]),
            Magic::Ogg => h.starts_with(b"OggS"),
            Magic::Wav => h.starts_with(b"RIFF") && at(8, b"WAVE"),
            Magic::VCard => {
                let text = h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h);
                let start = text
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .unwrap_or(text.len());
                text[start..]
                    .get(..11)
                    .is_some_and(|s| s.eq_ignore_ascii_case(b"BEGIN:VCARD"))
            }
        }
    }
}

/// A stored file, as a message carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    /// The name it was uploaded with (sanitised: no path, no control
    /// characters).
    pub name: String,
    pub mime: String,
    pub kind: AttachmentKind,
    /// Bytes.
    pub size: u64,
    /// Hex SHA-256 of the content: the same bytes are stored once.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// The default size limit for every kind of file: 25 MB.
pub const DEFAULT_UPLOAD_LIMIT: u64 = 25 * 1024 * 1024;

/// The largest file the server accepts, per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadLimits {
    pub default: u64,
    /// Kinds whose limit differs from the default.
    #[serde(default)]
    pub per_kind: BTreeMap<AttachmentKind, u64>,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            default: DEFAULT_UPLOAD_LIMIT,
            per_kind: BTreeMap::new(),
        }
    }
}

impl UploadLimits {
    pub fn limit(&self, kind: AttachmentKind) -> u64 {
        self.per_kind.get(&kind).copied().unwrap_or(self.default)
    }

    /// The largest limit of any kind: what a request body may be.
    pub fn largest(&self) -> u64 {
        self.per_kind
            .values()
            .copied()
            .chain([self.default])
            .max()
            .unwrap_or(self.default)
    }

    /// Why a file of this kind and size is refused, if it is.
    pub fn check(&self, name: &str, kind: AttachmentKind, size: u64) -> Result<(), String> {
        let limit = self.limit(kind);
        if size > limit {
            Err(format!(
                "{name:?} is {}; {} files can be at most {}",
                human_size(size),
                kind.as_str(),
                human_size(limit)
            ))
        } else {
            Ok(())
        }
    }

    /// Reads "25MB", "video=50MB", "image=10MiB" style settings, later
    /// ones winning.
    pub fn parse_setting(&mut self, setting: &str) -> Result<(), String> {
        match setting.split_once('=') {
            Some((kind, size)) => {
                let kind: AttachmentKind = kind.parse()?;
                self.per_kind.insert(kind, parse_size(size)?);
            }
            None => self.default = parse_size(setting)?,
        }
        Ok(())
    }
}

/// "25MB", "512KB", "1GB", "1048576": sizes in bytes, with 1 KB = 1024 B.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let (num, mult) = [
        ("GIB", 1u64 << 30),
        ("MIB", 1 << 20),
        ("KIB", 1 << 10),
        ("GB", 1 << 30),
        ("MB", 1 << 20),
        ("KB", 1 << 10),
        ("G", 1 << 30),
        ("M", 1 << 20),
        ("K", 1 << 10),
        ("B", 1),
    ]
    .into_iter()
    .find_map(|(suffix, m)| t.strip_suffix(suffix).map(|n| (n.trim().to_string(), m)))
    .unwrap_or((t.clone(), 1));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (for example 25MB, 512KB)"))?;
    if !n.is_finite() || n <= 0.0 {
        return Err(format!("{s:?} is not a size above zero"));
    }
    Ok((n * mult as f64) as u64)
}

/// "1.4 MB", "312 KB", "87 B".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// A customer's file name with its extension replaced by `ext`, the one its
/// bytes were recognised as (or `bin`): "Invoice.pdf.bat" holding a PDF
/// becomes "Invoice.pdf.pdf", holding anything else "Invoice.pdf.bin", so no
/// name a customer chose makes a desktop run or render a file as something
/// it is not.
pub fn name_for_content(name: &str, ext: &str) -> String {
    let cleaned = clean_file_name(name);
    let stem = match cleaned.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s,
        _ => cleaned.as_str(),
    };
    clean_file_name(&format!("{stem}.{ext}"))
}

/// A file name fit to store, show and save anywhere: the last path
/// component; control, bidi-override, quote and drive (`:`) characters
/// dropped; a Windows device name (`CON`, `NUL`, `COM1`...) made harmless;
/// at most 200 characters, the extension kept when the stem is cut; never
/// empty.
pub fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !crate::sanitize::is_dangerous(*c) && !matches!(c, '"' | ':'))
        .collect();
    let cleaned = cleaned.trim().trim_end_matches('.').to_string();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return "file".into();
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 10 => {
            (s.to_string(), format!(".{e}"))
        }
        _ => (cleaned.clone(), String::new()),
    };
    let stem: String = stem.chars().take(200 - ext.chars().count()).collect();
    const DEVICES: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
        "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    let base = stem.split('.').next().unwrap_or("");
    let stem = if DEVICES.iter().any(|d| d.eq_ignore_ascii_case(base)) {
        format!("_{stem}")
    } else {
        stem
    };
    format!("{stem}{ext}")
}

/// Tiny, valid samples of every allowed type, for tests on both sides.
pub mod samples {
    /// (file name, bytes) for every entry of [`super::FILE_TYPES`].
    pub fn all() -> Vec<(String, Vec<u8>)> {
        super::FILE_TYPES
            .iter()
            .map(|t| (format!("sample.{}", t.ext), bytes_for(t.ext)))
            .collect()
    }

    /// A minimal file of the type with extension `ext`.
    pub fn bytes_for(ext: &str) -> Vec<u8> {
        match ext {
            "png" => png_1x1(),
            "jpg" | "jpeg" => {
                let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
                v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
                v.extend_from_slice(&[0xFF, 0xD9]);
                v
            }
            "gif" => {
                let mut v = b"GIF89a\x01\x00\x01\x00\x80\x00\x00".to_vec();
                v.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
                v.extend_from_slice(b",\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;");
                v
            }
            "pdf" => b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
                .to_vec(),
            "mp3" => {
                let mut v = b"ID3\x03\x00\x00\x00\x00\x00\x00".to_vec();
                v.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
                v.extend(std::iter::repeat_n(0u8, 413));
                v
            }
            "aac" | "acc" => {
                let mut v = vec![0xFF, 0xF1, 0x50, 0x80, 0x01, 0x7F, 0xFC];
                v.extend_from_slice(&[0x21, 0x00, 0x49, 0x90, 0x02, 0x19, 0x00]);
                v
            }
            "m4a" => iso_media(b"M4A "),
            "mp4" => iso_media(b"isom"),
            "3gpp" | "3gp" => iso_media(b"3gp5"),
            "mov" => iso_media(b"qt  "),
            "webm" => {
                let mut v = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01];
                v.extend_from_slice(&[0x42, 0x82, 0x84]);
                v.extend_from_slice(b"webm");
                v
            }
            "ogg" => {
                let mut v = b"OggS\x00\x02".to_vec();
                v.extend(std::iter::repeat_n(0u8, 22));
                v.extend_from_slice(b"\x01\x1e\x01vorbis");
                v
            }
            "wav" => {
                let mut v = b"RIFF".to_vec();
                v.extend_from_slice(&40u32.to_le_bytes());
                v.extend_from_slice(b"WAVEfmt ");
                v.extend_from_slice(&16u32.to_le_bytes());
                v.extend_from_slice(&[1, 0, 1, 0]);
                v.extend_from_slice(&8000u32.to_le_bytes());
                v.extend_from_slice(&8000u32.to_le_bytes());
                v.extend_from_slice(&[1, 0, 8, 0]);
                v.extend_from_slice(b"data");
                v.extend_from_slice(&4u32.to_le_bytes());
                v.extend_from_slice(&[128, 128, 128, 128]);
                v
            }
            "vcf" => {
                b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mei Lin\r\nTEL:+886912345678\r\nEND:VCARD\r\n"
                    .to_vec()
            }
            other => panic!("no sample for .{other}"),
        }
    }

    fn iso_media(brand: &[u8; 4]) -> Vec<u8> {
        let mut v = 24u32.to_be_bytes().to_vec();
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(brand);
        v.extend_from_slice(&0u32.to_be_bytes());
        v.extend_from_slice(brand);
        v.extend_from_slice(b"isom");
        v.extend_from_slice(&8u32.to_be_bytes());
        v.extend_from_slice(b"free");
        v
    }

    /// A valid 1x1 PNG (a red pixel).
    pub fn png_1x1() -> Vec<u8> {
        vec![
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48,
            0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
            0x00, 0x90, 0x77, 0x53, 0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08,
            0xD7, 0x63, 0xF8, 0xCF, 0xC0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xDD, 0x8D,
            0xB0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_prefer_the_kind_the_platform_names() {
        let mp4 = samples::bytes_for("mp4");
        assert_eq!(
            type_of_content(&mp4, AttachmentKind::Video).unwrap().ext,
            "mp4"
        );
        assert_eq!(
            type_of_content(&mp4, AttachmentKind::Audio).unwrap().ext,
            "m4a"
        );
        let png = samples::png_1x1();
        assert_eq!(
            type_of_content(&png, AttachmentKind::Audio).unwrap().ext,
            "png"
        );
        assert!(type_of_content(b"#!/bin/sh", AttachmentKind::Document).is_none());
    }

    #[test]
    fn every_allowed_type_recognises_its_sample() {
        for (name, bytes) in samples::all() {
            let t = sniff(&name, &bytes[..bytes.len().min(SNIFF_BYTES)])
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(name.ends_with(t.ext));
        }
    }

    #[test]
    fn renamed_and_unknown_files_are_refused_with_the_reason() {
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00";
        let err = sniff("invoice.pdf", exe).unwrap_err();
        assert!(
            err.contains("not pdf") && err.contains("Windows program"),
            "{err}"
        );
        let err = sniff("photo.png", &samples::bytes_for("jpg")).unwrap_err();
        assert!(err.contains("looks like a jpg"), "{err}");
        let err = sniff("setup.exe", exe).unwrap_err();
        assert!(err.contains(".exe files cannot be sent"), "{err}");
        assert!(sniff("README", b"hello")
            .unwrap_err()
            .contains("no extension"));
        assert!(sniff("empty.png", b"").unwrap_err().contains("empty"));
        // Case of the extension does not matter.
        assert_eq!(
            sniff("PHOTO.PNG", &samples::png_1x1()).unwrap().mime,
            "image/png"
        );
    }

    #[test]
    fn limits_parse_and_apply_per_kind() {
        let mut l = UploadLimits::default();
        assert_eq!(l.limit(AttachmentKind::Video), 25 * 1024 * 1024);
        l.parse_setting("video=50MB").unwrap();
        l.parse_setting("image=512KB").unwrap();
        assert_eq!(l.limit(AttachmentKind::Video), 50 << 20);
        assert_eq!(l.limit(AttachmentKind::Image), 512 << 10);
        assert_eq!(l.largest(), 50 << 20);
        let err = l
            .check("cat.png", AttachmentKind::Image, 600 << 10)
            .unwrap_err();
        assert!(err.contains("600 KB") && err.contains("512 KB"), "{err}");
        assert!(l.parse_setting("sticker=1MB").is_err());
        assert!(l.parse_setting("lots").is_err());
        assert!(l.parse_setting("0").is_err());
        l.parse_setting("1.5GB").unwrap();
        assert_eq!(l.default, 3 << 29);
    }

    #[test]
    fn names_are_cleaned_and_sizes_read_well() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\a\\photo.jpg"), "photo.jpg");
        assert_eq!(clean_file_name("bad\x1b[2Jname\".png"), "bad[2Jname.png");
        assert_eq!(clean_file_name(".."), "file");
        assert_eq!(clean_file_name("C:notes.pdf"), "Cnotes.pdf");
        assert_eq!(clean_file_name("scan\u{202E}fdp.png"), "scanfdp.png");
        assert_eq!(clean_file_name("nul.txt"), "_nul.txt");
        let long = format!("{}quarterly-report.pdf", "x".repeat(230));
        let kept = clean_file_name(&long);
        assert!(
            kept.ends_with("xx.pdf") && kept.chars().count() == 200,
            "{kept}"
        );
        assert_eq!(human_size(87), "87 B");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(25 << 20), "25 MB");
    }
}

#[cfg(test)]
mod content_names {
    use super::*;

    #[test]
    fn a_customers_file_is_named_for_what_it_is() {
        assert_eq!(
            name_for_content("Invoice.pdf.bat", "pdf"),
            "Invoice.pdf.pdf"
        );
        assert_eq!(name_for_content("receipt.html", "bin"), "receipt.bin");
        assert_eq!(name_for_content("photo", "jpg"), "photo.jpg");
        assert_eq!(name_for_content("../../etc/passwd", "bin"), "passwd.bin");
        assert_eq!(name_for_content(".bashrc", "bin"), ".bashrc.bin");
    }

    #[test]
    fn only_allowed_types_recorded_as_such_are_opened() {
        let a = |name: &str, mime: &str| Attachment {
            id: 1,
            name: name.into(),
            mime: mime.into(),
            kind: AttachmentKind::Document,
            size: 1,
            sha256: String::new(),
            created_at: chrono::Utc::now(),
        };
        assert!(openable(&a("a.pdf", "application/pdf")));
        assert!(!openable(&a("a.pdf.bin", "application/octet-stream")));
        assert!(!openable(&a("receipt.html", "text/html")));
        assert!(
            !openable(&a("a.pdf", "text/html")),
            "a name and a type that disagree"
        );
    }
}
