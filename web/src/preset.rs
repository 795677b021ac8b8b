//! The page's presets and the workshop's lessons as the page sees them, from core's lesson
//! table: the preset buttons of both modes, what `/?preset=ID`, `/?load=ID` and `/?lesson=N`
//! open, and what to say for a lesson the page has no preset for.

use gilwall_core::lesson::{
    self, ChartView, DEFAULT_LOAD_PRESET, DEFAULT_PRESET, LESSONS, LOAD_PRESETS, PRESETS,
};
use gilwall_core::load_spec::LoadSpec;
use gilwall_core::strategy::Runtime;
use gilwall_core::sweep::SweepSpec;
use serde::Serialize;

/// One preset as the page's buttons show it.
#[derive(Debug, Serialize)]
pub struct Preset {
    /// Its stable identifier (`/?preset=ID`).
    pub id: &'static str,
    /// The button's label.
    pub label: &'static str,
    /// What the step shows.
    pub note: &'static str,
    /// What it sets the controls to: a config `gilwall.run` takes as it is.
    pub config: SweepSpec,
    /// The chart view it opens.
    pub chart: ChartView,
    /// The workshop lessons that open it (`/?lesson=N`).
    pub lessons: Vec<u32>,
    /// Whether the page opens with it.
    pub default: bool,
}

/// Every preset, in the order of the buttons.
pub fn describe_all() -> Vec<Preset> {
    PRESETS
        .iter()
        .map(|p| Preset {
            id: p.id,
            label: p.label,
            note: p.note,
            config: p.spec(),
            chart: p.chart,
            lessons: p.lessons(),
            default: p.id == DEFAULT_PRESET.id,
        })
        .collect()
}

/// One load preset as the requests-per-second mode's buttons show it.
#[derive(Debug, Serialize)]
pub struct LoadPreset {
    /// Its stable identifier (`/?load=ID`).
    pub id: &'static str,
    /// The button's label.
    pub label: &'static str,
    /// What the load shows.
    pub note: &'static str,
    /// What it runs: a config `gilwall.runLoad` takes as it is.
    pub config: LoadSpec,
    /// The workshop lessons that open it (`/?lesson=N`).
    pub lessons: Vec<u32>,
    /// Whether the load mode opens with it.
    pub default: bool,
}

/// Every load preset, in the order of the buttons.
pub fn describe_load() -> Vec<LoadPreset> {
    LOAD_PRESETS
        .iter()
        .map(|p| LoadPreset {
            id: p.id,
            label: p.label,
            note: p.note,
            config: p.spec(),
            lessons: p.lessons(),
            default: p.id == DEFAULT_LOAD_PRESET.id,
        })
        .collect()
}

/// One workshop lesson as the page names it.
#[derive(Debug, Serialize)]
pub struct Lesson {
    /// Its number (`/?lesson=N`).
    pub number: u32,
    /// Its stable identifier.
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// Where it runs: `native` (the `gilwall workshop` command) or `browser` (this page).
    pub runtime: Runtime,
    /// The id of the preset it opens, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<&'static str>,
    /// The id of the load preset it opens in the requests-per-second mode, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_preset: Option<&'static str>,
}

/// Every lesson, in order.
pub fn lessons() -> Vec<Lesson> {
    LESSONS
        .iter()
        .map(|l: &lesson::Lesson| Lesson {
            number: l.number,
            id: l.id,
            title: l.title,
            runtime: l.runtime(),
            preset: l.preset.map(|p| p.id),
            load_preset: l.load_preset.map(|p| p.id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn presets_carry_their_config_view_and_lessons_and_one_is_the_default() {
        let all = describe_all();
        let wall = all
            .iter()
            .find(|p| p.id == "the-wall")
            .expect("the wall is a preset");
        assert!(wall.default && wall.lessons == [3]);
        assert_eq!(all.iter().filter(|p| p.default).count(), 1);
        let pickling = serde_json::to_value(all.last().expect("there are presets"))
            .expect("a preset serialises");
        assert_eq!(pickling["chart"], "copy");
        assert_eq!(pickling["config"]["payload_kb"], 4096);
        assert_eq!(pickling["config"]["tasks"], json!([1, 2, 4]));
        assert_eq!(pickling["lessons"], json!([]));
        // The config is one the page's Sweep reads back as it is.
        let text = pickling["config"].to_string();
        let spec = SweepSpec::from_json(&text).expect("a preset's config reads back");
        assert_eq!(spec.check(Runtime::Browser), Ok(()));
    }

    #[test]
    fn lessons_say_where_they_run_and_which_preset_they_open() {
        let all = serde_json::to_value(lessons()).expect("lessons serialise");
        assert_eq!(all[2]["id"], "3-the-wall");
        assert_eq!(all[2]["preset"], "the-wall");
        assert_eq!(all[6]["runtime"], "browser");
        assert_eq!(all[7]["runtime"], "native");
        assert!(all[7].get("preset").is_none(), "{}", all[7]);
        assert!(all[7].get("load_preset").is_none(), "{}", all[7]);
        // The load lesson runs natively, and the page opens its browser twin: a load preset.
        assert_eq!(all[8]["id"], "9-the-cliff");
        assert_eq!(all[8]["runtime"], "native");
        assert!(all[8].get("preset").is_none(), "{}", all[8]);
        assert_eq!(all[8]["load_preset"], "the-cliff");
    }

    #[test]
    fn load_presets_carry_a_config_the_load_mode_reads_back_and_one_is_the_default() {
        let all = describe_load();
        assert_eq!(all.iter().filter(|p| p.default).count(), 1);
        assert_eq!(all[0].id, "service");
        assert!(all[0].default);
        let cliff = serde_json::to_value(all.iter().find(|p| p.id == "the-cliff").expect("listed"))
            .expect("a load preset serialises");
        assert_eq!(cliff["lessons"], json!([9]));
        assert_eq!(
            cliff["config"]["strategies"],
            json!(["async", "async-workers"])
        );
        assert_eq!(cliff["config"]["rates"], json!([5.0, 13.0, 20.0, 30.0]));
        let spec = LoadSpec::from_json(&cliff["config"].to_string()).expect("it reads back");
        assert_eq!(spec.check(2), Ok(()));
    }
}
