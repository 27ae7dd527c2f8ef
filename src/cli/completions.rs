//! `planscale completions` and `planscale man`: generated from the clap definition so they can
//! never drift from the real flags; copies are committed under `completions/` and `man/`.

use std::io::Write;
use std::path::Path;

use clap::Args;
use clap_complete::Shell;

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// Shell to generate for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write every page (planscale.1 and one per subcommand) into DIR instead of printing the main page
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<String>,
}

pub(crate) fn completion_script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut super::command(), "planscale", &mut buf);
    buf
}

/// Every man page as (file name, roff text): the main page and one per (nested) subcommand.
pub(crate) fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut pages = Vec::new();
    let root = super::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(root.clone()).render(&mut buf)?;
    pages.push(("planscale.1".to_string(), buf));
    fn walk(
        cmd: &clap::Command,
        prefix: &str,
        pages: &mut Vec<(String, Vec<u8>)>,
    ) -> anyhow::Result<()> {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let name = format!("{prefix}-{}", sub.get_name());
            let page = sub
                .clone()
                .name(name.clone())
                .bin_name(name.replace('-', " "));
            let mut buf = Vec::new();
            clap_mangen::Man::new(page).render(&mut buf)?;
            pages.push((format!("{name}.1"), buf));
            walk(sub, &name, pages)?;
        }
        Ok(())
    }
    walk(&root, "planscale", &mut pages)?;
    Ok(pages)
}

pub(crate) fn run_completions(a: CompletionsArgs) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    out.write_all(&completion_script(a.shell))?;
    Ok(0)
}

pub(crate) fn run_man(a: ManArgs) -> anyhow::Result<u8> {
    let pages = man_pages()?;
    match a.out_dir {
        Some(dir) => {
            for (name, text) in pages {
                planscale::io::write_atomic(&Path::new(&dir).join(name), &text)?;
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&pages[0].1)?;
        }
    }
    Ok(0)
}
