//! An incremental Server-Sent Events parser: bytes in (split anywhere, even inside a UTF-8
//! character or between `\r` and `\n`), events out. Lines end with `\n`, `\r\n` or `\r`;
//! `data:` lines of one event are joined with `\n`; comments and unknown fields are skipped.

/// One event: its `event:` name (empty when none was given) and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

#[derive(Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The previous chunk ended with `\r`: a `\n` starting the next one belongs to it.
    after_cr: bool,
    started: bool,
    event: String,
    data: String,
    has_data: bool,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events they complete. A line that is not UTF-8 is an error.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, String> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    if let Some(ev) = self.line_done(&line)? {
                        out.push(ev);
                    }
                }
                _ => {
                    if self.line.len() >= 16 << 20 {
                        return Err("an event stream line is longer than 16 MiB".into());
                    }
                    self.line.push(b)
                }
            }
        }
        Ok(out)
    }

    /// True when nothing is buffered: the stream ended on an event boundary.
    pub fn is_idle(&self) -> bool {
        self.line.is_empty() && !self.has_data && self.event.is_empty()
    }

    fn line_done(&mut self, raw: &[u8]) -> Result<Option<SseEvent>, String> {
        let mut line = std::str::from_utf8(raw).map_err(|_| "the event stream is not valid UTF-8".to_string())?;
        if !self.started {
            self.started = true;
            line = line.strip_prefix('\u{feff}').unwrap_or(line);
        }
        if line.is_empty() {
            if !self.has_data {
                self.event.clear();
                return Ok(None);
            }
            self.has_data = false;
            return Ok(Some(SseEvent { event: std::mem::take(&mut self.event), data: std::mem::take(&mut self.data) }));
        }
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = value.to_string(),
            _ => {}
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent { event: event.into(), data: data.into() }
    }

    const STREAM: &str = "\u{feff}: comment\r\nevent: a\r\ndata: x\r\ndata:  y é\r\n\r\ndata: {\"t\":\"日本\"}\n\n: ping\n\nid: 3\nretry: 10\nevent: b\ndata\n\rdata: last\r\r";

    fn expected() -> Vec<SseEvent> {
        vec![ev("a", "x\n y é"), ev("", "{\"t\":\"日本\"}"), ev("b", ""), ev("", "last")]
    }

    #[test]
    fn parses_whole_stream() {
        let mut p = SseParser::new();
        assert_eq!(p.feed(STREAM.as_bytes()).unwrap_or_default(), expected());
        assert!(p.is_idle());
    }

    #[test]
    fn any_split_gives_the_same_events() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            let mut p = SseParser::new();
            let mut got = p.feed(&bytes[..cut]).unwrap_or_default();
            got.extend(p.feed(&bytes[cut..]).unwrap_or_default());
            assert_eq!(got, expected(), "split at {cut}");
        }
        // And one byte at a time.
        let mut p = SseParser::new();
        let got: Vec<SseEvent> = bytes.iter().flat_map(|b| p.feed(&[*b]).unwrap_or_default()).collect();
        assert_eq!(got, expected());
    }

    #[test]
    fn a_cut_stream_is_not_idle_and_bad_utf8_is_an_error() {
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"data: {\"partial\":").unwrap_or_default(), vec![]);
        assert!(!p.is_idle());
        let mut p = SseParser::new();
        assert_eq!(p.feed(b"data: one\n").unwrap_or_default(), vec![]);
        assert!(!p.is_idle(), "data without the closing blank line is an unfinished event");
        let mut p = SseParser::new();
        assert!(p.feed(b"data: \xff\xfe\n\n").is_err());
    }
}
