//! Prints the normalised lines of a document, marking boilerplate, for
//! debugging the layout pass: `cargo run --example dump_lines FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        return;
    };
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    match luoshi_extract::decode(&bytes) {
        Ok(src) => {
            let raw: Vec<(char, u32)> = match src.kind {
                luoshi_extract::SourceKind::Html => luoshi_extract::html::html_text(&src.text),
                _ => src.text.chars().zip(0..).collect(),
            };
            let text: String = raw.iter().map(|p| p.0).collect();
            for (i, l) in text.lines().enumerate() {
                println!("{i:3}| {l}");
            }
        }
        Err(e) => eprintln!("{e}"),
    }
}
