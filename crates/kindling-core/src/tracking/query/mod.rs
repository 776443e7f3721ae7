//! The filter box of the Runs table. Once a person has dozens of runs, scrolling stops working;
//! a short query such as `metrics.val_accuracy > 0.9 and params.learning_rate = 0.01 and
//! tags.baseline` finds
//! the ones that matter. The syntax follows MLflow's run search so habits carry over, but it is
//! forgiving where a filter box should be: keywords ignore case, a bare word searches run
//! names, and every mistake is reported with what to type instead and where.
//!
//! Quoted text has no escapes: put a `"` inside `'...'` and a `'` inside `"..."`.

use std::cmp::Ordering;

use thiserror::Error;

use crate::metrics::current_name;

#[cfg(test)]
mod tests;

/// A run's value for a query field. Params keep their own type so `params.lr = 0.01` compares
/// numbers and `params.standardise = true` compares booleans, not their spellings; a number
/// handed over as `Text` is compared as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
    Bool(bool),
}

/// What a query can ask of a run; the tracking module implements it for its run record, which
/// keeps the query language independent of how runs are stored.
pub trait Queryable {
    fn metric(&self, name: &str) -> Option<f64>;
    fn param(&self, name: &str) -> Option<Value>;
    fn has_tag(&self, name: &str) -> bool;
    /// `name`, `status`, `dataset`, `model`, `id`, `experiment`.
    fn attribute(&self, name: &str) -> Option<String>;
}

/// A parsed filter, kept so the table can test every run without re-reading the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    root: Option<Expr>,
    /// What the person should know about how the text was read (an old metric name taken as
    /// the new one), shown under the box.
    pub hints: Vec<String>,
}

impl Query {
    /// Reads the filter box's text, or says what to fix so the box can show it while the
    /// person types.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        let tokens = tokenize(text)?;
        let hints = renamed_fields(&tokens);
        let mut parser = Parser::new(tokens);
        if parser.tokens.is_empty() {
            return Ok(Query { root: None, hints });
        }
        let root = parser.parse_or()?;
        match parser.advance() {
            None => Ok(Query {
                root: Some(root),
                hints,
            }),
            Some(token) => unexpected_after_operand(&token),
        }
    }

    /// Whether the run belongs in the filtered table. A comparison on something the run lacks
    /// is false whatever the operator (so `not metrics.x > 0` is true for a run without `x`).
    pub fn matches(&self, run: &impl Queryable) -> bool {
        self.root.as_ref().is_none_or(|root| root.matches(run))
    }

    /// True for the empty query, so the table can skip filtering (and say so) altogether.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }
}

/// Says what is wrong and where, for a person typing in the filter box.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{message} (at character {position})")]
pub struct QueryError {
    pub message: String,
    /// 1-based character column, so the box can point at the culprit.
    pub position: usize,
}

fn fail<T>(message: impl Into<String>, position: usize) -> Result<T, QueryError> {
    let message = message.into();
    Err(QueryError { message, position })
}

const ATTRIBUTES: [&str; 6] = ["name", "status", "dataset", "model", "id", "experiment"];
const FIELD_HELP: &str = "use metrics.NAME, params.NAME, tags.NAME, name, status, dataset, \
                          model or id";
/// Loose enough that a value logged as `0.1 * 0.1` matches a typed `0.01`.
const RELATIVE_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
}

/// Two-character symbols first, so `<=` is not read as `<` followed by `=`.
const OPERATORS: [(&str, Op); 8] = [
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("=", Op::Eq),
    ("<", Op::Lt),
    (">", Op::Gt),
    ("~", Op::Contains),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Word,
    Quoted,
    Op(Op),
    Open,
    Close,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// As typed, without the quotes of quoted text.
    text: String,
    position: usize,
}

impl Token {
    /// `and`, `or` or `not` in any case; quoting a keyword makes it plain text.
    fn keyword(&self) -> Option<&'static str> {
        let mut keywords = ["and", "or", "not"].into_iter();
        keywords.find(|keyword| self.kind == Kind::Word && self.text.eq_ignore_ascii_case(keyword))
    }

    fn starts_operand(&self) -> bool {
        match self.kind {
            Kind::Open | Kind::Quoted => true,
            Kind::Word => !matches!(self.keyword(), Some("and" | "or")),
            Kind::Op(_) | Kind::Close => false,
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while let Some(&first) = chars.get(index) {
        let position = index + 1;
        let rest = &chars[index..];
        let lookahead: String = rest.iter().take(2).collect();
        let operator = OPERATORS.iter().find(|(op, _)| lookahead.starts_with(op));
        let (kind, text, length) = match (first, operator) {
            (space, _) if space.is_whitespace() => {
                index += 1;
                continue;
            }
            ('(', _) => (Kind::Open, first.to_string(), 1),
            (')', _) => (Kind::Close, first.to_string(), 1),
            (_, Some(&(symbol, op))) => (Kind::Op(op), symbol.to_string(), symbol.len()),
            ('!', None) => return fail("unexpected \"!\": use \"!=\" or \"not\"", position),
            ('\'' | '"', _) => match rest[1..].iter().position(|&c| c == first) {
                Some(length) => (Kind::Quoted, rest[1..=length].iter().collect(), length + 2),
                None => return fail("unclosed quote", position),
            },
            _ => {
                let is_end = |c: char| c.is_whitespace() || "()'\"=!<>~".contains(c);
                let length = rest.iter().position(|&c| is_end(c)).unwrap_or(rest.len());
                (Kind::Word, rest[..length].iter().collect(), length)
            }
        };
        tokens.push(Token {
            kind,
            text,
            position,
        });
        index += length;
    }
    Ok(tokens)
}

#[derive(Debug, Clone, PartialEq)]
enum Field {
    Metric(String),
    Param(String),
    Tag(String),
    Attribute(&'static str),
}

/// `Ok(None)` when the word is not a field, so that it can be read as free text instead.
fn parse_field(word: &str, position: usize) -> Result<Option<Field>, QueryError> {
    let Some((prefix, name)) = word.split_once('.') else {
        let mut attributes = ATTRIBUTES.into_iter();
        let attribute = attributes.find(|a| word.eq_ignore_ascii_case(a));
        return Ok(attribute.map(Field::Attribute));
    };
    let field: fn(String) -> Field = match prefix.to_ascii_lowercase().as_str() {
        "metrics" | "metric" => Field::Metric,
        "params" | "param" => Field::Param,
        "tags" | "tag" => Field::Tag,
        _ => return Ok(None),
    };
    if name.is_empty() {
        return fail(format!("\"{word}\" needs a name after the dot"), position);
    }
    Ok(Some(field(current_name(name).to_string())))
}

/// A hint for every metric or param written with its old name (`metrics.val_acc`), which is
/// read as its new one.
fn renamed_fields(tokens: &[Token]) -> Vec<String> {
    let mut hints: Vec<String> = tokens
        .iter()
        .filter(|token| token.kind == Kind::Word)
        .filter_map(|token| {
            let (prefix, name) = token.text.split_once('.')?;
            let known = matches!(
                prefix.to_ascii_lowercase().as_str(),
                "metrics" | "metric" | "params" | "param"
            );
            let current = current_name(name);
            (known && current != name)
                .then(|| format!("{prefix}.{name} is now called {prefix}.{current}; read as that"))
        })
        .collect();
    hints.dedup();
    hints
}

/// A comparison's right-hand side, read both ways up front because only the run's value says
/// whether to compare numbers or text.
#[derive(Debug, Clone, PartialEq)]
struct Literal {
    lowercase: String,
    number: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    /// A chain `a or b or c` as one list, so a long chain is as shallow as a short one.
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Field, Op, Literal),
    Present(Field),
    /// Lowercase text searched for in the run's name.
    NameContains(String),
}

/// How deeply `not` and parentheses may nest: far past anything a person types, far short of
/// what would exhaust the page's stack in parsing, matching or dropping the expression.
pub const MAX_NESTING: usize = 40;

/// Recursive descent, one level per precedence: `or` over `and` over `not` over a term.
struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// `not`s and open parentheses around the current position.
    nesting: usize,
}

impl Parser {
    fn new(tokens: Vec<Token>) -> Parser {
        Parser {
            tokens,
            next: 0,
            nesting: 0,
        }
    }

    /// Enters one more level of `not` or parentheses, refusing past [`MAX_NESTING`].
    fn nest(&mut self, position: usize) -> Result<(), QueryError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return fail(
                format!(
                    "the filter nests more than {MAX_NESTING} levels of \"not\" and parentheses: simplify it"
                ),
                position,
            );
        }
        Ok(())
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn advance(&mut self) -> Option<Token> {
        let token = self.peek().cloned();
        self.next += 1;
        token
    }

    /// Consumes the keyword if it comes next, checking that an operand follows it, so that a
    /// dangling keyword is blamed rather than whatever comes after it.
    fn take_keyword(&mut self, keyword: &str) -> Result<bool, QueryError> {
        let Some(found) = self.peek().filter(|token| token.keyword() == Some(keyword)) else {
            return Ok(false);
        };
        let position = found.position;
        self.next += 1;
        let message = match keyword {
            _ if self.peek().is_some_and(Token::starts_operand) => return Ok(true),
            "not" => "\"not\" needs something after it".to_string(),
            _ => format!("\"{keyword}\" needs something on both sides"),
        };
        fail(message, position)
    }

    fn parse_or(&mut self) -> Result<Expr, QueryError> {
        let mut terms = vec![self.parse_and()?];
        while self.take_keyword("or")? {
            terms.push(self.parse_and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn parse_and(&mut self) -> Result<Expr, QueryError> {
        let mut terms = vec![self.parse_not()?];
        while self.take_keyword("and")? {
            terms.push(self.parse_not()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn parse_not(&mut self) -> Result<Expr, QueryError> {
        let position = self.peek().map_or(0, |token| token.position);
        if self.take_keyword("not")? {
            self.nest(position)?;
            let inner = self.parse_not()?;
            self.nesting -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        match self.advance() {
            Some(token) if token.kind == Kind::Open => {
                self.nest(token.position)?;
                let group = self.parse_group(token.position);
                self.nesting -= 1;
                group
            }
            Some(token) if token.starts_operand() => self.parse_term(token),
            Some(token) => missing_operand(&token),
            // Keywords check their operand, so only a trailing `(` leaves nothing to read.
            None => {
                let trailing_open = self.tokens.last().map_or(1, |token| token.position);
                fail("unclosed parenthesis", trailing_open)
            }
        }
    }

    fn parse_group(&mut self, open_position: usize) -> Result<Expr, QueryError> {
        if self.peek().is_some_and(|token| token.kind == Kind::Close) {
            return fail("nothing between the parentheses", open_position);
        }
        let inner = self.parse_or()?;
        match self.advance() {
            Some(token) if token.kind == Kind::Close => Ok(inner),
            None => fail("unclosed parenthesis", open_position),
            Some(token) => unexpected_after_operand(&token),
        }
    }

    fn parse_term(&mut self, term: Token) -> Result<Expr, QueryError> {
        let (text, position) = (&term.text, term.position);
        let field = match term.kind {
            Kind::Word => parse_field(text, position)?,
            _ => None,
        };
        let operator = self.peek().and_then(|token| match token.kind {
            Kind::Op(op) => Some((op, token.clone())),
            _ => None,
        });
        let Some((op, operator)) = operator else {
            let name_contains = || Expr::NameContains(text.to_lowercase());
            return Ok(field.map_or_else(name_contains, Expr::Present));
        };
        let message = match field {
            _ if term.kind == Kind::Quoted => {
                format!("expected a field before \"{}\"", operator.text)
            }
            None => format!("unknown field \"{text}\": {FIELD_HELP}"),
            Some(Field::Tag(_)) => format!("tags have no value: write \"{text}\" alone"),
            Some(field) => return self.parse_value(field, op, &operator),
        };
        fail(message, position)
    }

    fn parse_value(&mut self, field: Field, op: Op, operator: &Token) -> Result<Expr, QueryError> {
        self.next += 1;
        let is_value =
            |t: &Token| t.kind == Kind::Quoted || t.kind == Kind::Word && t.keyword().is_none();
        let Some(value) = self.advance().filter(is_value) else {
            let message = format!("expected a value after \"{}\"", operator.text);
            return fail(message, operator.position);
        };
        let number = value.text.parse().ok().filter(|n: &f64| n.is_finite());
        let lowercase = value.text.to_lowercase();
        Ok(Expr::Compare(field, op, Literal { lowercase, number }))
    }
}

fn missing_operand<T>(found: &Token) -> Result<T, QueryError> {
    let message = match (found.kind, found.keyword()) {
        (Kind::Close, _) => "unexpected \")\"".to_string(),
        (Kind::Op(_), _) => format!("expected a field before \"{}\"", found.text),
        (_, keyword) => format!(
            "\"{}\" needs something on both sides",
            keyword.unwrap_or("")
        ),
    };
    fail(message, found.position)
}

/// A complete operand can only be followed by a connective (or by `)` inside parentheses).
fn unexpected_after_operand<T>(found: &Token) -> Result<T, QueryError> {
    let message = match found.kind {
        Kind::Close => "unexpected \")\"".to_string(),
        _ => format!("expected \"and\" or \"or\" before \"{}\"", found.text),
    };
    fail(message, found.position)
}

impl Expr {
    fn matches(&self, run: &impl Queryable) -> bool {
        match self {
            Expr::Or(terms) => terms.iter().any(|term| term.matches(run)),
            Expr::And(terms) => terms.iter().all(|term| term.matches(run)),
            Expr::Not(inner) => !inner.matches(run),
            Expr::Present(field) => value_of(field, run).is_some(),
            Expr::Compare(field, op, literal) => {
                value_of(field, run).is_some_and(|actual| compare(&actual, *op, literal))
            }
            Expr::NameContains(text) => {
                let name = run.attribute("name").map(|name| name.to_lowercase());
                name.is_some_and(|name| name.contains(text))
            }
        }
    }
}

fn value_of(field: &Field, run: &impl Queryable) -> Option<Value> {
    match field {
        Field::Metric(name) => run.metric(name).map(Value::Number),
        Field::Param(name) => run.param(name),
        Field::Tag(name) => run.has_tag(name).then_some(Value::Bool(true)),
        Field::Attribute(name) => run.attribute(name).map(Value::Text),
    }
}

/// Numbers when both sides are numbers; otherwise the texts, ignoring case (which also lets
/// `metrics.loss = nan` find a run that diverged).
fn compare(actual: &Value, op: Op, literal: &Literal) -> bool {
    let actual_text = match actual {
        Value::Number(number) => number.to_string().to_lowercase(),
        Value::Text(text) => text.to_lowercase(),
        Value::Bool(flag) => flag.to_string(),
    };
    let ordering = match (actual, literal.number) {
        (&Value::Number(a), Some(b)) if close_enough(a, b) => Some(Ordering::Equal),
        (Value::Number(a), Some(b)) => a.partial_cmp(&b),
        // A number is never "less than" a word: `metrics.acc > 0,9` (a decimal comma) must
        // not quietly compare text and match every run whose value starts with "0.".
        (Value::Number(_), None) if matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge) => None,
        _ => Some(actual_text.cmp(&literal.lowercase)),
    };
    match (op, ordering) {
        (Op::Contains, _) => actual_text.contains(&literal.lowercase),
        (_, None) => false,
        (Op::Eq, Some(ordering)) => ordering.is_eq(),
        (Op::Ne, Some(ordering)) => ordering.is_ne(),
        (Op::Lt, Some(ordering)) => ordering.is_lt(),
        (Op::Le, Some(ordering)) => ordering.is_le(),
        (Op::Gt, Some(ordering)) => ordering.is_gt(),
        (Op::Ge, Some(ordering)) => ordering.is_ge(),
    }
}

fn close_enough(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= RELATIVE_TOLERANCE * a.abs().max(b.abs())
}
