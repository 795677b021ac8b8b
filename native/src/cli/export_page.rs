//! `gilwall export-page`'s flags, mapped onto [`server::page::export_static`]: a copy of the demo
//! page for any static file server.

use crate::server::page::{self, Source};
use crate::server::serve::{Found, Page, find};
use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::PathBuf;

/// Options of `gilwall export-page`.
#[derive(Debug, Args)]
pub struct ExportPageArgs {
    /// Folder to write the static page into (made if missing; must be empty unless --force).
    #[arg(value_name = "DIR")]
    pub out: PathBuf,
    /// Export the built page in this folder (default: the page inside this binary, else ./www
    /// or the source tree's www, if built).
    #[arg(long, value_name = "DIR")]
    pub www: Option<PathBuf>,
    /// Write into a folder that has files in it already.
    #[arg(long)]
    pub force: bool,
}

/// Runs `gilwall export-page`.
pub(super) fn run(args: ExportPageArgs) -> Result<()> {
    let page = args.www.map_or(Page::Default, Page::Dir);
    let source = match find(&page)? {
        Found::Dir(dir) => Source::Dir(dir),
        Found::Inside => Source::Inside,
        Found::Nothing(why) => bail!("no page to export: {why}"),
    };
    let n = page::export_static(&source, &args.out, args.force)
        .with_context(|| format!("exporting the static page to {}", args.out.display()))?;
    println!(
        "gilwall: wrote the static page ({n} files) to {dir}\n\
         Serve it with any static file server, e.g. `python3 -m http.server --directory {dir}`, and\n\
         open it over http://localhost or https (a service worker needs one of them). On first load\n\
         it registers its service worker and reloads once.",
        dir = args.out.display()
    );
    Ok(())
}
