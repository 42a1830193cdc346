//! Just enough XML to read an element's attributes: Plex's XML error shape
//! (`<errors><error code=".." message=".."/></errors>`) and `<MediaContainer token=".."/>`.
//! A full XML parser would be a dependency for two attribute lookups.

/// The attributes of one start tag.
pub(crate) struct Element<'a> {
    attrs: &'a str,
}

/// The first start tag named `name` (exactly, case-sensitive) in `text`.
pub(crate) fn find_element<'a>(text: &'a str, name: &str) -> Option<Element<'a>> {
    let mut rest = text;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start + 1..];
        let Some(after) = rest.strip_prefix(name) else { continue };
        // `<errors>` starts like `<error`: the name must end at a space, `/` or `>`.
        let boundary = after.chars().next()?;
        if boundary.is_whitespace() || boundary == '/' || boundary == '>' {
            let end = tag_end(after)?;
            return Some(Element { attrs: &after[..end] });
        }
    }
}

/// Where a start tag's `>` is: XML lets `>` stand unescaped inside an attribute's quotes
/// (`message="a > b"`), so a `>` in quotes does not end the tag.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (at, c) in tag.char_indices() {
        match (quote, c) {
            (None, '>') => return Some(at),
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            _ => {}
        }
    }
    None
}

impl Element<'_> {
    /// The unescaped value of attribute `name`, if present.
    pub(crate) fn attr(&self, name: &str) -> Option<String> {
        let mut rest = self.attrs;
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() {
                return None;
            }
            let eq = rest.find('=')?;
            let key = rest[..eq].trim();
            let value_part = rest[eq + 1..].trim_start();
            let quote = value_part.chars().next()?;
            if quote != '"' && quote != '\'' {
                return None;
            }
            let close = value_part[1..].find(quote)?;
            let raw = &value_part[1..1 + close];
            if key == name {
                return Some(unescape(raw));
            }
            rest = &value_part[close + 2..];
        }
    }
}

/// The longest entity between `&` and `;` that can mean anything: `#x10FFFF`.
const LONGEST_ENTITY: usize = 8;

fn unescape(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // The `;` is looked for only as far as an entity can reach: searching the whole rest
        // from every `&` made `&&&…;` quadratic (400,000 of them took 4.7 s).
        let window = &rest.as_bytes()[1..rest.len().min(LONGEST_ENTITY + 2)];
        let Some(semi) = window.iter().position(|&b| b == b';').map(|at| at + 1) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_of_the_named_element() {
        let text = r#"<?xml version="1.0"?><errors><error code="1001" message="User &quot;x&quot; &amp; co" status='401'/></errors>"#;
        let e = find_element(text, "error").unwrap();
        assert_eq!(e.attr("code").as_deref(), Some("1001"));
        assert_eq!(e.attr("message").as_deref(), Some("User \"x\" & co"));
        assert_eq!(e.attr("status").as_deref(), Some("401"));
        assert_eq!(e.attr("missing"), None);
    }

    #[test]
    fn media_container_token() {
        let text = r#"<MediaContainer size="0" token="transient-abc"></MediaContainer>"#;
        assert_eq!(
            find_element(text, "MediaContainer").unwrap().attr("token").as_deref(),
            Some("transient-abc")
        );
    }

    #[test]
    fn entities_decode_and_anything_else_stays_as_written() {
        assert_eq!(
            unescape("a &amp; b &lt;&gt; &#65;&#x42; &unknown; & ;&"),
            "a & b <> AB &unknown; & ;&"
        );
        assert_eq!(unescape("&#x10FFFF;"), "\u{10FFFF}");
        assert_eq!(unescape("&#x110000; &#xD800;"), "&#x110000; &#xD800;");
        assert_eq!(unescape("&amp"), "&amp");
        assert_eq!(unescape("ü&amp;ü"), "ü&ü");
    }

    /// 2 MB of `&` and one `;`: the quadratic search took minutes here; the bounded one takes
    /// milliseconds. The bound of 60 s is a guard against a hang, not a speed target.
    #[test]
    fn many_ampersands_decode_in_linear_time() {
        let attack = format!("<MediaContainer token=\"{}x;\"/>", "&".repeat(2_000_000));
        let (done, waiting) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let token = find_element(&attack, "MediaContainer").and_then(|e| e.attr("token"));
            let _ = done.send(token.map(|t| t.len()));
        });
        let decoded = waiting
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("decoding must not take quadratic time");
        assert_eq!(decoded, Some(2_000_002));
    }

    #[test]
    fn truncated_input_gives_nothing() {
        assert!(find_element("<errors><error code=\"1", "error").is_none());
        assert!(find_element("", "error").is_none());
        // The quote never closes, so neither does the tag.
        assert!(find_element("<error code=\"1>", "error").is_none());
    }

    /// A `>` is legal inside an attribute's quotes: the tag went on past it, and the attributes
    /// after it were lost (the code of `<error message="a > b" code="1001"/>` read as none).
    #[test]
    fn a_raw_gt_in_quotes_does_not_end_the_tag() {
        let text = r#"<errors><error message='over > under' code="1001" status="401"/></errors>"#;
        let e = find_element(text, "error").unwrap();
        assert_eq!(e.attr("message").as_deref(), Some("over > under"));
        assert_eq!(e.attr("code").as_deref(), Some("1001"));
        assert_eq!(e.attr("status").as_deref(), Some("401"));
        let text = r#"<MediaContainer note="a>b" token="transient-x">"#;
        let token = find_element(text, "MediaContainer").and_then(|e| e.attr("token"));
        assert_eq!(token.as_deref(), Some("transient-x"));
    }
}
