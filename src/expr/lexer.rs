//! Tokens of the expression language, read lazily with one token of lookahead.
//!
//! Positions are 1-based lines and columns counted in characters (not bytes), so an error
//! under `θ * x` points where the user sees it.

use std::collections::VecDeque;

use super::Pos;
use crate::error::Result;

/// One token.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Tok<'s> {
    /// A number literal (always non-negative and finite).
    Num(f64),
    /// A name: a variable or a function.
    Ident(&'s str),
    /// One of `+ - * / ^ ( ) , ; =`.
    Punct(char),
    /// The end of the input.
    End,
}

impl Tok<'_> {
    /// How the token reads in an error message.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Num(v) => format!("number {v}"),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Punct(c) => format!("'{c}'"),
            Tok::End => "the end of the input".into(),
        }
    }
}

/// A token and where it starts.
#[derive(Clone, Copy, Debug)]
pub(super) struct Token<'s> {
    pub(super) tok: Tok<'s>,
    pub(super) pos: Pos,
}

/// True for a character that may start a name (letters, including non-ASCII ones, and `_`).
pub fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// True for a character that may continue a name.
pub fn is_name_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The lexer: a cursor over the source plus up to two buffered tokens.
pub(super) struct Lexer<'s> {
    src: &'s str,
    /// Byte offset of the next unread character.
    at: usize,
    /// Position of the next unread character.
    pos: Pos,
    /// Tokens read ahead, oldest first.
    ahead: VecDeque<Token<'s>>,
}

impl<'s> Lexer<'s> {
    pub(super) fn new(src: &'s str) -> Self {
        Lexer {
            src,
            at: 0,
            pos: Pos { line: 1, col: 1 },
            ahead: VecDeque::with_capacity(2),
        }
    }

    /// The next token, consumed.
    pub(super) fn next_token(&mut self) -> Result<Token<'s>> {
        match self.ahead.pop_front() {
            Some(t) => Ok(t),
            None => self.read(),
        }
    }

    /// The token `n` places ahead (0 = the next one), left in place.
    pub(super) fn peek(&mut self, n: usize) -> Result<Token<'s>> {
        while self.ahead.len() <= n {
            let t = self.read()?;
            self.ahead.push_back(t);
        }
        Ok(self.ahead[n])
    }

    fn current(&self) -> Option<char> {
        self.src[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.current()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    /// Consumes characters while `keep` holds.
    fn bump_while(&mut self, keep: impl Fn(char) -> bool) {
        while self.current().is_some_and(&keep) {
            self.bump();
        }
    }

    fn read(&mut self) -> Result<Token<'s>> {
        self.bump_while(char::is_whitespace);
        let pos = self.pos;
        let start = self.at;
        let Some(c) = self.current() else {
            return Ok(Token { tok: Tok::End, pos });
        };
        let tok = if c.is_ascii_digit() {
            self.number(start, pos)?
        } else if is_name_start(c) {
            self.bump_while(is_name_continue);
            Tok::Ident(&self.src[start..self.at])
        } else if "+-*/^(),;=".contains(c) {
            self.bump();
            Tok::Punct(c)
        } else if c == '\u{2212}' {
            // The minus sign U+2212, as the crate's own traces and pictures print it.
            self.bump();
            Tok::Punct('-')
        } else if c == '.' {
            return Err(pos.error("a number must start with a digit (write 0.5, not .5)"));
        } else {
            return Err(pos.error(format!("unexpected character '{c}'")));
        };
        Ok(Token { tok, pos })
    }

    /// `[0-9]+ ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?`; `start` is at the first digit.
    fn number(&mut self, start: usize, pos: Pos) -> Result<Tok<'s>> {
        let digit = |c: char| c.is_ascii_digit();
        self.bump_while(digit);
        if self.current() == Some('.') {
            self.bump();
            if !self.current().is_some_and(digit) {
                let text = &self.src[start..self.at];
                return Err(self.pos.error(format!(
                    "malformed number '{text}': expected a digit after '.'"
                )));
            }
            self.bump_while(digit);
            if self.current() == Some('.') {
                self.bump_while(|c| digit(c) || c == '.');
                let text = &self.src[start..self.at];
                return Err(pos.error(format!(
                    "malformed number '{text}': a number has at most one '.'"
                )));
            }
        }
        if matches!(self.current(), Some('e' | 'E')) {
            // An exponent only when digits follow: `2e` alone stays the number 2 and a name,
            // which the parser then reports with a "write 2*e" hint.
            let rest = &self.src[self.at + 1..];
            let after_sign = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            let signed = after_sign.len() < rest.len();
            if after_sign.starts_with(|c: char| c.is_ascii_digit()) {
                self.bump();
                if signed {
                    self.bump();
                }
                self.bump_while(digit);
            } else if signed {
                self.bump();
                self.bump();
                let text = &self.src[start..self.at];
                return Err(self.pos.error(format!(
                    "malformed number '{text}': expected a digit in the exponent"
                )));
            }
        }
        let text = &self.src[start..self.at];
        let v: f64 = text
            .parse()
            .map_err(|e| pos.error(format!("malformed number '{text}': {e}")))?;
        if v.is_infinite() {
            return Err(pos.error(format!("number '{text}' is too large for f64")));
        }
        Ok(Tok::Num(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<(Tok<'_>, usize, usize)> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            out.push((t.tok, t.pos.line, t.pos.col));
            if t.tok == Tok::End {
                return out;
            }
        }
    }

    #[test]
    fn numbers_names_and_positions() {
        assert_eq!(
            toks("1.5e-3*θ_2\n  ^ 2E+1"),
            vec![
                (Tok::Num(1.5e-3), 1, 1),
                (Tok::Punct('*'), 1, 7),
                (Tok::Ident("θ_2"), 1, 8),
                (Tok::Punct('^'), 2, 3),
                (Tok::Num(20.0), 2, 5),
                (Tok::End, 2, 9),
            ]
        );
    }

    #[test]
    fn e_without_digits_is_a_name() {
        assert_eq!(
            toks("2e"),
            vec![
                (Tok::Num(2.0), 1, 1),
                (Tok::Ident("e"), 1, 2),
                (Tok::End, 1, 3)
            ]
        );
    }

    #[test]
    fn peek_does_not_consume() {
        let mut lx = Lexer::new("a b c");
        assert_eq!(lx.peek(1).unwrap().tok, Tok::Ident("b"));
        assert_eq!(lx.peek(0).unwrap().tok, Tok::Ident("a"));
        assert_eq!(lx.next_token().unwrap().tok, Tok::Ident("a"));
        assert_eq!(lx.next_token().unwrap().tok, Tok::Ident("b"));
        assert_eq!(lx.peek(0).unwrap().tok, Tok::Ident("c"));
        assert_eq!(lx.next_token().unwrap().tok, Tok::Ident("c"));
        assert_eq!(lx.next_token().unwrap().tok, Tok::End);
    }
}
