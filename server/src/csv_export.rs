//! Every CSV file the server hands out is written here, so that none of them can carry a
//! spreadsheet formula. A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
//! is taken as a formula (or as the start of one) by Excel, LibreOffice and Google Sheets; such
//! a cell gets a leading `'`, which they show as text (OWASP's "CSV injection" rule). Quoting
//! (commas, quotes, line breaks inside a cell) is the `csv` crate's.

use std::borrow::Cow;

use crate::error::ApiError;

/// The cell as written: with a leading `'` when a spreadsheet would read it as a formula.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A CSV file being written: a header, then rows, every cell through `neutralise`.
pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvExport {
    pub fn new(header: &[&str]) -> Result<CsvExport, ApiError> {
        let mut export = CsvExport {
            writer: csv::Writer::from_writer(Vec::new()),
        };
        export.row(header)?;
        Ok(export)
    }

    pub fn row<I, T>(&mut self, cells: I) -> Result<(), ApiError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| neutralise(c.as_ref()).into_owned()).collect();
        self.writer.write_record(&cells).map_err(|_| ApiError::internal())
    }

    /// The file's bytes.
    pub fn finish(self) -> Result<Vec<u8>, ApiError> {
        self.writer.into_inner().map_err(|_| ApiError::internal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_everything_else_is_untouched() {
        for hostile in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(hostile), format!("'{hostile}"));
        }
        for harmless in ["", "ana@example.org", "2026-12-03T09:00", "O'Brien", "a=b", "::1"] {
            assert_eq!(neutralise(harmless), harmless);
        }
    }

    #[test]
    fn cells_are_quoted_where_they_must_be() {
        let mut export = CsvExport::new(&["a", "b"]).unwrap();
        export.row(["=HYPERLINK(\"x\",\"y\")", "one, two"]).unwrap();
        let text = String::from_utf8(export.finish().unwrap()).unwrap();
        assert_eq!(text, "a,b\n\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",\"one, two\"\n");
    }
}
