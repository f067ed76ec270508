//! Mutation test: real sample files with random edits never make the parser panic, and every
//! mutant that still parses prints to text that parses back to the same statements.

use std::fs;
use std::path::Path;

use torchscript_interpreter::syntax::{parse_file, print_file, same_code};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

const SNIPPETS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "\n",
    "    ",
    "\t",
    " if x else ",
    " and ",
    " or ",
    "not ",
    "-",
    "**",
    "*",
    ".a",
    "[0]",
    "(1)",
    "'s'",
    "\"\\n\"",
    "1.5e-3",
    "0x10",
    " is not ",
    " not in ",
    " for i in xs",
    "=",
    " += ",
    "\\\n",
    "#c\n",
    ";",
    "...",
    "lambda",
    "\u{e9}",
    "-2",
    "~",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut out = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let mut at = rng.below(out.len() + 1);
        while !out.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(3) {
            0 => out.insert_str(at, SNIPPETS[rng.below(SNIPPETS.len())]),
            1 => {
                let mut end = (at + 1 + rng.below(8)).min(out.len());
                while !out.is_char_boundary(end) {
                    end -= 1;
                }
                out.replace_range(at..end, "");
            }
            _ => {
                let mut end = (at + rng.below(40)).min(out.len());
                while !out.is_char_boundary(end) {
                    end -= 1;
                }
                let copied = out[at..end].to_string();
                let mut to = rng.below(out.len() + 1);
                while !out.is_char_boundary(to) {
                    to -= 1;
                }
                out.insert_str(to, &copied);
            }
        }
    }
    out
}

#[test]
fn mutated_samples_never_panic_and_still_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut names: Vec<_> = fs::read_dir(&dir)
        .expect("tests/data")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    names.sort();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let (mut parsed, mut rejected) = (0, 0);
    for path in &names {
        let text = fs::read_to_string(path).expect("readable");
        for case in 0..150 {
            let mutant = mutate(&text, &mut rng);
            match parse_file("mutant.py", &mutant) {
                Ok(file) => {
                    parsed += 1;
                    let printed = print_file(&file);
                    let again = parse_file("printed.py", &printed).unwrap_or_else(|e| {
                        panic!("{} case {case}: {e}\n--- mutant:\n{mutant}", path.display())
                    });
                    assert!(
                        same_code(&file, &again),
                        "{} case {case}: changed\n--- mutant:\n{mutant}\n--- printed:\n{printed}",
                        path.display()
                    );
                }
                Err(error) => {
                    rejected += 1;
                    assert!(error.line >= 1 && error.column >= 1);
                }
            }
        }
    }
    assert!(
        parsed > 100 && rejected > 100,
        "parsed {parsed}, rejected {rejected}"
    );
}
