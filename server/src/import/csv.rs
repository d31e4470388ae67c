//! The schedule as CSV (columns in docs/SCHEDULE_IMPORT.md): one appointment per line, no
//! contact details or insurance. Times are the clinic's wall clock
//! (`ImportSettings::clinic_time_zone`); identifiers are labelled with the configured systems.

use super::{
    appointment_fields, identifier_value, wall_clock, without_bom, Identifier, ImportSettings, RowError, ScheduleRow,
    When,
};

pub const COLUMNS: [&str; 8] = [
    "appointment_id",
    "date",
    "time",
    "last_name",
    "first_name",
    "date_of_birth",
    "provider",
    "visit_type",
];

/// Columns a file may add after `COLUMNS`, in either order: the patient's MRN, and how many
/// minutes the visit lasts.
pub const OPTIONAL_COLUMNS: [&str; 2] = ["mrn", "duration"];

/// The valid rows, and the reasons the others were refused. `Err` when the file itself is not
/// a schedule (no header, wrong columns).
pub fn parse(text: &str, settings: &ImportSettings) -> Result<(Vec<ScheduleRow>, Vec<RowError>), String> {
    // Lines end in LF, CRLF or (old Mac tools) CR alone: the reader counts LFs, so CRLF and CR
    // become LF first, and a refused row is reported on the line a text editor shows it on.
    let text = without_bom(text).replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| "the file is not CSV".to_owned())?.clone();
    let columns: Vec<&str> = headers.iter().collect();
    let extra = columns.get(COLUMNS.len()..).unwrap_or_default();
    if columns.get(..COLUMNS.len()) != Some(&COLUMNS[..])
        || !extra.iter().all(|c| OPTIONAL_COLUMNS.contains(c))
        || (1..extra.len()).any(|i| extra[..i].contains(&extra[i]))
    {
        return Err(format!(
            "the header must be exactly: {} (then, optionally, {})",
            COLUMNS.join(","),
            OPTIONAL_COLUMNS.join(" and ")
        ));
    }
    let optional = |name: &str| extra.iter().position(|c| *c == name).map(|i| COLUMNS.len() + i);
    let layout = Layout {
        width: columns.len(),
        mrn: optional("mrn"),
        duration: optional("duration"),
    };
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let (line, result) = match record {
            Ok(record) => (
                record.position().map_or(0, |p| p.line()),
                row(&record.iter().collect::<Vec<_>>(), &layout, settings),
            ),
            Err(e) => (
                e.position().map_or(0, |p| p.line()),
                Err("the line is not valid CSV".to_owned()),
            ),
        };
        match result {
            Ok(row) if rows.iter().any(|r: &ScheduleRow| r.external_id == row.external_id) => errors.push(
                RowError::at_line(line, "this appointment_id appears twice in the file".into()),
            ),
            Ok(row) => rows.push(row),
            Err(reason) => errors.push(RowError::at_line(line, reason)),
        }
    }
    Ok((rows, errors))
}

/// Where the header put the optional columns.
struct Layout {
    width: usize,
    mrn: Option<usize>,
    duration: Option<usize>,
}

fn row(fields: &[&str], layout: &Layout, settings: &ImportSettings) -> Result<ScheduleRow, String> {
    if fields.len() != layout.width {
        return Err(format!("a row has {} columns", layout.width));
    }
    let &[external_id, date, time, last_name, first_name, dob, provider, visit_type] = &fields[..COLUMNS.len()] else {
        return Err(format!("a row has {} columns", layout.width));
    };
    let start = wall_clock(date, time, settings.clinic_time_zone)?;
    let minutes = match layout.duration.map(|i| fields[i]).filter(|d| !d.is_empty()) {
        None => settings.default_visit_minutes,
        Some(d) => d
            .parse()
            .ok()
            .filter(|m| (1..=24 * 60).contains(m))
            .ok_or("duration must be a whole number of minutes, 1 to 1440")?,
    };
    let id = Identifier {
        system: settings.appointment_id_system.clone(),
        value: external_id.to_owned(),
    };
    let mut row = appointment_fields(
        id,
        When::lasting(start, minutes)?,
        last_name,
        first_name,
        dob,
        provider,
        visit_type,
    )?;
    if let Some(mrn) = layout.mrn.map(|i| fields[i]).filter(|m| !m.is_empty()) {
        row.patient_identifier = Some(Identifier {
            system: settings.mrn_system.clone(),
            value: identifier_value(mrn, "mrn")?,
        });
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "appointment_id,date,time,last_name,first_name,date_of_birth,provider,visit_type\n";

    #[test]
    fn good_rows_load_and_bad_rows_say_why_by_line() {
        let text = format!(
            "{HEADER}A1,2026-11-25,09:00,García-López,María,1958-04-12,Dr. Patel,office-visit\n\
             A2,2026-11-25,25:00,Smith,James,1990-01-01,Dr. Patel,office-visit\n\
             A3,2026-11-25,09:30,Sm1th,James,1990-01-01,Dr. Patel,office-visit\n\
             A4,2026-11-25,10:00,Okafor,Chidi,02/30/1949,Dr. Patel,follow-up\n\
             A5,2026-11-25,10:30,Okafor,Chidi,1949-12-02,Dr. Patel\n\
             A1,2026-11-25,11:00,Okafor,Chidi,1949-12-02,Dr. Patel,follow-up\n\
             A6,2026-11-25,11:30,\"O'Brien\",Sean,9/30/1971,\"Moreno, Dr.\",Follow Up\n"
        );
        let (rows, errors) = parse(&text, &ImportSettings::default()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].starts_at, "2026-11-25T09:00");
        let lines: Vec<u64> = errors.iter().filter_map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8]);
        assert!(errors[0].reason.contains("time"));
        assert!(errors[5].reason.contains("visit_type"));
        assert!(errors
            .iter()
            .all(|e| !e.reason.contains("Smith") && !e.reason.contains("1949")));
    }

    #[test]
    fn a_file_without_the_header_is_not_a_schedule() {
        let settings = ImportSettings::default();
        assert!(parse("id,when\n1,today\n", &settings).is_err());
        assert!(parse("", &settings).is_err());
        assert!(parse(&HEADER.replace('\n', ",mrn,mrn\n"), &settings).is_err());
        assert!(parse(&HEADER.replace('\n', ",room\n"), &settings).is_err());
    }

    fn in_chicago() -> ImportSettings {
        ImportSettings {
            clinic_time_zone: "America/Chicago".parse().unwrap(),
            ..ImportSettings::default()
        }
    }

    #[test]
    fn crlf_and_cr_files_report_the_lines_an_editor_shows() {
        let text = format!(
            "{HEADER}A1,2026-11-25,09:00,Smith,Ann,1970-02-03,Dr. Patel,office-visit\n\
             A2,2026-11-25,25:00,Smith,Ann,1970-02-03,Dr. Patel,office-visit\n\
             A3,2026-11-25,09:30,Smith,Ann,1970-02-03,Dr. Patel,office-visit\n\
             A4,2026-11-25,09:30,Sm1th,Ann,1970-02-03,Dr. Patel,office-visit\n"
        );
        for ending in ["\n", "\r\n", "\r"] {
            let (rows, errors) = parse(&text.replace('\n', ending), &ImportSettings::default()).unwrap();
            assert_eq!(rows.len(), 2, "{ending:?}");
            let lines: Vec<u64> = errors.iter().filter_map(|e| e.line).collect();
            assert_eq!(lines, [3, 5], "{ending:?}");
        }
        // With a byte order mark (Excel's "CSV UTF-8").
        let (rows, errors) = parse(
            &format!("\u{feff}{}", text.replace('\n', "\r\n")),
            &ImportSettings::default(),
        )
        .unwrap();
        assert_eq!((rows.len(), errors.len()), (2, 2));
    }

    #[test]
    fn times_are_the_clinics_wall_clock_with_their_offset_and_an_end() {
        let text = format!(
            "{}A1,2026-12-02,13:00,Smith,Ann,1970-02-03,Dr. Patel,office-visit,MRN-1,40\n\
             A2,2026-07-01,09:00,Smith,Ann,1970-02-03,Dr. Patel,office-visit,,\n\
             A3,2026-03-08,02:30,Smith,Ann,1970-02-03,Dr. Patel,office-visit,,\n\
             A4,2026-11-01,01:30,Smith,Ann,1970-02-03,Dr. Patel,office-visit,,\n\
             A5,2026-12-02,13:00,Smith,Ann,1970-02-03,Dr. Patel,office-visit,,0\n\
             A6,2026-12-02,13:00,Smith,Ann,1970-02-03,Dr. Patel,office-visit,M|1,\n",
            HEADER.replace('\n', ",mrn,duration\n")
        );
        let (rows, errors) = parse(&text, &in_chicago()).unwrap();
        let times: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.starts_at.as_str(),
                    r.starts_at_instant.as_str(),
                    r.ends_at_instant.as_str(),
                )
            })
            .collect();
        assert_eq!(
            times,
            [
                (
                    "2026-12-02T13:00",
                    "2026-12-02T13:00:00-06:00",
                    "2026-12-02T13:40:00-06:00"
                ),
                (
                    "2026-07-01T09:00",
                    "2026-07-01T09:00:00-05:00",
                    "2026-07-01T09:15:00-05:00"
                ),
                // The hour that happens twice when the clocks go back: the first one.
                (
                    "2026-11-01T01:30",
                    "2026-11-01T01:30:00-05:00",
                    "2026-11-01T01:45:00-05:00"
                ),
            ]
        );
        assert_eq!(
            rows[0].patient_identifier,
            Some(Identifier {
                system: "urn:arrive:practice-patient".into(),
                value: "MRN-1".into()
            })
        );
        assert_eq!(rows[0].external_system, "urn:arrive:practice-appointment");
        assert_eq!(rows[1].patient_identifier, None);
        let refused: Vec<(u64, &str)> = errors.iter().map(|e| (e.line.unwrap(), e.reason.as_str())).collect();
        assert_eq!(
            refused[0],
            (
                4,
                "the time does not exist in the clinic's time zone (the clock changes then)"
            )
        );
        assert_eq!(refused[1].0, 6);
        assert!(refused[1].1.contains("duration"));
        assert_eq!(
            (refused[2].0, refused[2].1),
            (7, "mrn must not contain control characters or |")
        );
    }

    #[test]
    fn identifiers_are_counted_in_characters_and_hostile_ones_refused_without_their_value() {
        let row = |id: &str| format!("{id},2026-11-25,09:00,Smith,Ann,1970-02-03,Dr. Patel,office-visit\n");
        let text = format!(
            "{HEADER}{}{}{}{}{}",
            row(&"é".repeat(64)),
            row(&"é".repeat(65)),
            row("\"A\u{7}1\""),
            row("A|2"),
            row("\"A 3?x=1&y#z\""),
        );
        let (rows, errors) = parse(&text, &ImportSettings::default()).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r.external_id.as_str()).collect();
        assert_eq!(ids, ["é".repeat(64).as_str(), "A 3?x=1&y#z"]);
        let refused: Vec<(u64, &str)> = errors.iter().map(|e| (e.line.unwrap(), e.reason.as_str())).collect();
        assert_eq!(
            refused,
            [
                (3, "appointment_id must be 1 to 64 characters"),
                (4, "appointment_id must not contain control characters or |"),
                (5, "appointment_id must not contain control characters or |"),
            ]
        );
    }
}
