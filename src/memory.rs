//! Core memory: rendering blocks into the system prompt, and the edit operations the
//! memory tools apply to a block's value. Everything here is pure.

use crate::model::Block;
use crate::util::char_len;
use std::fmt::Write as _;

/// The base prompt of an agent created without `system`.
pub const DEFAULT_SYSTEM_PROMPT: &str = "You are a helpful, stateful agent. You keep what matters in your \
memory blocks, which appear below and persist between conversations; some of them may be shared with \
other agents, who will see what you write there. Edit them with your memory tools when you learn \
something worth keeping. Answer the user in plain text when you are done with tool calls.";

/// Renders the `<memory_blocks>` section (empty when the agent has no blocks).
pub fn render_blocks(blocks: &[Block]) -> String {
    if blocks.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "<memory_blocks>\nThe following memory blocks are currently engaged in your core memory unit:\n\n",
    );
    for (i, b) in blocks.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        let label = if b.label.is_empty() { "block" } else { b.label.as_str() };
        let _ = write!(s, "<{label}>\n<description>\n{}\n</description>\n<metadata>\n", b.description.as_deref().unwrap_or(""));
        if b.read_only {
            s.push_str("- read_only=true\n");
        }
        let _ = write!(
            s,
            "- chars_current={}\n- chars_limit={}\n</metadata>\n<value>\n{}\n</value>\n</{label}>\n",
            char_len(&b.value),
            b.limit,
            b.value
        );
    }
    s.push_str("\n</memory_blocks>");
    s
}

/// Renders `<memory_metadata>`.
pub fn render_metadata(agent_id: &str, recompiled_at: &str, messages_outside_context: u64) -> String {
    format!(
        "<memory_metadata>\n- AGENT_ID: {agent_id}\n- CONVERSATION_ID: default\n- System prompt last recompiled: {recompiled_at}\n- {messages_outside_context} previous messages between you and the user are stored in recall memory\n</memory_metadata>"
    )
}

/// The full system message: base prompt, memory (in place of `{CORE_MEMORY}` when the base
/// prompt has it, appended otherwise) and the metadata section.
pub fn compile_system(base: &str, blocks: &[Block], metadata: &str) -> String {
    let memory = render_blocks(blocks);
    let with_memory = if base.contains("{CORE_MEMORY}") {
        base.replace("{CORE_MEMORY}", &memory)
    } else if memory.is_empty() {
        base.to_string()
    } else {
        format!("{base}\n\n{memory}")
    };
    format!("{with_memory}\n\n{metadata}")
}

/// An edit of a block's value, as the memory tools express it. Edits are applied to the
/// latest stored value (never to a stale copy), so concurrent edits compose.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// `core_memory_append`: value + "\n" + content.
    Append { content: String },
    /// `core_memory_replace`: every occurrence of `old` becomes `new`.
    ReplaceAll { old: String, new: String },
    /// `memory_replace`: `old` must occur exactly once.
    ReplaceUnique { old: String, new: String },
    /// `memory_insert`: insert after line `line` (0 = top, -1 = end).
    Insert { text: String, line: i64 },
    /// `memory_rethink`: replace the whole value.
    Rethink { value: String },
}

const LINE_NUMBER_WARNING: &str = "# NOTE: Line numbers shown below";

fn has_line_number_prefix(s: &str) -> bool {
    s.lines().any(|line| {
        let t = line.trim_start_matches([' ', '\t']);
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && t[digits..].starts_with('→')
    })
}

fn check_no_line_numbers(arg: &str, s: &str) -> Result<(), String> {
    if has_line_number_prefix(s) {
        return Err(format!(
            "{arg} contains a line number prefix, which is not allowed. Do not include line numbers when calling memory tools (line numbers are for display purposes only)."
        ));
    }
    if s.contains(LINE_NUMBER_WARNING) {
        return Err(format!(
            "{arg} contains a line number warning, which is not allowed. Do not include line number information when calling memory tools (line numbers are for display purposes only)."
        ));
    }
    Ok(())
}

/// Python's `str.expandtabs()` with tab size 8.
fn expand_tabs(s: &str) -> String {
    if !s.contains('\t') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut col = 0usize;
    for c in s.chars() {
        match c {
            '\t' => {
                let n = 8 - col % 8;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

impl Edit {
    /// Applies the edit to `value`; the error text goes back to the model as a tool error.
    pub fn apply(&self, label: &str, value: &str) -> Result<String, String> {
        match self {
            Edit::Append { content } => Ok(format!("{value}\n{content}")),
            Edit::ReplaceAll { old, new } => {
                if old.is_empty() || !value.contains(old.as_str()) {
                    return Err(format!("Old content '{old}' not found in memory block '{label}'"));
                }
                Ok(value.replace(old.as_str(), new))
            }
            Edit::ReplaceUnique { old, new } => {
                check_no_line_numbers("old_string", old)?;
                check_no_line_numbers("new_string", new)?;
                let (old, new, value) = (expand_tabs(old), expand_tabs(new), expand_tabs(value));
                if old.is_empty() {
                    return Err("No replacement was performed, old_string is empty.".into());
                }
                let hits: Vec<usize> = value.match_indices(old.as_str()).map(|(i, _)| i).collect();
                match hits.len() {
                    0 => Err(format!(
                        "No replacement was performed, old_string `{old}` did not appear verbatim in memory block with label `{label}`."
                    )),
                    1 => Ok(value.replacen(old.as_str(), &new, 1)),
                    _ => {
                        let lines: Vec<usize> = hits.iter().map(|&i| value[..i].matches('\n').count() + 1).collect();
                        Err(format!(
                            "No replacement was performed. Multiple occurrences of old_string `{old}` in lines {lines:?}. Please ensure it is unique."
                        ))
                    }
                }
            }
            Edit::Insert { text, line } => {
                check_no_line_numbers("new_string", text)?;
                let (text, value) = (expand_tabs(text), expand_tabs(value));
                let mut lines: Vec<&str> = if value.is_empty() { Vec::new() } else { value.split('\n').collect() };
                let n = lines.len() as i64;
                let at = match *line {
                    -1 => n,
                    l if (0..=n).contains(&l) => l,
                    l => {
                        return Err(format!(
                            "Invalid `insert_line` parameter: {l}. It should be within the range of lines of the memory block: [0, {n}], or -1 to append to the end of the memory block."
                        ))
                    }
                };
                let new_lines: Vec<&str> = text.split('\n').collect();
                let at = at as usize;
                lines.splice(at..at, new_lines);
                Ok(lines.join("\n"))
            }
            Edit::Rethink { value: v } => {
                check_no_line_numbers("new_memory", v)?;
                Ok(v.clone())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(label: &str, value: &str) -> Block {
        Block { label: label.into(), value: value.into(), limit: 100, ..Default::default() }
    }

    #[test]
    fn renders_the_letta_layout() {
        let mut a = block("persona", "I am a worker");
        a.description = Some("Who I am".into());
        let mut b = block("org", "Letta");
        b.read_only = true;
        let s = render_blocks(&[a, b]);
        let expected = "<memory_blocks>\nThe following memory blocks are currently engaged in your core memory unit:\n\n\
<persona>\n<description>\nWho I am\n</description>\n<metadata>\n- chars_current=13\n- chars_limit=100\n</metadata>\n<value>\nI am a worker\n</value>\n</persona>\n\n\
<org>\n<description>\n\n</description>\n<metadata>\n- read_only=true\n- chars_current=5\n- chars_limit=100\n</metadata>\n<value>\nLetta\n</value>\n</org>\n\n</memory_blocks>";
        assert_eq!(s, expected);
        assert_eq!(render_blocks(&[]), "");
        let sys = compile_system("Base", &[block("x", "v")], "META");
        assert!(sys.starts_with("Base\n\n<memory_blocks>") && sys.ends_with("</memory_blocks>\n\nMETA"));
        let sys = compile_system("A {CORE_MEMORY} B", &[], "M");
        assert_eq!(sys, "A  B\n\nM");
    }

    #[test]
    fn edits_follow_letta_semantics() {
        assert_eq!(Edit::Append { content: "b".into() }.apply("l", "a").unwrap(), "a\nb");
        assert_eq!(Edit::Append { content: "b".into() }.apply("l", "").unwrap(), "\nb");
        assert_eq!(Edit::ReplaceAll { old: "a".into(), new: "x".into() }.apply("l", "aba").unwrap(), "xbx");
        assert!(Edit::ReplaceAll { old: "z".into(), new: "x".into() }.apply("l", "aba").unwrap_err().contains("not found"));
        assert_eq!(Edit::ReplaceUnique { old: "b".into(), new: "x".into() }.apply("l", "abc").unwrap(), "axc");
        let e = Edit::ReplaceUnique { old: "a".into(), new: "x".into() }.apply("l", "a\na").unwrap_err();
        assert!(e.contains("Multiple occurrences") && e.contains("[1, 2]"), "{e}");
        let e = Edit::ReplaceUnique { old: "1→ a".into(), new: "x".into() }.apply("l", "a").unwrap_err();
        assert!(e.contains("line number prefix"));
        let ins = |t: &str, line| Edit::Insert { text: t.into(), line }.apply("l", "a\nb");
        assert_eq!(ins("x", 0).unwrap(), "x\na\nb");
        assert_eq!(ins("x", 1).unwrap(), "a\nx\nb");
        assert_eq!(ins("x", -1).unwrap(), "a\nb\nx");
        assert!(ins("x", 3).unwrap_err().contains("[0, 2]"));
        assert_eq!(Edit::Insert { text: "x".into(), line: -1 }.apply("l", "").unwrap(), "x");
        assert_eq!(Edit::Rethink { value: "new".into() }.apply("l", "old").unwrap(), "new");
        assert_eq!(expand_tabs("a\tb"), "a       b");
    }
}
