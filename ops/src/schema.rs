//! Operator schemas of PyTorch 2.15 (`aten::add.Tensor(Tensor self, ...) -> Tensor`), parsed.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::error::{OpError, Result};

/// The schema text shipped with the crate: every operator registered in PyTorch 2.15.0.
pub const SCHEMA_TEXT: &str = include_str!("../schemas/torch-2.15.0-operator-schemas.txt");

/// The overloads whose semantics changed with the archive format version
/// (`torch._C._get_operator_version_map()`): `name: bumped_at_version upgrader old_schema`.
pub const VERSION_MAP_TEXT: &str = include_str!("../schemas/torch-2.15.0-operator-version-map.txt");

/// The argument and return types that appear in schemas.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemaType {
    Tensor,
    Int,
    Float,
    Bool,
    Str,
    /// `Scalar` or `number`: int, float or bool.
    Scalar,
    Complex,
    ScalarType,
    Layout,
    MemoryFormat,
    Device,
    Generator,
    Dimname,
    Storage,
    Stream,
    /// `t`, `t1`, `tVal`...: any type, bound consistently within one call.
    Var(String),
    Any,
    /// `T[]` or `T[N]` (N = fixed length: a single value is repeated N times).
    List(Box<SchemaType>, Option<usize>),
    Optional(Box<SchemaType>),
    Dict(Box<SchemaType>, Box<SchemaType>),
    Tuple(Vec<SchemaType>),
    Future(Box<SchemaType>),
    /// A named class (`__torch__.torch.classes...`, `AnyEnumType`, ...).
    Other(String),
}

/// One schema argument.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaArg {
    pub name: String,
    pub ty: SchemaType,
    /// The default as written (`1`, `None`, `[0, 0]`, `"none"`), if any.
    pub default: Option<DefaultValue>,
    pub kwarg_only: bool,
    /// The argument is written in place (`Tensor(a!)`).
    pub mutable: bool,
}

/// A default value from a schema.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    IntList(Vec<i64>),
    FloatList(Vec<f64>),
    BoolList(Vec<bool>),
    /// An enum-like name (`contiguous_format`, `long`, `Mean`, ...), resolved by the binder.
    Name(String),
}

/// One operator overload.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// `aten::add`
    pub name: String,
    /// `Tensor` in `aten::add.Tensor`; empty for the default overload.
    pub overload: String,
    pub args: Vec<SchemaArg>,
    /// Takes extra positional arguments (`...`), like `aten::format`.
    pub varargs: bool,
    pub returns: Vec<SchemaType>,
    /// The schema line as written.
    pub text: String,
}

impl Schema {
    /// `aten::add.Tensor`, or `aten::relu` for the default overload.
    pub fn full_name(&self) -> String {
        if self.overload.is_empty() {
            self.name.clone()
        } else {
            format!("{}.{}", self.name, self.overload)
        }
    }

    /// True for `out=` overloads: they have keyword-only arguments written in place
    /// (`aten::add.out`'s `out`, `aten::max.dim_max`'s `max` and `max_values`).
    pub fn is_out_variant(&self) -> bool {
        self.args.iter().any(SchemaArg::is_out)
    }
}

impl SchemaArg {
    /// An argument written in place and given by keyword: `*, Tensor(a!) out` (or
    /// `Tensor(a!)[]`), where an `out=` overload puts its result.
    pub fn is_out(&self) -> bool {
        self.kwarg_only
            && self.mutable
            && match &self.ty {
                SchemaType::Tensor => true,
                SchemaType::List(elem, _) => **elem == SchemaType::Tensor,
                _ => false,
            }
    }
}

/// All schemas, grouped by operator name, in file order. A table over the crate's own text
/// indexes each line by operator name and parses a name's lines the first time that name is
/// looked up: a process that runs twenty operators parses twenty names' schemas, not all 4,400.
#[derive(Debug, Default)]
pub struct SchemaTable {
    by_name: HashMap<Box<str>, Overloads>,
    /// Lines an eager parse could not parse, with the reason.
    rejected: Vec<String>,
}

/// The overloads of one operator name: parsed already, or lines to parse on first lookup.
#[derive(Debug, Default)]
struct Overloads {
    /// Unparsed schema lines, in file order (empty for an eagerly parsed table).
    lines: Vec<&'static str>,
    /// The parsed overloads: set at construction by an eager parse, else on first lookup.
    parsed: OnceLock<Vec<Arc<Schema>>>,
}

impl Overloads {
    fn parsed(&self) -> &[Arc<Schema>] {
        self.parsed.get_or_init(|| {
            self.lines
                .iter()
                .filter_map(|line| parse_schema(line).ok().map(Arc::new))
                .collect()
        })
    }

    /// Why each of this name's lines that does not parse fails.
    fn failures(&self) -> impl Iterator<Item = String> + '_ {
        self.lines
            .iter()
            .filter_map(|line| parse_schema(line).err().map(|e| e.to_string()))
    }
}

/// The schema lines of `text`: trimmed, without blank lines and `#` comments.
fn schema_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(str::trim_ascii)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

impl SchemaTable {
    /// Parses schema text, one schema a line (`#` lines are comments). Lines that fail to
    /// parse are reported in the error.
    pub fn parse(text: &str) -> Result<SchemaTable> {
        let mut grouped: HashMap<Box<str>, Vec<Arc<Schema>>> = HashMap::new();
        for line in schema_lines(text) {
            let schema = parse_schema(line)?;
            grouped
                .entry(schema.name.as_str().into())
                .or_default()
                .push(Arc::new(schema));
        }
        Ok(SchemaTable::from_parsed(grouped, Vec::new()))
    }

    /// Parses schema text like [`SchemaTable::parse`], keeping every line that parses; the
    /// others are listed by [`SchemaTable::rejected`] instead of emptying the table.
    pub fn parse_lenient(text: &str) -> SchemaTable {
        let mut grouped: HashMap<Box<str>, Vec<Arc<Schema>>> = HashMap::new();
        let mut rejected = Vec::new();
        for line in schema_lines(text) {
            match parse_schema(line) {
                Ok(schema) => grouped
                    .entry(schema.name.as_str().into())
                    .or_default()
                    .push(Arc::new(schema)),
                Err(e) => rejected.push(e.to_string()),
            }
        }
        SchemaTable::from_parsed(grouped, rejected)
    }

    fn from_parsed(grouped: HashMap<Box<str>, Vec<Arc<Schema>>>, rejected: Vec<String>) -> Self {
        let by_name = grouped
            .into_iter()
            .map(|(name, schemas)| {
                let overloads = Overloads {
                    lines: Vec::new(),
                    parsed: OnceLock::from(schemas),
                };
                (name, overloads)
            })
            .collect();
        SchemaTable { by_name, rejected }
    }

    /// Indexes static schema texts by operator name without parsing them; each name's lines
    /// are parsed on its first lookup. Texts later in `texts` add overloads after earlier ones.
    pub fn index(texts: &[&'static str]) -> SchemaTable {
        let mut by_name: HashMap<Box<str>, Overloads> = HashMap::new();
        for &text in texts {
            for line in schema_lines(text) {
                // A line without '(' is indexed under its whole text and fails when parsed.
                let open = line.bytes().position(|b| b == b'(');
                let signature = open.map_or(line, |open| head(line, open));
                let (name, _) = split_overload(signature.trim_ascii());
                match by_name.get_mut(name) {
                    Some(overloads) => overloads.lines.push(line),
                    None => {
                        let overloads = Overloads {
                            lines: vec![line],
                            parsed: OnceLock::new(),
                        };
                        by_name.insert(name.into(), overloads);
                    }
                }
            }
        }
        SchemaTable {
            by_name,
            rejected: Vec::new(),
        }
    }

    /// The lines that do not parse, with the reason (empty for the tables this crate ships: a
    /// test checks). For an indexed table this parses every line.
    pub fn rejected(&self) -> Vec<String> {
        let mut out = self.rejected.clone();
        for overloads in self.by_name.values() {
            out.extend(overloads.failures());
        }
        out
    }

    /// The overloads of `name` (`aten::add`), in registration order.
    pub fn overloads(&self, name: &str) -> &[Arc<Schema>] {
        self.by_name.get(name).map_or(&[], Overloads::parsed)
    }

    /// Every operator name (`aten::add`), in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(|name| &**name)
    }

    /// One overload by full name (`aten::add.Tensor`).
    pub fn get(&self, full_name: &str) -> Option<&Arc<Schema>> {
        let (name, overload) = split_overload(full_name);
        self.overloads(name).iter().find(|s| s.overload == overload)
    }

    /// How many overloads parse (for an indexed table this parses every name).
    pub fn len(&self) -> usize {
        self.by_name.values().map(|o| o.parsed().len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// `text[..end]`, or "" when `end` is not a boundary inside `text`.
fn head(text: &str, end: usize) -> &str {
    text.get(..end).unwrap_or("")
}

/// `text[start..]`, or "" when `start` is not a boundary inside `text`.
fn tail(text: &str, start: usize) -> &str {
    text.get(start..).unwrap_or("")
}

/// Splits `aten::add.Tensor` into (`aten::add`, `Tensor`): the overload follows the first `.`
/// after the namespace's `::`. Byte loops: this runs on every kernel call.
pub fn split_overload(full_name: &str) -> (&str, &str) {
    let bytes = full_name.as_bytes();
    let ns_end = bytes
        .windows(2)
        .position(|pair| pair == b"::")
        .map_or(0, |i| i.saturating_add(2));
    let dot = bytes
        .get(ns_end..)
        .and_then(|rest| rest.iter().position(|&b| b == b'.'));
    match dot {
        Some(dot) => {
            let at = ns_end.saturating_add(dot);
            (head(full_name, at), tail(full_name, at.saturating_add(1)))
        }
        None => (full_name, ""),
    }
}

/// The schemas of PyTorch 2.15.0 and of torchvision's operators (registered by torchvision,
/// not PyTorch), indexed once per process; each operator's lines are parsed on its first lookup.
pub fn torch_schemas() -> &'static SchemaTable {
    static TABLE: OnceLock<SchemaTable> = OnceLock::new();
    TABLE.get_or_init(|| SchemaTable::index(&[SCHEMA_TEXT, crate::ops::vision::SCHEMA_TEXT]))
}

fn bad(line: &str, msg: &str) -> OpError {
    OpError::invalid("schema", format!("{msg} in `{line}`"))
}

/// Parses one schema line.
pub fn parse_schema(line: &str) -> Result<Schema> {
    let open = line.find('(').ok_or_else(|| bad(line, "missing '('"))?;
    let (name, overload) = split_overload(head(line, open).trim());
    let close = matching_paren(line, open).ok_or_else(|| bad(line, "unbalanced parentheses"))?;
    let arg_text = line
        .get(open.saturating_add(1)..close)
        .ok_or_else(|| bad(line, "unbalanced parentheses"))?;
    let rest = tail(line, close.saturating_add(1)).trim();
    let ret_text = rest
        .strip_prefix("->")
        .ok_or_else(|| bad(line, "missing '->'"))?
        .trim();

    let mut args = Vec::new();
    let mut kwarg_only = false;
    let mut varargs = false;
    for part in split_top_level(arg_text) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if part == "*" {
            kwarg_only = true;
            continue;
        }
        if part == "..." {
            varargs = true;
            continue;
        }
        let (decl, default) = match find_top_level(part, '=') {
            Some(eq) => (
                head(part, eq).trim(),
                Some(parse_default(tail(part, eq.saturating_add(1)).trim())),
            ),
            None => (part, None),
        };
        let space = decl
            .rfind(' ')
            .ok_or_else(|| bad(line, "argument without a name"))?;
        let (ty_text, arg_name) = (
            head(decl, space).trim(),
            tail(decl, space.saturating_add(1)).trim(),
        );
        let mutable = ty_text.contains('!');
        args.push(SchemaArg {
            name: arg_name.to_string(),
            ty: parse_type(ty_text)
                .ok_or_else(|| bad(line, &format!("unknown type `{ty_text}`")))?,
            default,
            kwarg_only,
            mutable,
        });
    }

    let returns = if ret_text.starts_with('(') {
        let end =
            matching_paren(ret_text, 0).ok_or_else(|| bad(line, "unbalanced return tuple"))?;
        split_top_level(ret_text.get(1..end).unwrap_or(""))
            .into_iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| parse_return(p.trim()).ok_or_else(|| bad(line, "bad return type")))
            .collect::<Result<Vec<_>>>()?
    } else {
        vec![parse_return(ret_text).ok_or_else(|| bad(line, "bad return type"))?]
    };
    Ok(Schema {
        name: name.to_string(),
        overload: overload.to_string(),
        args,
        varargs,
        returns,
        text: line.to_string(),
    })
}

fn parse_return(text: &str) -> Option<SchemaType> {
    // `Tensor values` (named return) or `Tensor(a!)`
    let ty = match find_top_level(text, ' ') {
        Some(sp) if !head(text, sp).ends_with(',') => head(text, sp),
        _ => text,
    };
    parse_type(ty.trim())
}

fn matching_paren(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut in_str: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip_while(|(i, _)| *i < open) {
        if let Some(q) = in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                in_str = None;
            }
        } else if c == '"' || c == '\'' {
            in_str = Some(c);
        } else if c == '(' || c == '[' {
            depth = depth.saturating_add(1);
        } else if c == ')' || c == ']' {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Splits on commas outside brackets and quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut in_str: Option<char> = None;
    let mut escaped = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if let Some(q) = in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                in_str = None;
            }
        } else {
            match c {
                '"' | '\'' => in_str = Some(c),
                '(' | '[' => depth = depth.saturating_add(1),
                ')' | ']' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    parts.push(text.get(start..i).unwrap_or(""));
                    start = i.saturating_add(1);
                }
                _ => {}
            }
        }
    }
    parts.push(tail(text, start));
    parts
}

fn find_top_level(text: &str, needle: char) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth = depth.saturating_add(1),
            ')' | ']' => depth = depth.saturating_sub(1),
            c if c == needle && depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Parses a schema type, ignoring alias annotations (`Tensor(a!)`, `t(a -> *)`).
pub fn parse_type(text: &str) -> Option<SchemaType> {
    let text = text.trim();
    if let Some(inner) = text.strip_suffix('?') {
        return Some(SchemaType::Optional(Box::new(parse_type(inner)?)));
    }
    if text.ends_with(']') {
        let open = text.rfind('[')?;
        let len_text = text.get(open.saturating_add(1)..text.len().saturating_sub(1))?;
        let len = if len_text.is_empty() {
            None
        } else {
            Some(len_text.parse().ok()?)
        };
        return Some(SchemaType::List(
            Box::new(parse_type(head(text, open))?),
            len,
        ));
    }
    if text.starts_with('(') {
        let end = matching_paren(text, 0)?;
        let items = split_top_level(text.get(1..end)?)
            .into_iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| parse_type(p.trim()))
            .collect::<Option<Vec<_>>>()?;
        return Some(SchemaType::Tuple(items));
    }
    // Strip a trailing alias annotation: `Tensor(a!)`, `t[](a)`, `Dict(str, t)(a!)`.
    if text.ends_with(')')
        && !text.starts_with("Dict(")
        && !text.starts_with("Future(")
        && !text.starts_with("Await(")
    {
        let open = text.find('(')?;
        return parse_type(head(text, open));
    }
    if let Some(inner) = text.strip_prefix("Dict(") {
        let end = matching_paren(text, 4)?;
        let after = tail(text, end.saturating_add(1)).trim();
        if !after.is_empty() {
            // alias annotation after the dict type
            return parse_type(head(text, end.saturating_add(1)));
        }
        let parts = split_top_level(head(inner, inner.len().saturating_sub(1)));
        let [key, value] = parts.as_slice() else {
            return None;
        };
        return Some(SchemaType::Dict(
            Box::new(parse_type(key)?),
            Box::new(parse_type(value)?),
        ));
    }
    for prefix in ["Future(", "Await("] {
        if let Some(inner) = text.strip_prefix(prefix) {
            return Some(SchemaType::Future(Box::new(parse_type(
                inner.strip_suffix(')')?,
            )?)));
        }
    }
    Some(match text {
        "Tensor" => SchemaType::Tensor,
        "int" | "SymInt" => SchemaType::Int,
        "float" | "SymFloat" => SchemaType::Float,
        "bool" | "SymBool" => SchemaType::Bool,
        "str" => SchemaType::Str,
        "Scalar" | "number" => SchemaType::Scalar,
        "complex" => SchemaType::Complex,
        "ScalarType" => SchemaType::ScalarType,
        "Layout" => SchemaType::Layout,
        "MemoryFormat" => SchemaType::MemoryFormat,
        "Device" => SchemaType::Device,
        "Generator" => SchemaType::Generator,
        "Dimname" => SchemaType::Dimname,
        "Storage" => SchemaType::Storage,
        "Stream" => SchemaType::Stream,
        "Any" => SchemaType::Any,
        t if t.starts_with('t') && t.len() <= 4 && t.chars().all(|c| c.is_ascii_alphanumeric()) => {
            SchemaType::Var(t.to_string())
        }
        other => SchemaType::Other(other.to_string()),
    })
}

fn parse_default(text: &str) -> DefaultValue {
    match text {
        "None" => return DefaultValue::None,
        "True" => return DefaultValue::Bool(true),
        "False" => return DefaultValue::Bool(false),
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return DefaultValue::Int(i);
    }
    if let Ok(f) = text.parse::<f64>() {
        return DefaultValue::Float(f);
    }
    if (text.starts_with('"') && text.ends_with('"')
        || text.starts_with('\'') && text.ends_with('\''))
        && text.len() >= 2
    {
        return DefaultValue::Str(unescape(
            text.get(1..text.len().saturating_sub(1)).unwrap_or(""),
        ));
    }
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let items: Vec<&str> = inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if let Ok(ints) = items
            .iter()
            .map(|s| s.parse::<i64>())
            .collect::<std::result::Result<Vec<_>, _>>()
        {
            return DefaultValue::IntList(ints);
        }
        if let Ok(floats) = items
            .iter()
            .map(|s| s.parse::<f64>())
            .collect::<std::result::Result<Vec<_>, _>>()
        {
            return DefaultValue::FloatList(floats);
        }
        if items.iter().all(|s| *s == "True" || *s == "False") {
            return DefaultValue::BoolList(items.iter().map(|s| *s == "True").collect());
        }
    }
    DefaultValue::Name(text.to_string())
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_torch_schema_parses() {
        assert_eq!(torch_schemas().rejected(), Vec::<String>::new());
        let table = SchemaTable::parse(SCHEMA_TEXT).expect("all schemas parse");
        assert!(table.len() > 4000, "{}", table.len());
        // The indexed table holds the same overloads in the same order as the eager parse.
        let indexed = torch_schemas();
        for name in table.names() {
            let eager: Vec<String> = table
                .overloads(name)
                .iter()
                .map(|s| s.full_name())
                .collect();
            let lazy: Vec<String> = indexed
                .overloads(name)
                .iter()
                .map(|s| s.full_name())
                .collect();
            assert_eq!(eager, lazy, "{name}");
        }
        assert_eq!(
            indexed.len(),
            table.len()
                + SchemaTable::parse(crate::ops::vision::SCHEMA_TEXT)
                    .unwrap()
                    .len()
        );
        assert!(table.get("aten::add.Tensor").is_some());
        assert!(table.get("aten::relu").is_some());
    }

    #[test]
    fn overload_names_split_after_the_namespace() {
        assert_eq!(split_overload("aten::add.Tensor"), ("aten::add", "Tensor"));
        assert_eq!(split_overload("prim::Constant"), ("prim::Constant", ""));
        assert_eq!(split_overload("add.out"), ("add", "out"));
        assert_eq!(split_overload("a.b::c.d.e"), ("a.b::c", "d.e"));
        assert_eq!(split_overload(""), ("", ""));
        assert_eq!(split_overload("aten::"), ("aten::", ""));
    }

    #[test]
    fn an_indexed_table_parses_a_name_on_lookup_and_reports_bad_lines() {
        let table = SchemaTable::index(&[
            "# comment\naten::f(Tensor self) -> Tensor\naten::f.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)\naten::g(Tensor self -> Tensor\n",
            "aten::f.extra(Tensor self, int n) -> Tensor\n",
        ]);
        let names: Vec<String> = table
            .overloads("aten::f")
            .iter()
            .map(|s| s.full_name())
            .collect();
        assert_eq!(names, ["aten::f", "aten::f.out", "aten::f.extra"]);
        assert!(table.overloads("aten::g").is_empty());
        assert!(table.get("aten::f.out").is_some());
        let rejected = table.rejected();
        assert_eq!(rejected.len(), 1, "{rejected:?}");
        assert!(rejected[0].contains("aten::g"), "{rejected:?}");
    }

    #[test]
    fn arguments_defaults_and_kwarg_only() {
        let s = parse_schema(
            "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
        )
        .unwrap();
        assert_eq!(s.name, "aten::add");
        assert_eq!(s.overload, "Tensor");
        assert_eq!(s.args.len(), 3);
        assert!(s.args[2].kwarg_only);
        assert_eq!(s.args[2].default, Some(DefaultValue::Int(1)));
        assert_eq!(s.returns, vec![SchemaType::Tensor]);
    }

    #[test]
    fn list_optional_alias_and_tuple_types() {
        let s = parse_schema("aten::max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> Tensor").unwrap();
        assert_eq!(
            s.args[1].ty,
            SchemaType::List(Box::new(SchemaType::Int), Some(2))
        );
        assert_eq!(s.args[2].default, Some(DefaultValue::IntList(vec![])));
        let s = parse_schema("aten::max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)").unwrap();
        assert_eq!(s.returns.len(), 2);
        let s = parse_schema("aten::append.t(t[](a!) self, t(c -> *) el) -> t[](a!)").unwrap();
        assert_eq!(
            s.args[0].ty,
            SchemaType::List(Box::new(SchemaType::Var("t".into())), None)
        );
        assert!(s.args[0].mutable);
        let s =
            parse_schema("aten::__getitem__.Dict_str(Dict(str, t) self, str key) -> t(*)").unwrap();
        assert_eq!(
            s.args[0].ty,
            SchemaType::Dict(
                Box::new(SchemaType::Str),
                Box::new(SchemaType::Var("t".into()))
            )
        );
        let s = parse_schema("aten::format(str self, ...) -> str").unwrap();
        assert!(s.varargs);
        let s =
            parse_schema("aten::index.Tensor(Tensor self, Tensor?[] indices) -> Tensor").unwrap();
        assert_eq!(
            s.args[1].ty,
            SchemaType::List(
                Box::new(SchemaType::Optional(Box::new(SchemaType::Tensor))),
                None
            )
        );
    }

    #[test]
    fn string_defaults() {
        let s = parse_schema(r#"aten::gelu(Tensor self, *, str approximate="none") -> Tensor"#)
            .unwrap();
        assert_eq!(s.args[1].default, Some(DefaultValue::Str("none".into())));
    }
}
