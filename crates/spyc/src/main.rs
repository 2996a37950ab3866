use std::io::IsTerminal;

use clap::{Parser, Subcommand};
use spy_diagnostics::{render_all, ColorMode, SourceMap};

#[derive(Parser)]
#[command(name = "spyc", version, about = "Compiler for an SPy-style dialect of Python")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Print the logical token stream.
    Tokens { file: String },
    /// Print the AST with spans.
    Parse {
        file: String,
        /// Print the AST back as source instead.
        #[arg(long)]
        source: bool,
    },
}

fn main() {
    let cli = Cli::parse();
    let color = if std::io::stderr().is_terminal() { ColorMode::Color } else { ColorMode::Plain };
    match cli.cmd {
        Cmd::Tokens { file } => {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let mut sm = SourceMap::new();
            let id = sm.add(file, text.clone());
            let (toks, errs) = spy_parser::tokens(&text, id);
            for (sp, t) in toks {
                let (l, c) = sm.get(id).line_col(sp.start);
                println!("{l}:{c} {}", spy_parser::describe_token(&t));
            }
            let ds: Vec<_> = errs.iter().map(|e| e.to_diagnostic()).collect();
            eprint!("{}", render_all(&ds, &sm, color));
        }
        Cmd::Parse { file, source } => {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let mut sm = SourceMap::new();
            let id = sm.add(file, text.clone());
            let (m, errs) = spy_parser::parse_module(&text, id);
            if source {
                print!("{}", spy_ast::print_module(&m));
            } else {
                print!("{}", spy_ast::dump_module(&m, true));
            }
            let ds: Vec<_> = errs.iter().map(|e| e.to_diagnostic()).collect();
            eprint!("{}", render_all(&ds, &sm, color));
            if !errs.is_empty() {
                std::process::exit(1);
            }
        }
    }
}
