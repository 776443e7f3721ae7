//! Reads a Rust source file just far enough to know what it refers to: every `use` tree
//! expanded to full paths, every inline path (`crate::a::b`, `super::x`, `web_sys::Event`),
//! the child modules it declares, and which inline module (`mod tests { … }`) each reference
//! sits in. Comments, strings and character literals are skipped, so a path in a doc comment
//! or a message is not a dependency.

/// One path the file names, with the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub segments: Vec<String>,
    pub line: usize,
    /// The inline modules around it, outermost first (empty at the file's top level).
    pub inline_modules: Vec<String>,
    /// From a `use` declaration, with the name it binds (the last segment, or the `as` name).
    pub binds: Option<String>,
    /// Inside a `#[cfg(test)]` module: test code, which may use fixtures built on the module
    /// it tests without that being a circle in the code it ships.
    pub in_test: bool,
}

/// What a file refers to and which modules it declares.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Source {
    pub references: Vec<Reference>,
    /// `mod name;` declarations: child modules in files of their own.
    pub file_modules: Vec<String>,
    /// `mod name { … }` declarations, by their path inside the file.
    pub inline_modules: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    PathSeparator,
    Punct(char),
}

/// Splits source text into identifiers, `::` and single punctuation characters, each with its
/// line, leaving out comments, literals and whitespace.
fn tokens(text: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let count_lines = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to].iter().filter(|&&c| c == '\n').count();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let start = i;
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            count_lines(start, i.min(chars.len()), &mut line);
        } else if let Some(end) = raw_string_end(&chars, i) {
            count_lines(i, end, &mut line);
            i = end;
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            let start = i;
            i += if c == 'b' { 2 } else { 1 };
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            count_lines(start, i.min(chars.len()), &mut line);
        } else if c == '\'' || (c == 'b' && next == Some('\'')) {
            let quote = if c == 'b' { i + 1 } else { i };
            match char_literal_end(&chars, quote) {
                Some(end) => i = end,
                None => {
                    // A lifetime or a label: the quote alone, then its name as an identifier.
                    tokens.push((Token::Punct('\''), line));
                    i = quote + 1;
                }
            }
        } else if c == 'r' && next == Some('#') && chars.get(i + 2).is_some_and(|c| is_ident(*c)) {
            let start = i + 2;
            i = start;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            tokens.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else if is_ident(c) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            tokens.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else if c == ':' && next == Some(':') {
            tokens.push((Token::PathSeparator, line));
            i += 2;
        } else {
            tokens.push((Token::Punct(c), line));
            i += 1;
        }
    }
    tokens
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where a raw string (`r"…"`, `r#"…"#`, `br"…"`) starting at `i` ends, if one does.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut at = i;
    if chars.get(at) == Some(&'b') {
        at += 1;
    }
    if chars.get(at) != Some(&'r') {
        return None;
    }
    if i > 0 && is_ident(chars[i - 1]) {
        return None;
    }
    at += 1;
    let hashes = chars[at..].iter().take_while(|&&c| c == '#').count();
    at += hashes;
    if chars.get(at) != Some(&'"') {
        return None;
    }
    at += 1;
    while at < chars.len() {
        if chars[at] == '"' && chars[at + 1..].iter().take(hashes).all(|&c| c == '#') {
            return Some((at + 1 + hashes).min(chars.len()));
        }
        at += 1;
    }
    Some(chars.len())
}

/// Where a character literal whose quote is at `quote` ends, or `None` for a lifetime.
fn char_literal_end(chars: &[char], quote: usize) -> Option<usize> {
    match chars.get(quote + 1)? {
        '\\' => {
            let mut at = quote + 2;
            while at < chars.len() && chars[at] != '\'' {
                at += 1;
            }
            Some(at + 1)
        }
        _ if chars.get(quote + 2) == Some(&'\'') => Some(quote + 3),
        _ => None,
    }
}

/// Reads a file's references and module declarations.
pub fn read(text: &str) -> Source {
    let tokens = tokens(text);
    let mut source = Source::default();
    // Inline modules open around the current token: name, the brace depth inside them, and
    // whether they are `#[cfg(test)]`.
    let mut open: Vec<(String, usize, bool)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let inline_names =
        |open: &[(String, usize, bool)]| open.iter().map(|(n, _, _)| n.clone()).collect();
    let in_test = |open: &[(String, usize, bool)]| open.iter().any(|(_, _, test)| *test);
    while i < tokens.len() {
        let (token, line) = &tokens[i];
        match token {
            Token::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Token::Punct('}') => {
                if open.last().is_some_and(|(_, inside, _)| *inside == depth) {
                    open.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Token::Ident(word) if word == "mod" => match (tokens.get(i + 1), tokens.get(i + 2)) {
                (Some((Token::Ident(name), _)), Some((Token::Punct(';'), _))) => {
                    if open.is_empty() {
                        source.file_modules.push(name.clone());
                    }
                    i += 3;
                }
                (Some((Token::Ident(name), _)), Some((Token::Punct('{'), _))) => {
                    depth += 1;
                    open.push((name.clone(), depth, is_test_module(&tokens, i)));
                    source.inline_modules.push(inline_names(&open));
                    i += 3;
                }
                _ => i += 1,
            },
            Token::Ident(word) if word == "use" && !follows_path_separator(&tokens, i) => {
                let end = tokens[i..]
                    .iter()
                    .position(|(t, _)| *t == Token::Punct(';'))
                    .map_or(tokens.len(), |at| i + at);
                let mut trees = Vec::new();
                expand_use_tree(&tokens[i + 1..end], Vec::new(), &mut trees);
                for (segments, binds) in trees {
                    source.references.push(Reference {
                        segments,
                        line: *line,
                        inline_modules: inline_names(&open),
                        binds,
                        in_test: in_test(&open),
                    });
                }
                i = end + 1;
            }
            Token::Ident(first) if !follows_path_separator(&tokens, i) => {
                let mut segments = vec![first.clone()];
                let mut at = i + 1;
                while let (Some((Token::PathSeparator, _)), Some((Token::Ident(next), _))) =
                    (tokens.get(at), tokens.get(at + 1))
                {
                    segments.push(next.clone());
                    at += 2;
                }
                if segments.len() > 1 {
                    source.references.push(Reference {
                        segments,
                        line: *line,
                        inline_modules: inline_names(&open),
                        binds: None,
                        in_test: in_test(&open),
                    });
                }
                i = at;
            }
            _ => i += 1,
        }
    }
    source
}

/// Whether the `mod` at `at` is preceded by `#[cfg(test)]` (past `pub`, `pub(crate)` and
/// other attributes).
fn is_test_module(tokens: &[(Token, usize)], at: usize) -> bool {
    let mut i = at;
    let word = |i: usize, text: &str| matches!(&tokens[i].0, Token::Ident(w) if w == text);
    while i > 0 && (word(i - 1, "pub") || word(i - 1, "crate") || word(i - 1, "super")) {
        i -= 1;
    }
    if i >= 3 && tokens[i - 1].0 == Token::Punct(')') && word(i - 2, "crate") {
        i -= 3;
        while i > 0 && word(i - 1, "pub") {
            i -= 1;
        }
    }
    // Attributes, innermost (nearest the `mod`) first.
    while i > 0 && tokens[i - 1].0 == Token::Punct(']') {
        let Some(open) = tokens[..i - 1]
            .iter()
            .rposition(|(t, _)| *t == Token::Punct('#'))
        else {
            return false;
        };
        let inside: Vec<&Token> = tokens[open..i].iter().map(|(t, _)| t).collect();
        let is_cfg_test = inside.len() >= 7
            && matches!(inside[2], Token::Ident(w) if w == "cfg")
            && matches!(inside[4], Token::Ident(w) if w == "test");
        if is_cfg_test {
            return true;
        }
        i = open;
    }
    false
}

fn follows_path_separator(tokens: &[(Token, usize)], i: usize) -> bool {
    i > 0 && tokens[i - 1].0 == Token::PathSeparator
}

/// Expands a `use` tree (`a::{b, c::d as e, f::*}`) into full paths and the names they bind.
fn expand_use_tree(
    tokens: &[(Token, usize)],
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut path = prefix;
    let mut i = 0;
    if tokens.first().map(|(t, _)| t) == Some(&Token::PathSeparator) {
        i += 1;
    }
    while i < tokens.len() {
        match &tokens[i].0 {
            Token::Ident(name) => {
                path.push(name.clone());
                i += 1;
                match tokens.get(i).map(|(t, _)| t) {
                    Some(Token::PathSeparator) => i += 1,
                    Some(Token::Ident(keyword)) if keyword == "as" => {
                        let alias = match tokens.get(i + 1) {
                            Some((Token::Ident(alias), _)) => alias.clone(),
                            _ => path.last().cloned().unwrap_or_default(),
                        };
                        out.push((path, Some(alias)));
                        return;
                    }
                    _ => {
                        let binds = path.last().filter(|name| *name != "self").cloned();
                        if path.last().is_some_and(|name| name == "self") {
                            path.pop();
                            let binds = path.last().cloned();
                            out.push((path, binds));
                        } else {
                            out.push((path, binds));
                        }
                        return;
                    }
                }
            }
            Token::Punct('*') => {
                out.push((path, None));
                return;
            }
            Token::Punct('{') => {
                let inner = &tokens[i + 1..];
                let mut depth = 0usize;
                let mut start = 0;
                for (at, (token, _)) in inner.iter().enumerate() {
                    match token {
                        Token::Punct('{') => depth += 1,
                        Token::Punct('}') if depth == 0 => {
                            if start < at {
                                expand_use_tree(&inner[start..at], path.clone(), out);
                            }
                            return;
                        }
                        Token::Punct('}') => depth -= 1,
                        Token::Punct(',') if depth == 0 => {
                            if start < at {
                                expand_use_tree(&inner[start..at], path.clone(), out);
                            }
                            start = at + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(source: &Source) -> Vec<String> {
        source
            .references
            .iter()
            .map(|r| format!("{}@{}", r.segments.join("::"), r.line))
            .collect()
    }

    #[test]
    fn use_trees_expand_to_full_paths_with_what_they_bind() {
        let source = read(
            "use crate::{a::{B, C as D}, e::*};\nuse super::f::{self, G};\nuse web_sys::Event;\n",
        );
        assert_eq!(
            paths(&source),
            [
                "crate::a::B@1",
                "crate::a::C@1",
                "crate::e@1",
                "super::f@2",
                "super::f::G@2",
                "web_sys::Event@3"
            ]
        );
        let binds: Vec<Option<&str>> = source
            .references
            .iter()
            .map(|r| r.binds.as_deref())
            .collect();
        assert_eq!(
            binds,
            [
                Some("B"),
                Some("D"),
                None,
                Some("f"),
                Some("G"),
                Some("Event")
            ]
        );
    }

    #[test]
    fn comments_strings_and_chars_hide_paths_but_lifetimes_do_not_confuse() {
        let source = read(
            "// crate::hidden::A\n/* crate::also::B\n */ fn f<'a>(x: &'a str) -> char {\n\
             let s = \"crate::text::C\"; let r = r#\"crate::raw::\"D\"#; let q = '\"';\n\
             crate::real::E(x, '\\'', b'x') }\n",
        );
        assert_eq!(paths(&source), ["crate::real::E@5"]);
    }

    #[test]
    fn inline_modules_are_tracked_and_file_modules_listed() {
        let source = read(
            "mod store;\npub mod query;\nfn f() { a::b(); }\n#[cfg(test)]\nmod tests {\n    use super::*;\n    fn g() { crate::x::y(); }\n}\nfn h() { z::w(); }\n",
        );
        assert_eq!(source.file_modules, ["store", "query"]);
        let tests: Vec<bool> = source.references.iter().map(|r| r.in_test).collect();
        assert_eq!(tests, [false, true, true, false]);
        let public = read(
            "#[cfg(test)]\n#[allow(dead_code)]\npub(crate) mod tests { fn f() { a::b(); } }\n#[cfg(feature = \"x\")]\nmod other { fn g() { c::d(); } }",
        );
        let tests: Vec<bool> = public.references.iter().map(|r| r.in_test).collect();
        assert_eq!(tests, [true, false]);
        assert_eq!(source.inline_modules, [vec!["tests".to_owned()]]);
        let inline: Vec<(String, Vec<String>)> = source
            .references
            .iter()
            .map(|r| (r.segments.join("::"), r.inline_modules.clone()))
            .collect();
        assert_eq!(
            inline,
            [
                ("a::b".to_owned(), vec![]),
                ("super".to_owned(), vec!["tests".to_owned()]),
                ("crate::x::y".to_owned(), vec!["tests".to_owned()]),
                ("z::w".to_owned(), vec![]),
            ]
        );
    }
}
