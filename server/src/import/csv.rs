//! The schedule as CSV (columns in docs/SCHEDULE_IMPORT.md): one appointment per line, no
//! contact details or insurance.

use super::{appointment_fields, RowError, ScheduleRow};

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

/// The valid rows, and the reasons the others were refused. `Err` when the file itself is not
/// a schedule (no header, wrong columns).
pub fn parse(text: &str) -> Result<(Vec<ScheduleRow>, Vec<RowError>), String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|_| "the file is not CSV".to_owned())?.clone();
    let columns: Vec<&str> = headers.iter().collect();
    if columns != COLUMNS {
        return Err(format!("the header must be exactly: {}", COLUMNS.join(",")));
    }
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let (line, result) = match record {
            Ok(record) => (
                record.position().map_or(0, |p| p.line()),
                row(&record.iter().collect::<Vec<_>>()),
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

fn row(fields: &[&str]) -> Result<ScheduleRow, String> {
    let [external_id, date, time, last_name, first_name, dob, provider, visit_type] = fields else {
        return Err(format!("a row has {} columns", COLUMNS.len()));
    };
    appointment_fields(
        external_id,
        date,
        time,
        last_name,
        first_name,
        dob,
        provider,
        visit_type,
    )
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
        let (rows, errors) = parse(&text).unwrap();
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
        assert!(parse("id,when\n1,today\n").is_err());
        assert!(parse("").is_err());
    }
}
