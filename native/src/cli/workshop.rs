//! `gilwall workshop` and `gilwall workshop check`: their flags, mapped onto the workshop's
//! `LessonOptions` and `CheckOptions`, and the workshop's errors said in those flags' names.

use super::UsageError;
use crate::workshop::{self, CheckOptions, LessonOptions, WorkshopError};
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Options of `gilwall workshop`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WorkshopArgs {
    /// The lesson to run (1-9); leave out to list them.
    #[arg(value_parser = parse_lesson, value_name = "LESSON")]
    pub lesson: Option<u32>,
    /// Delay of one fetch, in ms (lessons 1-6 and 9; the article uses 1000).
    #[arg(long, default_value_t = 100.0, value_parser = parse_io_ms, value_name = "MS")]
    pub io_ms: f64,
    /// Folder to write each lesson's chart (SVG) and report (JSON) into.
    #[arg(long, default_value = "gilwall-results/workshop", value_name = "DIR")]
    pub out: PathBuf,
    /// Do not ask for a prediction before the run (never asked when not on a terminal).
    #[arg(long)]
    pub no_predict: bool,
    /// Lesson 7: also serve the demo page on port 8000 (once the page is built).
    #[arg(long)]
    pub serve: bool,
    /// Check or set up the exercises instead.
    #[command(subcommand)]
    pub command: Option<WorkshopCommand>,
}

/// Subcommands of `gilwall workshop`.
#[derive(Debug, Subcommand)]
pub enum WorkshopCommand {
    /// Run an exercise's tests (all when N is left out) and say what passed; show the hint for
    /// what did not.
    ///
    /// Run it inside the exercises folder (one `gilwall workshop init` wrote, or a checkout's
    /// exercises/); it is found from the current directory up. Rust: edit NN-name/src/lib.rs.
    /// Python (--python): edit python/NN-name/exercise.py. The first check builds the
    /// dependencies (a minute or two) or makes the Python environment; later ones take seconds.
    Check(CheckArgs),
    /// Write the exercises (both tracks: starting files, tests, hints and their support code)
    /// into a new folder, then `cd` there and run `gilwall workshop check 1`.
    ///
    /// Refuses a folder that exists and is not empty, so nobody's work is overwritten. The
    /// reference solutions stay inside gilwall (`gilwall workshop check --solutions`).
    Init(InitArgs),
}

/// Options of `gilwall workshop init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The new folder [default: gilwall-exercises].
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Options of `gilwall workshop check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The exercise to check; all when left out.
    #[arg(value_name = "N")]
    pub exercise: Option<u32>,
    /// Check the reference solutions instead of your files (in a copy; your files are not
    /// touched) — to see that this laptop is ready.
    #[arg(long)]
    pub solutions: bool,
    /// The exercises folder (default: the current folder or a parent that is one, or holds one
    /// as exercises/).
    #[arg(long, value_name = "DIR")]
    pub exercises: Option<PathBuf>,
    /// Show the hint of each exercise that does not pass yet.
    #[arg(long)]
    pub hint: bool,
    /// Check the Python track (python/NN-name/exercise.py) with pytest, against gilwall's
    /// server, in a virtual environment made once under the exercises' target/.
    #[arg(long)]
    pub python: bool,
    /// With --python: the interpreter that makes the virtual environment (e.g. python3.13t for
    /// a free-threaded build).
    #[arg(
        long,
        value_name = "PATH",
        requires = "python",
        default_value = "python3"
    )]
    pub interpreter: std::ffi::OsString,
}

/// Lists the lessons, runs one, or checks the exercises, naming flags in the errors.
pub(super) fn run(args: WorkshopArgs) -> Result<()> {
    match args.command {
        Some(WorkshopCommand::Check(check)) => {
            let options = CheckOptions {
                exercise: check.exercise,
                solutions: check.solutions,
                exercises: check.exercises,
                hint: check.hint,
                python: check.python.then_some(check.interpreter),
            };
            return workshop::check_exercises(&options).map_err(name_flags);
        }
        Some(WorkshopCommand::Init(init)) => {
            let dir = init
                .dir
                .unwrap_or_else(|| PathBuf::from(workshop::init::DEFAULT_DIR));
            return workshop::init_exercises(&dir);
        }
        None => {}
    }
    let Some(lesson) = args.lesson else {
        print!("{}", workshop::list());
        return Ok(());
    };
    let options = LessonOptions {
        lesson,
        io_ms: args.io_ms,
        out: args.out,
        predict: !args.no_predict,
        serve: args.serve,
    };
    workshop::run_lesson(&options).map_err(name_flags)
}

/// How to see the lessons, for messages about a lesson number.
const SEE_THE_LIST: &str = "run `gilwall workshop` to list them";

fn parse_lesson(s: &str) -> Result<u32, String> {
    let n: u32 = s.trim().parse().map_err(|_| {
        format!(
            "{s:?} is not a lesson number; the lessons are 1-{}; {SEE_THE_LIST}",
            gilwall_core::lesson::LESSONS.len()
        )
    })?;
    workshop::check_lesson(n)
        .map(|l| l.number)
        .map_err(|e| format!("{e}; {SEE_THE_LIST}"))
}

fn parse_io_ms(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of milliseconds"))?;
    // clap puts the flag before this message, so it says only what the range is.
    workshop::check_io_ms(v).map_err(|_| io_ms_range(s))
}

/// What `--io-ms` may be, for a value `got` outside it.
fn io_ms_range(got: &str) -> String {
    format!(
        "must be from {} to {} ms for the workshop (longer lessons are tedious), got {got}",
        workshop::IO_MS.start(),
        workshop::IO_MS.end()
    )
}

/// `e` in the words of the workshop's flags when it is a [`WorkshopError`]; any other error
/// unchanged. Options out of range are usage errors (exit code 2), as clap's own are.
fn name_flags(e: anyhow::Error) -> anyhow::Error {
    let Some(w) = e.downcast_ref::<WorkshopError>() else {
        return e;
    };
    match w {
        WorkshopError::NoLesson(_) => UsageError(format!("{w}; {SEE_THE_LIST}")).into(),
        WorkshopError::IoMs(v) => {
            UsageError(format!("--io-ms {}", io_ms_range(&v.to_string()))).into()
        }
        WorkshopError::NotExercises(dir) => anyhow::anyhow!(
            "--exercises {}: not an exercises folder (no Cargo.toml and support/ there); point \
             it at one that `gilwall workshop init` wrote",
            dir.display()
        ),
        WorkshopError::NoExercisesFolder => anyhow::anyhow!(
            "cannot find the exercises here or in a parent folder; write them with `gilwall \
             workshop init DIR` and run this inside DIR, or pass --exercises DIR"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_lessons_are_refused_with_the_list_of_lessons() {
        assert_eq!(parse_lesson("3"), Ok(3));
        let e = parse_lesson("99").unwrap_err();
        assert_eq!(
            e,
            "there is no lesson 99; the lessons are 1-9; run `gilwall workshop` to list them"
        );
        assert!(
            parse_lesson("three")
                .unwrap_err()
                .contains("not a lesson number")
        );
        assert!(parse_io_ms("5").unwrap_err().contains("from 10 to 2000 ms"));
    }

    #[test]
    fn workshop_errors_name_the_flags() {
        let e = name_flags(WorkshopError::IoMs(5.0).into());
        assert!(e.downcast_ref::<UsageError>().is_some());
        assert_eq!(
            e.to_string(),
            "--io-ms must be from 10 to 2000 ms for the workshop (longer lessons are tedious), \
             got 5"
        );
        let e = name_flags(WorkshopError::NotExercises(PathBuf::from("/nowhere")).into());
        assert!(
            e.to_string()
                .starts_with("--exercises /nowhere: not an exercises folder"),
            "{e}"
        );
        assert!(
            name_flags(WorkshopError::NoExercisesFolder.into())
                .to_string()
                .ends_with("pass --exercises DIR")
        );
    }
}
