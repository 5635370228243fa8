//! Tokenizer and recursive-descent parser for Calico selector text.
//!
//! The tokenizer is pulled one token at a time so that the first problem in
//! text order is the one reported: a later lexical error never hides an
//! earlier syntax error.

use std::fmt;

use super::ast::{Expr, normalize_set};

/// Calico's limit on label length.
const MAX_LABEL_LEN: usize = 512;
/// Parenthesis nesting limit; keeps recursion (here and in every AST walk) far from the stack limit.
const MAX_DEPTH: usize = 128;
const LABEL_RULE: &str = "label must match [A-Za-z0-9_./-]{1,512}";
const OPERATORS_HELP: &str = "operators are `==`, `!=`, `in {...}`, `not in {...}`, `contains`, \
                              `starts with` and `ends with`, each followed by a quoted value";

/// A selector syntax error, located by byte range in the selector text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset of the offending token in the selector text (a char boundary).
    pub offset: usize,
    /// Byte length of the offending token; 0 only when the problem is the end of input.
    pub len: usize,
    pub message: String,
    pub help: Option<String>,
}

impl ParseError {
    fn at(token: Token<'_>, message: impl Into<String>) -> Self {
        ParseError {
            offset: token.offset,
            len: token.len,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The offending byte range, convenient for span-based diagnostics.
    #[cfg(test)]
    pub(crate) fn span(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.len
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// Parses Calico selector text. Empty text, or text of only spaces and tabs, is `all()`.
///
/// # Errors
///
/// A [`ParseError`] locating the first problem in text order; nesting deeper than
/// 128 parentheses is an error rather than a stack overflow.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser {
        lexer: Lexer { text, pos: 0 },
        peeked: None,
        depth: 0,
    };
    if parser.peek()?.kind == Kind::End {
        return Ok(Expr::All);
    }
    let expr = parser.or_expr()?;
    let next = parser.peek()?;
    match next.kind {
        Kind::End => Ok(expr),
        Kind::RParen => {
            Err(ParseError::at(next, "unexpected `)`").help("there is no matching `(` before it"))
        }
        other => Err(ParseError::at(
            next,
            format!(
                "expected `&&`, `||` or end of selector, found {}",
                other.describe()
            ),
        )),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind<'a> {
    /// A run of label characters; word operators are labels the parser interprets by position.
    Label(&'a str),
    /// The text between the quotes.
    Str(&'a str),
    EqEq,
    NotEq,
    Bang,
    AndAnd,
    OrOr,
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    End,
}

impl Kind<'_> {
    fn describe(self) -> String {
        match self {
            Kind::Label(w) => format!("`{w}`"),
            Kind::Str(_) => "a quoted string".to_owned(),
            Kind::EqEq => "`==`".to_owned(),
            Kind::NotEq => "`!=`".to_owned(),
            Kind::Bang => "`!`".to_owned(),
            Kind::AndAnd => "`&&`".to_owned(),
            Kind::OrOr => "`||`".to_owned(),
            Kind::LParen => "`(`".to_owned(),
            Kind::RParen => "`)`".to_owned(),
            Kind::LBrace => "`{`".to_owned(),
            Kind::RBrace => "`}`".to_owned(),
            Kind::Comma => "`,`".to_owned(),
            Kind::End => "end of selector".to_owned(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Kind<'a>,
    offset: usize,
    len: usize,
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')
}

struct Lexer<'a> {
    text: &'a str,
    /// Always a char boundary: it only advances past whole tokens.
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn next_token(&mut self) -> Result<Token<'a>, ParseError> {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        // Only spaces and tabs separate tokens; newlines are rejected below.
        let trimmed = rest.trim_start_matches([' ', '\t']);
        let offset = self.pos + (rest.len() - trimmed.len());
        let mut chars = trimmed.chars();
        let Some(c) = chars.next() else {
            self.pos = offset;
            return Ok(Token {
                kind: Kind::End,
                offset,
                len: 0,
            });
        };
        let second = chars.next();
        let (kind, len) = match (c, second) {
            ('(', _) => (Kind::LParen, 1),
            (')', _) => (Kind::RParen, 1),
            ('{', _) => (Kind::LBrace, 1),
            ('}', _) => (Kind::RBrace, 1),
            (',', _) => (Kind::Comma, 1),
            ('=', Some('=')) => (Kind::EqEq, 2),
            ('!', Some('=')) => (Kind::NotEq, 2),
            ('!', _) => (Kind::Bang, 1),
            ('&', Some('&')) => (Kind::AndAnd, 2),
            ('|', Some('|')) => (Kind::OrOr, 2),
            ('\'' | '"', _) => {
                // No escapes: the string ends at the next identical quote.
                let body = trimmed.get(1..).unwrap_or_default();
                match body.find(c) {
                    Some(end) => (Kind::Str(body.get(..end).unwrap_or_default()), end + 2),
                    None => {
                        return Err(ParseError {
                            offset,
                            len: trimmed.len(),
                            message: "unterminated string".to_owned(),
                            help: Some(format!("add a closing {c} to end the value")),
                        });
                    }
                }
            }
            _ if is_label_char(c) => {
                let len = trimmed
                    .find(|ch| !is_label_char(ch))
                    .unwrap_or(trimmed.len());
                if len > MAX_LABEL_LEN {
                    return Err(ParseError {
                        offset,
                        len,
                        message: LABEL_RULE.to_owned(),
                        help: Some(format!("this label is {len} bytes long")),
                    });
                }
                (Kind::Label(trimmed.get(..len).unwrap_or_default()), len)
            }
            _ => return Err(unexpected_char(c, offset)),
        };
        self.pos = offset + len;
        Ok(Token { kind, offset, len })
    }
}

fn unexpected_char(c: char, offset: usize) -> ParseError {
    let (message, help) = match c {
        '\n' | '\r' => (
            "newlines are not allowed in selectors".to_owned(),
            "write the selector on a single line".to_owned(),
        ),
        '=' => (
            "unexpected `=`".to_owned(),
            "use `==` to compare a label with a value".to_owned(),
        ),
        '&' => (
            "unexpected `&`".to_owned(),
            "use `&&` for \"and\"".to_owned(),
        ),
        '|' => (
            "unexpected `|`".to_owned(),
            "use `||` for \"or\"".to_owned(),
        ),
        ':' => (
            LABEL_RULE.to_owned(),
            "`:` is not allowed in labels".to_owned(),
        ),
        _ => (
            format!("unexpected character `{}`", c.escape_debug()),
            "labels may only contain ASCII letters, digits, `_`, `.`, `/` and `-`; \
             values must be quoted"
                .to_owned(),
        ),
    };
    ParseError {
        offset,
        len: c.len_utf8(),
        message,
        help: Some(help),
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    /// Current parenthesis nesting, bounded by [`MAX_DEPTH`].
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&mut self) -> Result<Token<'a>, ParseError> {
        if let Some(token) = self.peeked {
            return Ok(token);
        }
        let token = self.lexer.next_token()?;
        self.peeked = Some(token);
        Ok(token)
    }

    fn bump(&mut self) -> Result<Token<'a>, ParseError> {
        let token = self.peek()?;
        self.peeked = None;
        Ok(token)
    }

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut members = vec![self.and_expr()?];
        while self.peek()?.kind == Kind::OrOr {
            self.bump()?;
            members.push(self.and_expr()?);
        }
        Ok(Expr::any_of(members))
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut members = vec![self.unary()?];
        while self.peek()?.kind == Kind::AndAnd {
            self.bump()?;
            members.push(self.unary()?);
        }
        Ok(Expr::all_of(members))
    }

    /// `!`s are counted in a loop, not recursion, so long chains cannot overflow the stack.
    fn unary(&mut self) -> Result<Expr, ParseError> {
        let mut negated = false;
        while self.peek()?.kind == Kind::Bang {
            self.bump()?;
            negated = !negated;
        }
        let expr = self.primary()?;
        Ok(if negated { expr.negate() } else { expr })
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let token = self.bump()?;
        match token.kind {
            Kind::LParen => {
                if self.depth >= MAX_DEPTH {
                    return Err(ParseError::at(
                        token,
                        format!("selector nests parentheses more than {MAX_DEPTH} levels deep"),
                    ));
                }
                self.depth += 1;
                let inner = self.or_expr()?;
                self.depth -= 1;
                let close = self.bump()?;
                if close.kind != Kind::RParen {
                    return Err(ParseError::at(
                        close,
                        format!("expected `)`, found {}", close.kind.describe()),
                    )
                    .help(format!("to close the `(` at byte {}", token.offset)));
                }
                Ok(inner)
            }
            // `all`, `global` and `has` are keywords only when a `(` follows.
            Kind::Label(word) if self.peek()?.kind == Kind::LParen => self.function(token, word),
            Kind::Label(key) => self.comparison(key),
            Kind::End => Err(ParseError::at(
                token,
                "unexpected end of selector; expected an expression",
            )),
            Kind::RParen => {
                Err(ParseError::at(token, "unexpected `)`")
                    .help("an expression is missing before it"))
            }
            Kind::Str(_) => Err(ParseError::at(token, "unexpected quoted string")
                .help("a comparison starts with an unquoted label, e.g. `role == 'web'`")),
            other => Err(ParseError::at(
                token,
                format!("expected an expression, found {}", other.describe()),
            )),
        }
    }

    /// `all()`, `global()` or `has(label)`; the `(` has been peeked.
    fn function(&mut self, name: Token<'a>, word: &str) -> Result<Expr, ParseError> {
        let expr = match word {
            "all" | "global" => {
                self.bump()?;
                if word == "all" {
                    Expr::All
                } else {
                    Expr::Global
                }
            }
            "has" => {
                self.bump()?;
                let label = self.bump()?;
                match label.kind {
                    Kind::Label(key) => Expr::Has(key.to_owned()),
                    Kind::Str(_) => {
                        return Err(ParseError::at(label, "expected a label inside `has(`")
                            .help("labels are not quoted: `has(role)`"));
                    }
                    other => {
                        return Err(ParseError::at(
                            label,
                            format!("expected a label inside `has(`, found {}", other.describe()),
                        ));
                    }
                }
            }
            _ => {
                return Err(ParseError::at(name, format!("unknown function `{word}()`"))
                    .help("the functions are `all()`, `global()` and `has(label)`"));
            }
        };
        let close = self.bump()?;
        if close.kind != Kind::RParen {
            let message = if word == "has" {
                format!(
                    "expected `)` to close `has(`, found {}",
                    close.kind.describe()
                )
            } else {
                format!("`{word}()` takes no arguments")
            };
            return Err(ParseError::at(close, message));
        }
        Ok(expr)
    }

    /// The operator and operand after a label.
    fn comparison(&mut self, key: &str) -> Result<Expr, ParseError> {
        let key = key.to_owned();
        let op = self.bump()?;
        Ok(match op.kind {
            Kind::EqEq => Expr::Eq(key, self.string_after("==")?),
            Kind::NotEq => Expr::Ne(key, self.string_after("!=")?),
            Kind::Label("contains") => Expr::Contains(key, self.string_after("contains")?),
            Kind::Label("starts") => {
                self.expect_word("with", "starts")?;
                Expr::StartsWith(key, self.string_after("starts with")?)
            }
            Kind::Label("startswith") => Expr::StartsWith(key, self.string_after("starts with")?),
            Kind::Label("ends") => {
                self.expect_word("with", "ends")?;
                Expr::EndsWith(key, self.string_after("ends with")?)
            }
            Kind::Label("endswith") => Expr::EndsWith(key, self.string_after("ends with")?),
            Kind::Label("in") => Expr::In(key, self.set("in")?),
            Kind::Label("not") => {
                self.expect_word("in", "not")?;
                Expr::NotIn(key, self.set("not in")?)
            }
            Kind::Label("notin") => Expr::NotIn(key, self.set("not in")?),
            Kind::Label(word) => {
                return Err(
                    ParseError::at(op, format!("unknown operator `{word}`")).help(OPERATORS_HELP)
                );
            }
            other => {
                return Err(ParseError::at(
                    op,
                    format!(
                        "expected an operator after label `{key}`, found {}",
                        other.describe()
                    ),
                )
                .help(OPERATORS_HELP));
            }
        })
    }

    /// The second word of `starts with`, `ends with` and `not in`.
    fn expect_word(&mut self, word: &str, after: &str) -> Result<(), ParseError> {
        let token = self.bump()?;
        if token.kind == Kind::Label(word) {
            Ok(())
        } else {
            Err(ParseError::at(
                token,
                format!(
                    "expected `{word}` after `{after}`, found {}",
                    token.kind.describe()
                ),
            ))
        }
    }

    fn string_after(&mut self, op: &str) -> Result<String, ParseError> {
        let token = self.bump()?;
        match token.kind {
            Kind::Str(value) => Ok(value.to_owned()),
            Kind::Label(bare) => Err(ParseError::at(
                token,
                format!("expected a quoted string after `{op}`"),
            )
            .help(format!("values must be quoted: '{bare}'"))),
            other => Err(
                ParseError::at(token, format!("expected a quoted string after `{op}`"))
                    .help(format!("found {}", other.describe())),
            ),
        }
    }

    /// `{ "a", "b" }` (possibly empty), returned sorted and deduplicated.
    fn set(&mut self, op: &str) -> Result<Vec<String>, ParseError> {
        let open = self.bump()?;
        if open.kind != Kind::LBrace {
            return Err(ParseError::at(
                open,
                format!("expected `{{` after `{op}`, found {}", open.kind.describe()),
            )
            .help(format!(
                "write a set of quoted values: `key {op} {{'a', 'b'}}`"
            )));
        }
        let mut values = Vec::new();
        if self.peek()?.kind == Kind::RBrace {
            self.bump()?;
            return Ok(values);
        }
        loop {
            let item = self.bump()?;
            match item.kind {
                Kind::Str(value) => values.push(value.to_owned()),
                other => {
                    return Err(ParseError::at(
                        item,
                        format!(
                            "expected a quoted string in set, found {}",
                            other.describe()
                        ),
                    ));
                }
            }
            let sep = self.bump()?;
            match sep.kind {
                Kind::Comma => {}
                Kind::RBrace => break,
                other => {
                    return Err(ParseError::at(
                        sep,
                        format!("expected `,` or `}}`, found {}", other.describe()),
                    )
                    .help(format!("to close the `{{` at byte {}", open.offset)));
                }
            }
        }
        Ok(normalize_set(values))
    }
}
