//! When a returning patient is asked a form again: each form's rule in the clinic's
//! configuration (`forms/re-ask.txt`), and what it comes to for one visit.
//!
//! A rule reads `every visit`, `if older than N days` or `once`, optionally followed by
//! `, pre-filled`: then answers given in the last `PRE_FILL_DAYS` come back filled in, and the
//! patient confirms them with one "Still right" (or changes them). Screeners are never
//! pre-filled: a mood questionnaire answered for the patient by last month's answers would be
//! worse than none.

use chrono::NaiveDate;

/// How old a pre-filled answer may be: older ones are asked afresh.
pub const PRE_FILL_DAYS: i64 = 365;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReAsk {
    EveryVisit,
    /// Asked again when the last answer is older than this many days.
    OlderThanDays(u32),
    /// Asked until answered once.
    Once,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AskRule {
    pub when: ReAsk,
    pub pre_filled: bool,
}

/// What a form comes to for one visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Not asked: answered recently enough (or once, for a `once` form).
    Skip,
    /// Asked, empty.
    Ask,
    /// Asked with the last answers filled in, to confirm.
    Confirm,
}

impl AskRule {
    /// A form no rule names: asked every visit, as before rules existed.
    pub const DEFAULT: AskRule = AskRule {
        when: ReAsk::EveryVisit,
        pre_filled: false,
    };

    /// `every visit`, `if older than 90 days`, `once`, each optionally `, pre-filled`.
    pub fn parse(text: &str) -> Result<AskRule, String> {
        let text = text.trim();
        let (when, pre_filled) = match text.rsplit_once(',').map(|(when, option)| (when.trim(), option.trim())) {
            Some((when, "pre-filled")) => (when, true),
            Some((_, other)) => return Err(format!("unknown option {other:?} (expected `pre-filled`)")),
            None => (text, false),
        };
        let when = match when {
            "every visit" => ReAsk::EveryVisit,
            "once" => ReAsk::Once,
            _ => {
                let days = when
                    .strip_prefix("if older than ")
                    .and_then(|rest| rest.strip_suffix(" days"))
                    .and_then(|n| n.parse::<u32>().ok())
                    .filter(|&n| n > 0)
                    .ok_or_else(|| {
                        format!("{when:?} is not a rule: `every visit`, `if older than N days` or `once`")
                    })?;
                ReAsk::OlderThanDays(days)
            }
        };
        Ok(AskRule { when, pre_filled })
    }

    /// What the form comes to on `today` for a patient who last answered it on `last`.
    pub fn due(&self, last: Option<NaiveDate>, today: NaiveDate) -> Due {
        let age = last.map(|day| (today - day).num_days());
        let asked = match (self.when, age) {
            (_, None) | (ReAsk::EveryVisit, _) => true,
            (ReAsk::Once, Some(_)) => false,
            (ReAsk::OlderThanDays(days), Some(age)) => age > i64::from(days),
        };
        match age {
            _ if !asked => Due::Skip,
            Some(age) if self.pre_filled && age <= PRE_FILL_DAYS => Due::Confirm,
            _ => Due::Ask,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(d))
    }

    #[test]
    fn rules_read_as_a_clinic_writes_them() {
        assert_eq!(AskRule::parse("every visit"), Ok(AskRule::DEFAULT));
        assert_eq!(
            AskRule::parse(" every visit, pre-filled "),
            Ok(AskRule {
                when: ReAsk::EveryVisit,
                pre_filled: true
            })
        );
        assert_eq!(
            AskRule::parse("if older than 365 days").map(|r| r.when),
            Ok(ReAsk::OlderThanDays(365))
        );
        assert_eq!(AskRule::parse("once").map(|r| r.when), Ok(ReAsk::Once));
        for wrong in [
            "",
            "weekly",
            "if older than 0 days",
            "if older than x days",
            "once, prefilled",
        ] {
            assert!(AskRule::parse(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn a_new_patient_is_asked_everything_empty() {
        for rule in [
            "every visit",
            "every visit, pre-filled",
            "if older than 30 days",
            "once",
        ] {
            assert_eq!(AskRule::parse(rule).unwrap().due(None, day(400)), Due::Ask, "{rule}");
        }
    }

    #[test]
    fn a_returning_patient_is_asked_what_the_rules_say() {
        let rule = |text| AskRule::parse(text).unwrap();
        assert_eq!(rule("every visit").due(Some(day(399)), day(400)), Due::Ask);
        assert_eq!(
            rule("every visit, pre-filled").due(Some(day(370)), day(400)),
            Due::Confirm
        );
        assert_eq!(rule("once").due(Some(day(1)), day(400)), Due::Skip);
        assert_eq!(rule("if older than 30 days").due(Some(day(370)), day(400)), Due::Skip);
        assert_eq!(rule("if older than 30 days").due(Some(day(369)), day(400)), Due::Ask);
        assert_eq!(
            rule("if older than 30 days, pre-filled").due(Some(day(300)), day(400)),
            Due::Confirm
        );
    }

    #[test]
    fn answers_older_than_a_year_are_asked_afresh() {
        let rule = AskRule::parse("every visit, pre-filled").unwrap();
        assert_eq!(rule.due(Some(day(35)), day(400)), Due::Confirm);
        assert_eq!(rule.due(Some(day(34)), day(400)), Due::Ask);
    }
}
