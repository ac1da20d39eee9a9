//! Inline previews of image attachments: drawn with the terminal's
//! graphics protocol where it has one (kitty, iTerm2, sixel) and coloured
//! half-blocks otherwise. Images are fetched and decoded off the event
//! loop; drawing only places what is ready.

use super::app::App;
use super::event::Effect;
use crate::protocol::*;
use ratatui_image::picker::{Picker, ProtocolType};

/// The largest preview, in cells.
pub const COLS: u16 = 32;
pub const ROWS: u16 = 8;

/// Images larger than this are not previewed (open them instead).
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// How many of a conversation's newest images get a preview.
const NEWEST: usize = 20;

/// Previews kept at most; past it, those of other conversations go (they
/// are fetched again when their conversation is opened).
pub const KEEP: usize = 120;

/// A decoded, encoded-for-the-terminal image.
#[derive(Clone)]
pub struct Ready(pub ratatui_image::protocol::Protocol);

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = self.0.area();
        write!(f, "Preview({}x{})", a.width, a.height)
    }
}

#[derive(Debug, Clone)]
pub enum Preview {
    Loading,
    Ready(Ready),
    /// Not an image this build can decode, or it could not be fetched.
    Failed,
}

/// The `images` setting: how previews are drawn.
pub fn picker(setting: &str) -> Result<Option<Picker>, String> {
    let mut p = Picker::halfblocks();
    let kind = match setting.trim() {
        "off" | "none" => return Ok(None),
        "auto" | "" => guess_from_env(),
        "query" => return Ok(Some(Picker::from_query_stdio().unwrap_or(p))),
        "kitty" => ProtocolType::Kitty,
        "sixel" => ProtocolType::Sixel,
        "iterm2" => ProtocolType::Iterm2,
        "halfblocks" => ProtocolType::Halfblocks,
        other => {
            return Err(format!(
                "images = {other:?}: use auto, query, kitty, sixel, iterm2, halfblocks or off"
            ))
        }
    };
    p.set_protocol_type(kind);
    Ok(Some(p))
}

/// The graphics protocol the environment says this terminal speaks,
/// without asking it (asking can take seconds on a terminal that does not
/// answer, and start-up must not wait; `images = "query"` asks).
fn guess_from_env() -> ProtocolType {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let term = var("TERM");
    let program = var("TERM_PROGRAM");
    if std::env::var_os("TMUX").is_some() {
        // Graphics through tmux need its passthrough; half-blocks always work.
        return ProtocolType::Halfblocks;
    }
    if term.contains("kitty")
        || std::env::var_os("KITTY_WINDOW_ID").is_some()
        || term.contains("ghostty")
    {
        return ProtocolType::Kitty;
    }
    if program == "iTerm.app" || program == "WezTerm" || var("LC_TERMINAL") == "iTerm2" {
        return ProtocolType::Iterm2;
    }
    if term.contains("foot") || term.contains("mlterm") || term.contains("sixel") {
        return ProtocolType::Sixel;
    }
    ProtocolType::Halfblocks
}

/// Asks for previews of the newest images of a conversation that have
/// none yet.
pub fn want(app: &mut App, conversation: ConversationId, fx: &mut Vec<Effect>) {
    if !app.config.previews_enabled {
        return;
    }
    let Some(log) = app.mirror.logs.get(&conversation) else {
        return;
    };
    let wanted: Vec<Attachment> = log
        .messages
        .iter()
        .rev()
        .filter_map(|m| m.attachment.as_ref())
        .filter(|a| a.kind == AttachmentKind::Image && a.size <= MAX_BYTES)
        .take(NEWEST)
        .filter(|a| !app.previews.contains_key(&a.id))
        .cloned()
        .collect();
    if app.previews.len() + wanted.len() > KEEP {
        let here: std::collections::HashSet<AttachmentId> = log
            .messages
            .iter()
            .filter_map(|m| m.attachment.as_ref().map(|a| a.id))
            .collect();
        app.previews
            .retain(|id, p| here.contains(id) || matches!(p, Preview::Loading));
    }
    for a in wanted {
        app.previews.insert(a.id, Preview::Loading);
        fx.push(Effect::LoadPreview(a));
    }
}

static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Decodes an image within bounds: a small file can claim a huge canvas
/// (a "decompression bomb"), so the size and the memory are capped.
pub fn decode(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8192);
    limits.max_image_height = Some(8192);
    limits.max_alloc = Some(128 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|e| e.to_string())
}

/// Fetches and decodes an image into a preview at most [`COLS`] x
/// [`ROWS`] cells (on a blocking thread: decoding is CPU work).
pub async fn load(
    client: &crate::client::Client,
    picker: &Picker,
    attachment: &Attachment,
) -> Result<Ready, String> {
    let bytes = client
        .download(attachment.id)
        .await
        .map_err(|e| e.to_string())?;
    let picker = picker.clone();
    // One decode at a time: a conversation full of photos must not take
    // every core (or all the memory) at once.
    let _turn = DECODES.acquire().await.map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || {
        let img = decode(&bytes)?;
        picker
            .new_protocol(
                img,
                ratatui::layout::Rect::new(0, 0, COLS, ROWS),
                ratatui_image::Resize::Fit(None),
            )
            .map(Ready)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_pick_a_protocol_or_none() {
        assert!(picker("off").unwrap().is_none());
        assert_eq!(
            picker("halfblocks").unwrap().unwrap().protocol_type(),
            ProtocolType::Halfblocks
        );
        assert_eq!(
            picker("kitty").unwrap().unwrap().protocol_type(),
            ProtocolType::Kitty
        );
        assert!(picker("hologram").is_err());
    }

    #[test]
    fn a_huge_canvas_is_refused_not_decoded() {
        // A valid PNG header claiming 100000 x 100000 pixels.
        let mut png = image::RgbImage::new(1, 1);
        png.put_pixel(0, 0, image::Rgb([1, 2, 3]));
        let mut bytes = Vec::new();
        image::DynamicImage::ImageRgb8(png)
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .unwrap();
        assert!(decode(&bytes).is_ok());
        // IHDR width and height are bytes 16..24; the CRC no longer matches
        // either, and neither the size nor a bad file is decoded.
        bytes[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(decode(&bytes).is_err());
    }

    #[test]
    fn a_png_becomes_a_half_block_preview_that_fits() {
        let img =
            image::RgbaImage::from_fn(64, 32, |x, _| image::Rgba([x as u8 * 4, 80, 160, 255]));
        let picker = picker("halfblocks").unwrap().unwrap();
        let p = picker
            .new_protocol(
                image::DynamicImage::ImageRgba8(img),
                ratatui::layout::Rect::new(0, 0, COLS, ROWS),
                ratatui_image::Resize::Fit(None),
            )
            .unwrap();
        let a = p.area();
        assert!(
            a.width <= COLS && a.height <= ROWS && a.width > 0 && a.height > 0,
            "{a:?}"
        );
    }
}
