//! Small helpers: ids, timestamps, text.

use crate::platform::Platform;

/// A Letta id: `<prefix>-<uuid4>` with a lowercase, version-4 UUID.
pub fn new_id(platform: &dyn Platform, prefix: &str) -> String {
    let mut b = [0u8; 16];
    platform.fill_random(&mut b);
    uuid4_from_bytes(prefix, b)
}

/// A stable id derived from a name (built-in tools get the same id in every engine).
pub fn stable_id(prefix: &str, name: &str) -> String {
    // Two FNV-1a passes with different offsets give 128 bits.
    let mut b = [0u8; 16];
    for (half, offset) in [(0usize, 0xcbf2_9ce4_8422_2325u64), (8, 0x8422_2325_cbf2_9ce4)] {
        let mut h = offset;
        for byte in name.bytes().chain(prefix.bytes()) {
            h ^= byte as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        b[half..half + 8].copy_from_slice(&h.to_le_bytes());
    }
    uuid4_from_bytes(prefix, b)
}

fn uuid4_from_bytes(prefix: &str, mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = |s: &[u8]| s.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{prefix}-{}-{}-{}-{}-{}",
        hex(&b[0..4]),
        hex(&b[4..6]),
        hex(&b[6..8]),
        hex(&b[8..10]),
        hex(&b[10..16])
    )
}

/// True when `id` is `<prefix>-<lowercase uuid4>`.
pub fn is_valid_id(id: &str, prefix: &str) -> bool {
    let Some(rest) = id.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    let bytes = rest.as_bytes();
    if bytes.len() != 36 {
        return false;
    }
    for (i, &c) in bytes.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => c == b'-',
            14 => c == b'4',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b'),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct Parts {
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
}

fn parts(ms: f64) -> Parts {
    let secs = (ms / 1000.0).floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    Parts { y, mo, d, h: (rem / 3600) as u32, mi: ((rem % 3600) / 60) as u32, s: (rem % 60) as u32 }
}

/// ISO-8601 with second precision and UTC offset, as the API sends dates:
/// `2026-03-01T09:00:00+00:00`.
pub fn iso8601(ms: f64) -> String {
    let p = parts(ms);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00", p.y, p.mo, p.d, p.h, p.mi, p.s)
}

/// ISO-8601 with milliseconds, for logs where order within a second matters:
/// `2026-03-01T09:00:00.123+00:00`.
pub fn iso8601_ms(ms: f64) -> String {
    let p = parts(ms);
    let frac = (ms.rem_euclid(1000.0)).floor() as u32;
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{frac:03}+00:00", p.y, p.mo, p.d, p.h, p.mi, p.s)
}

/// The timestamp format used inside prompts and tool results:
/// `2026-03-01 09:00:00 AM UTC+0000`.
pub fn prompt_time(ms: f64) -> String {
    let p = parts(ms);
    let (h12, ampm) = match p.h {
        0 => (12, "AM"),
        1..=11 => (p.h, "AM"),
        12 => (12, "PM"),
        _ => (p.h - 12, "PM"),
    };
    format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02} {} UTC+0000", p.y, p.mo, p.d, h12, p.mi, p.s, ampm)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with an optional `Z` or `±HH:MM`
/// offset, into epoch milliseconds. A date alone is midnight UTC.
pub fn parse_datetime(s: &str) -> Option<f64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) && !t.is_empty() {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) as f64 * 86_400_000.0;
    if b.len() == 10 {
        return Some(ms);
    }
    if !(b[10] == b'T' || b[10] == b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (h, mi) = (num(11..13)?, num(14..16)?);
    if h > 23 || mi > 59 {
        return None;
    }
    ms += (h * 3_600_000 + mi * 60_000) as f64;
    let mut i = 16;
    if b.len() > i && b[i] == b':' {
        let sec = num(i + 1..i + 3)?;
        if sec > 60 {
            return None;
        }
        ms += (sec * 1000) as f64;
        i += 3;
        if b.len() > i && b[i] == b'.' {
            let start = i + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return None;
            }
            let frac: f64 = format!("0.{}", &s[start..end]).parse().ok()?;
            ms += (frac * 1000.0).floor();
            i = end;
        }
    }
    let rest = &s[i..];
    match rest {
        "" | "Z" | "z" => Some(ms),
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || !(rb[0] == b'+' || rb[0] == b'-') || rb[3] != b':' {
                return None;
            }
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            let off = (oh * 60 + om) as f64 * 60_000.0;
            Some(if rb[0] == b'+' { ms - off } else { ms + off })
        }
    }
}

/// Number of Unicode code points, the unit of block limits (as Python's `len`).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Cuts `s` to at most `max` characters, on a character boundary.
pub fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::NativePlatform;

    #[test]
    fn ids_are_uuid4_and_validated() {
        let p = NativePlatform::new();
        for _ in 0..100 {
            let id = new_id(&p, "block");
            assert!(is_valid_id(&id, "block"), "{id}");
            assert!(!is_valid_id(&id, "agent"));
        }
        assert!(is_valid_id(&stable_id("tool", "send_message"), "tool"));
        assert_eq!(stable_id("tool", "a"), stable_id("tool", "a"));
        assert_ne!(stable_id("tool", "a"), stable_id("tool", "b"));
        assert!(!is_valid_id("block-123e4567-e89b-12d3-8456-426614174000", "block"));
        assert!(!is_valid_id("block-123E4567-e89b-42d3-8456-426614174000", "block"));
        assert!(is_valid_id("block-123e4567-e89b-42d3-8456-426614174000", "block"));
    }

    #[test]
    fn dates_round_trip() {
        let ms = parse_datetime("2026-03-01T09:00:00Z").unwrap();
        assert_eq!(iso8601(ms), "2026-03-01T09:00:00+00:00");
        assert_eq!(prompt_time(ms), "2026-03-01 09:00:00 AM UTC+0000");
        assert_eq!(prompt_time(ms + 4.0 * 3_600_000.0), "2026-03-01 01:00:00 PM UTC+0000");
        assert_eq!(parse_datetime("2026-03-01"), Some(ms - 9.0 * 3_600_000.0));
        assert_eq!(parse_datetime("2026-03-01T10:00+01:00"), Some(ms));
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601_ms(ms + 42.9), "2026-03-01T09:00:00.042+00:00");
        assert_eq!(parse_datetime(&iso8601_ms(ms + 42.0)), Some(ms + 42.0));
        for bad in ["", "2026", "2026-13-01", "2026-03-01T25:00", "2026-03-01Tx", "2026-03-01T09:00:00+0100"] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn truncation_respects_chars() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hé", 5), "hé");
        assert_eq!(char_len("héllo"), 5);
    }
}
