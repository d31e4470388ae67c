use std::collections::{HashMap, HashSet};

use super::model::{
    Answer, EnableBehavior, EnableWhen, Item, ItemType, Operator, Questionnaire, QuestionnaireResponse, ResponseItem,
    ValueX,
};

/// Why a Questionnaire cannot be used: each line names the item and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError(pub Vec<String>);

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.join("; "))
    }
}

/// Parses a Questionnaire and checks that this engine can render and validate all of it.
pub fn load(json: &str) -> Result<Questionnaire, FormError> {
    let questionnaire: Questionnaire = serde_json::from_str(json)
        .map_err(|e| FormError(vec![format!("not a Questionnaire this engine supports: {e}")]))?;
    let mut problems = Vec::new();
    if questionnaire.resource_type != "Questionnaire" {
        problems.push(format!(
            "resourceType is {:?}, not \"Questionnaire\"",
            questionnaire.resource_type
        ));
    }
    let mut kinds = HashMap::new();
    collect_kinds(&questionnaire.item, &mut kinds, &mut problems);
    check_items(&questionnaire.item, &kinds, &mut problems);
    if problems.is_empty() {
        Ok(questionnaire)
    } else {
        Err(FormError(problems))
    }
}

fn collect_kinds<'a>(items: &'a [Item], kinds: &mut HashMap<&'a str, &'a Item>, problems: &mut Vec<String>) {
    for item in items {
        if item.link_id.trim().is_empty() {
            problems.push("an item has an empty linkId".into());
        } else if kinds.insert(&item.link_id, item).is_some() {
            problems.push(format!("linkId {:?} is used twice", item.link_id));
        }
        collect_kinds(&item.item, kinds, problems);
    }
}

/// Does a value of this shape fit an item of this type?
fn fits(kind: ItemType, answer: &Answer) -> bool {
    matches!(
        (kind, answer),
        (ItemType::Boolean, Answer::Boolean(_))
            | (ItemType::Integer, Answer::Integer(_))
            | (ItemType::Decimal, Answer::Decimal(_) | Answer::Integer(_))
            | (ItemType::Date, Answer::Date(_))
            | (ItemType::String | ItemType::Text, Answer::String(_))
            | (
                ItemType::Choice,
                Answer::Coding(_) | Answer::String(_) | Answer::Integer(_) | Answer::Date(_)
            )
    )
}

fn check_items(items: &[Item], kinds: &HashMap<&str, &Item>, problems: &mut Vec<String>) {
    for item in items {
        let id = &item.link_id;
        let mut problem = |text: String| problems.push(format!("item {id:?}: {text}"));
        match item.kind {
            ItemType::Display => {
                if item.required || item.repeats || !item.initial.is_empty() || !item.item.is_empty() {
                    problem("a display item cannot be required, repeat, have initial values or children".into());
                }
            }
            ItemType::Group => {
                if item.item.is_empty() {
                    problem("a group needs at least one item".into());
                }
                if !item.initial.is_empty() || !item.answer_option.is_empty() {
                    problem("a group cannot have answer options or initial values".into());
                }
            }
            ItemType::Choice => {
                if item.answer_option.is_empty() {
                    problem("a choice item needs answerOption (answerValueSet is not supported)".into());
                }
            }
            _ => {
                if !item.answer_option.is_empty() {
                    problem(format!(
                        "answerOption is only supported on choice items, not {:?}",
                        item.kind
                    ));
                }
            }
        }
        if item.kind.is_question() && !item.item.is_empty() {
            problem("items nested under a question are not supported".into());
        }
        if item.max_length.is_some() && !matches!(item.kind, ItemType::String | ItemType::Text) {
            problem("maxLength is only supported on string and text items".into());
        }
        for option in &item.answer_option {
            match option.answer() {
                Ok(answer) if fits(item.kind, &answer) => {}
                Ok(_) => problem("an answerOption's type does not fit the item".into()),
                Err(e) => problem(format!("answerOption: {e}")),
            }
            if !option.item.is_empty() {
                problem("answerOption cannot have items".into());
            }
        }
        for initial in &item.initial {
            match initial.answer() {
                Ok(answer) if !fits(item.kind, &answer) => {
                    problem("an initial value's type does not fit the item".into())
                }
                Ok(answer) if item.kind == ItemType::Choice && !is_option(item, &answer) => {
                    problem("an initial value is not one of the answer options".into())
                }
                Ok(_) => {}
                Err(e) => problem(format!("initial: {e}")),
            }
        }
        if item.initial.len() > 1 && !item.repeats {
            problem("several initial values on an item that does not repeat".into());
        }
        for condition in &item.enable_when {
            if let Err(text) = check_condition(item, condition, kinds) {
                problem(format!("enableWhen on {:?}: {text}", condition.question));
            }
        }
        check_items(&item.item, kinds, problems);
    }
}

fn check_condition(item: &Item, condition: &EnableWhen, kinds: &HashMap<&str, &Item>) -> Result<(), String> {
    if condition.question == item.link_id {
        return Err("an item cannot depend on itself".into());
    }
    let target = kinds
        .get(condition.question.as_str())
        .ok_or("no item has this linkId")?;
    if !target.kind.is_question() {
        return Err("the question is a group or display item".into());
    }
    let answer = condition.answer()?;
    match condition.operator {
        Operator::Exists if !matches!(answer, Answer::Boolean(_)) => Err("'exists' takes answerBoolean".into()),
        Operator::Exists => Ok(()),
        _ if !fits(target.kind, &answer) => Err("the answer's type does not fit the question".into()),
        Operator::Greater | Operator::Less | Operator::GreaterOrEqual | Operator::LessOrEqual
            if matches!(answer, Answer::Boolean(_) | Answer::Coding(_)) =>
        {
            Err("ordering operators need a number, date or string".into())
        }
        _ => Ok(()),
    }
}

fn is_option(item: &Item, answer: &Answer) -> bool {
    item.answer_option
        .iter()
        .filter_map(|o| o.answer().ok())
        .any(|option| same_answer(&option, answer))
}

fn same_answer(a: &Answer, b: &Answer) -> bool {
    match (a, b) {
        (Answer::Coding(x), Answer::Coding(y)) => x.same_concept(y),
        (Answer::Decimal(x), Answer::Integer(y)) | (Answer::Integer(y), Answer::Decimal(x)) => *x == *y as f64,
        _ => a == b,
    }
}

fn compare(answer: &Answer, operator: Operator, expected: &Answer) -> bool {
    use std::cmp::Ordering;
    let ordering = match (answer, expected) {
        (Answer::Integer(a), Answer::Integer(b)) => Some(a.cmp(b)),
        (Answer::Decimal(a), Answer::Decimal(b)) => a.partial_cmp(b),
        (Answer::Integer(a), Answer::Decimal(b)) => (*a as f64).partial_cmp(b),
        (Answer::Decimal(a), Answer::Integer(b)) => a.partial_cmp(&(*b as f64)),
        (Answer::Date(a), Answer::Date(b)) => Some(a.cmp(b)),
        (Answer::String(a), Answer::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match operator {
        Operator::Equal => same_answer(answer, expected),
        Operator::Greater => ordering == Some(Ordering::Greater),
        Operator::Less => ordering == Some(Ordering::Less),
        Operator::GreaterOrEqual => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
        Operator::LessOrEqual => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        Operator::NotEqual | Operator::Exists => unreachable!("handled by the caller"),
    }
}

/// Every answer in a response, by linkId, in document order (nested items included).
fn answers_by_link_id(items: &[ResponseItem], out: &mut HashMap<String, Vec<Answer>>) {
    for item in items {
        let answers = out.entry(item.link_id.clone()).or_default();
        answers.extend(item.answer.iter().filter_map(|a| a.answer().ok()));
        answers_by_link_id(&item.item, out);
    }
}

fn condition_holds(condition: &EnableWhen, answers: &HashMap<String, Vec<Answer>>) -> bool {
    let given: &[Answer] = answers.get(&condition.question).map_or(&[], Vec::as_slice);
    let Ok(expected) = condition.answer() else { return false };
    match condition.operator {
        Operator::Exists => matches!(expected, Answer::Boolean(wanted) if wanted != given.is_empty()),
        // FHIR R4: true when no answer equals the value (including when there is no answer).
        Operator::NotEqual => !given.iter().any(|a| same_answer(a, &expected)),
        operator => given.iter().any(|a| compare(a, operator, &expected)),
    }
}

fn item_enabled(item: &Item, answers: &HashMap<String, Vec<Answer>>) -> bool {
    if item.enable_when.is_empty() {
        return true;
    }
    let mut results = item.enable_when.iter().map(|c| condition_holds(c, answers));
    match item.enable_behavior.unwrap_or(EnableBehavior::All) {
        EnableBehavior::All => results.all(|r| r),
        EnableBehavior::Any => results.any(|r| r),
    }
}

fn walk_enabled(items: &[Item], answers: &HashMap<String, Vec<Answer>>, out: &mut HashSet<String>) {
    for item in items.iter().filter(|i| item_enabled(i, answers)) {
        out.insert(item.link_id.clone());
        walk_enabled(&item.item, answers, out);
    }
}

/// The linkIds that apply given these answers. An item is enabled when its conditions hold
/// and its parent is enabled; answers of disabled items do not count toward other conditions,
/// so the set is computed to a fixed point.
pub fn enabled_items(questionnaire: &Questionnaire, response_items: &[ResponseItem]) -> HashSet<String> {
    let mut all = HashMap::new();
    answers_by_link_id(response_items, &mut all);
    let mut enabled = HashSet::new();
    walk_enabled(&questionnaire.item, &all, &mut enabled);
    for _ in 0..=count_items(&questionnaire.item) {
        let counted: HashMap<String, Vec<Answer>> = all
            .iter()
            .filter(|(k, _)| enabled.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut next = HashSet::new();
        walk_enabled(&questionnaire.item, &counted, &mut next);
        if next == enabled {
            break;
        }
        enabled = next;
    }
    enabled
}

fn count_items(items: &[Item]) -> usize {
    items.iter().map(|i| 1 + count_items(&i.item)).sum()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    NotAResponse,
    UnknownItem,
    Missing,
    AnsweredWhileDisabled,
    WrongType,
    NotAnOption,
    TooLong,
    TooManyAnswers,
    RepeatedItem,
    GroupWithAnswer,
    InvalidValue(String),
}

/// Something wrong with one item of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub link_id: String,
    pub kind: ProblemKind,
}

impl Problem {
    /// The item to show the problem next to: none for an answer to an item the form does not
    /// have (its linkId is the sender's text, not one of ours).
    pub fn field(&self) -> Option<&str> {
        match self.kind {
            ProblemKind::UnknownItem => None,
            _ => Some(&self.link_id),
        }
    }

    pub fn message(&self) -> String {
        let what = match &self.kind {
            ProblemKind::NotAResponse => "is not a completed QuestionnaireResponse".to_owned(),
            // Not named: the linkId is the sender's text.
            ProblemKind::UnknownItem => {
                return "an answer is given to an item this form does not have there".to_owned()
            }
            ProblemKind::Missing => "is required".to_owned(),
            ProblemKind::AnsweredWhileDisabled => {
                "does not apply given the other answers, so it must not be answered".to_owned()
            }
            ProblemKind::WrongType => "has an answer of the wrong type".to_owned(),
            ProblemKind::NotAnOption => "has an answer that is not one of its options".to_owned(),
            ProblemKind::TooLong => "has an answer longer than allowed".to_owned(),
            ProblemKind::TooManyAnswers => "takes one answer only".to_owned(),
            ProblemKind::RepeatedItem => "appears more than once but does not repeat".to_owned(),
            ProblemKind::GroupWithAnswer => "is a group or display item and cannot have answers".to_owned(),
            ProblemKind::InvalidValue(e) => format!("has an invalid value ({e})"),
        };
        format!("item {:?} {what}", self.link_id)
    }
}

/// Checks a submitted response against its form: known items only, answers of the right type
/// and within the options, required questions answered, disabled questions not answered.
pub fn validate(questionnaire: &Questionnaire, response: &QuestionnaireResponse) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    if response.resource_type != "QuestionnaireResponse" || response.status != "completed" {
        problems.push(Problem {
            link_id: String::new(),
            kind: ProblemKind::NotAResponse,
        });
    }
    let enabled = enabled_items(questionnaire, &response.item);
    check_level(&questionnaire.item, &response.item, &enabled, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_level(form: &[Item], given: &[ResponseItem], enabled: &HashSet<String>, problems: &mut Vec<Problem>) {
    for r in given {
        if !form.iter().any(|i| i.link_id == r.link_id) {
            report(problems, &r.link_id, ProblemKind::UnknownItem);
        }
    }
    for item in form {
        let instances: Vec<&ResponseItem> = given.iter().filter(|r| r.link_id == item.link_id).collect();
        let answered = instances.iter().any(|r| !r.answer.is_empty() || !r.item.is_empty());
        if !enabled.contains(&item.link_id) {
            if answered {
                report(problems, &item.link_id, ProblemKind::AnsweredWhileDisabled);
            }
            continue;
        }
        let may_repeat = item.kind == ItemType::Group && item.repeats;
        if instances.len() > 1 && !may_repeat {
            report(problems, &item.link_id, ProblemKind::RepeatedItem);
        }
        match item.kind {
            ItemType::Display => {
                if answered {
                    report(problems, &item.link_id, ProblemKind::GroupWithAnswer);
                }
            }
            ItemType::Group => {
                if instances.iter().any(|r| !r.answer.is_empty()) {
                    report(problems, &item.link_id, ProblemKind::GroupWithAnswer);
                }
                if instances.is_empty() {
                    if item.required {
                        report(problems, &item.link_id, ProblemKind::Missing);
                    } else if !item.repeats {
                        // An absent group is an empty one: its required questions still apply.
                        check_level(&item.item, &[], enabled, problems);
                    }
                    continue;
                }
                for instance in instances {
                    check_level(&item.item, &instance.item, enabled, problems);
                }
                continue;
            }
            _ => {
                let answers: Vec<&ValueX> = instances.iter().flat_map(|r| r.answer.iter()).collect();
                if answers.is_empty() && item.required {
                    report(problems, &item.link_id, ProblemKind::Missing);
                }
                if answers.len() > 1 && !item.repeats {
                    report(problems, &item.link_id, ProblemKind::TooManyAnswers);
                }
                for value in answers {
                    if let Some(kind) = answer_problem(item, value) {
                        report(problems, &item.link_id, kind);
                    }
                }
                if instances.iter().any(|r| !r.item.is_empty()) {
                    report(problems, &item.link_id, ProblemKind::UnknownItem);
                }
            }
        }
    }
}

fn report(problems: &mut Vec<Problem>, link_id: &str, kind: ProblemKind) {
    problems.push(Problem {
        link_id: link_id.to_owned(),
        kind,
    });
}

fn answer_problem(item: &Item, value: &ValueX) -> Option<ProblemKind> {
    if !value.item.is_empty() || value.initial_selected.is_some() {
        return Some(ProblemKind::InvalidValue(
            "nested answer items are not supported".into(),
        ));
    }
    let answer = match value.answer() {
        Ok(answer) => answer,
        Err(e) => return Some(ProblemKind::InvalidValue(e)),
    };
    if !fits(item.kind, &answer) {
        return Some(ProblemKind::WrongType);
    }
    if item.kind == ItemType::Choice && !is_option(item, &answer) {
        return Some(ProblemKind::NotAnOption);
    }
    match (&answer, item.max_length) {
        (Answer::String(s), Some(max)) if s.chars().count() > max as usize => Some(ProblemKind::TooLong),
        (Answer::String(s), _) if s.trim().is_empty() => Some(ProblemKind::InvalidValue("an empty answer".into())),
        _ => None,
    }
}
