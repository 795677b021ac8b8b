//! What a caller asks of the workshop — a lesson with its fetch delay and output folder, or a
//! check of the exercises — as plain typed options, and what can be wrong with them, said in
//! the options' own field names so the CLI can say it in its flags'.

use gilwall_core::lesson::{self, LESSONS, Lesson};
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// The fetch delays a lesson may use, in ms: shorter ones drown the shapes in scheduling noise,
/// longer ones make a lesson tedious.
pub const IO_MS: RangeInclusive<f64> = 10.0..=2000.0;

/// One lesson to run.
#[derive(Debug, Clone)]
pub struct LessonOptions {
    /// The lesson's number, 1 to [`LESSONS`]`.len()`.
    pub lesson: u32,
    /// Delay of one fetch, in ms, within [`IO_MS`] (lessons 1-6 and 9 use it).
    pub io_ms: f64,
    /// Folder the lesson's chart (SVG) and report (JSON) go into.
    pub out: PathBuf,
    /// Ask for a prediction before the run; it is asked only on a terminal either way.
    pub predict: bool,
    /// Lesson 7: also serve the demo page.
    pub serve: bool,
}

/// A check of the workshop's exercises.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The exercise to check; all of them when `None`.
    pub exercise: Option<u32>,
    /// Check the reference solutions (in a copy) instead of the learner's files.
    pub solutions: bool,
    /// The exercises folder; found from the current directory up when `None`.
    pub exercises: Option<PathBuf>,
    /// Show the hint of each exercise that does not pass.
    pub hint: bool,
    /// The Python track, run with this interpreter (it makes the virtual environment); the
    /// Rust track when `None`.
    pub python: Option<std::ffi::OsString>,
}

/// What is wrong with a workshop option, naming the option's field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkshopError {
    /// `lesson` names no lesson.
    #[error("there is no lesson {0}; the lessons are 1-{count}", count = LESSONS.len())]
    NoLesson(u32),
    /// `io_ms` is outside [`IO_MS`] (or not a finite number).
    #[error(
        "io_ms must be from {min} to {max} ms for the workshop (longer lessons are tedious), \
         got {0}",
        min = IO_MS.start(),
        max = IO_MS.end()
    )]
    IoMs(f64),
    /// `exercises` names a folder that is not an exercises folder.
    #[error(
        "exercises {dir}: not an exercises folder (no Cargo.toml and support/ there); point it \
         at one that `gilwall workshop init` wrote",
        dir = .0.display()
    )]
    NotExercises(PathBuf),
    /// `exercises` was not given and neither the current directory nor a parent is one.
    #[error(
        "cannot find the exercises here or in a parent folder; write them with `gilwall \
         workshop init DIR` and run this inside DIR, or give their path in exercises"
    )]
    NoExercisesFolder,
}

/// The lesson numbered `n`.
pub fn check_lesson(n: u32) -> Result<&'static Lesson, WorkshopError> {
    lesson::by_number(n).ok_or(WorkshopError::NoLesson(n))
}

/// `io_ms` if it is a fetch delay a lesson may use.
pub fn check_io_ms(io_ms: f64) -> Result<f64, WorkshopError> {
    if io_ms.is_finite() && IO_MS.contains(&io_ms) {
        Ok(io_ms)
    } else {
        Err(WorkshopError::IoMs(io_ms))
    }
}

impl LessonOptions {
    /// Checks the options; returns the lesson they name.
    pub fn validate(&self) -> Result<&'static Lesson, WorkshopError> {
        check_io_ms(self.io_ms)?;
        check_lesson(self.lesson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lessons_and_delays_are_checked_in_the_options_words() {
        assert_eq!(check_lesson(3).map(|l| l.number), Ok(3));
        assert_eq!(
            check_lesson(99).unwrap_err().to_string(),
            "there is no lesson 99; the lessons are 1-9"
        );
        assert!(
            check_io_ms(5.0)
                .unwrap_err()
                .to_string()
                .starts_with("io_ms must be from 10 to 2000 ms")
        );
        assert!(check_io_ms(f64::NAN).is_err() && check_io_ms(2000.0).is_ok());
    }
}
