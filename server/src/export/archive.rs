//! Writes the data export's ZIP as it reads it: README.txt, data.json, then csv/*.csv, each
//! entry deflated and streamed (its sizes follow it in a data descriptor), each data set read
//! from the snapshot in batches of [`BATCH_ROWS`]. What it holds in memory is one batch.

use super::{
    readme,
    sets::{Set, CSV_FILES, JSON_MEMBERS},
};
use app::i18n::Locale;
use async_zip::{base::write::ZipFileWriter, Compression, ZipEntryBuilder};
use futures_util::io::{AsyncWrite, AsyncWriteExt};
use serde_json::Value;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// The version of the format of `data.json` and the CSV files (docs/export.md).
pub const SCHEMA_VERSION: u32 = 1;

/// Rows per statement: a few hundred kilobytes of messages at most.
pub const BATCH_ROWS: i64 = 1000;

/// Why an export stopped half-way (the response is cut, so the browser shows a failed download).
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// What the export knows before it starts writing.
pub struct Header {
    pub account_id: Uuid,
    pub email: String,
    pub locale: Locale,
    /// The snapshot's time, ISO 8601 in UTC.
    pub exported_at: String,
}

/// Writes the whole ZIP into `out`, reading through `snapshot` (the export's transaction).
pub async fn write<W: tokio::io::AsyncWrite + Unpin>(
    snapshot: &mut PgConnection,
    header: &Header,
    out: W,
) -> Result<(), Failure> {
    let mut zip = ZipFileWriter::with_tokio(out);
    let readme = readme::text(header.locale, &header.email, &header.exported_at);
    zip.write_entry_whole(entry("README.txt"), readme.as_bytes()).await?;

    let mut json = zip.write_entry_stream(entry("data.json")).await?;
    let start = serde_json::json!({
        "schema": "deactivate-export",
        "schema_version": SCHEMA_VERSION,
        "exported_at": header.exported_at,
    })
    .to_string();
    // The object's opening members, without its closing brace: the data sets follow.
    json.write_all(start.trim_end_matches('}').as_bytes()).await?;
    for set in JSON_MEMBERS {
        write_json_member(snapshot, header.account_id, set, &mut json).await?;
    }
    json.write_all(b"}\n").await?;
    json.close().await?;

    for set in CSV_FILES {
        let mut csv = zip.write_entry_stream(entry(&format!("csv/{}.csv", set.name))).await?;
        write_csv(snapshot, header.account_id, set, &mut csv).await?;
        csv.close().await?;
    }
    zip.close().await?;
    Ok(())
}

fn entry(name: &str) -> ZipEntryBuilder {
    ZipEntryBuilder::new(name.into(), Compression::Deflate).unix_permissions(0o644)
}

/// `,"name":[rows]` (or `,"name":{row}`, or `null`, for a single row).
async fn write_json_member(
    snapshot: &mut PgConnection,
    account_id: Uuid,
    set: &Set,
    out: &mut (impl AsyncWrite + Unpin),
) -> Result<(), Failure> {
    out.write_all(format!(",\"{}\":{}", set.name, if set.single { "" } else { "[" }).as_bytes()).await?;
    let mut rows = Batches::new(set);
    let mut first = true;
    while let Some(batch) = rows.next(snapshot, account_id).await? {
        let mut bytes = Vec::new();
        for row in batch {
            if !first {
                bytes.push(b',');
            }
            if !set.single {
                bytes.push(b'\n');
            }
            bytes.extend_from_slice(row.as_bytes());
            first = false;
        }
        out.write_all(&bytes).await?;
    }
    let close: &[u8] = match (set.single, first) {
        (true, true) => b"null",
        (true, false) => b"",
        (false, _) => b"\n]",
    };
    out.write_all(close).await?;
    Ok(())
}

/// The byte order mark, so that spreadsheets read the file as UTF-8 (Excel does not otherwise).
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A header row of the set's columns, then a row per object.
async fn write_csv(
    snapshot: &mut PgConnection,
    account_id: Uuid,
    set: &Set,
    out: &mut (impl AsyncWrite + Unpin),
) -> Result<(), Failure> {
    let mut header = csv_writer();
    header.write_record(set.columns)?;
    out.write_all(UTF8_BOM).await?;
    out.write_all(&csv_bytes(header)?).await?;
    let mut rows = Batches::new(set);
    while let Some(batch) = rows.next(snapshot, account_id).await? {
        let mut records = csv_writer();
        for row in batch {
            let object: Value = serde_json::from_str(&row)?;
            records.write_record(set.columns.iter().map(|column| cell(&object[column])))?;
        }
        out.write_all(&csv_bytes(records)?).await?;
    }
    Ok(())
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new())
}

fn csv_bytes(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, Failure> {
    writer.into_inner().map_err(|e| Failure::from(e.to_string()))
}

/// A JSON value as a CSV cell: text as it is, numbers and booleans as JSON writes them, null empty.
fn cell(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A data set's rows, batch by batch, each part of it after the other, by key.
struct Batches<'a> {
    set: &'a Set,
    part: usize,
    /// The key of the last row read, or the part's first key.
    key: (String, String),
}

impl<'a> Batches<'a> {
    fn new(set: &'a Set) -> Self {
        let (time, id) = set.parts[0].first_key;
        Batches { set, part: 0, key: (time.to_owned(), id.to_owned()) }
    }

    /// The next batch's rows (JSON objects as text), or `None` when every part is read.
    async fn next(&mut self, snapshot: &mut PgConnection, account_id: Uuid) -> sqlx::Result<Option<Vec<String>>> {
        while let Some(part) = self.set.parts.get(self.part) {
            let fetched = sqlx::query(part.sql)
                .bind(account_id)
                .bind(&self.key.0)
                .bind(&self.key.1)
                .bind(BATCH_ROWS)
                .fetch_all(&mut *snapshot)
                .await?;
            if let Some(last) = fetched.last() {
                self.key = (last.try_get(0)?, last.try_get(1)?);
            }
            // A short batch is the last of its part (a batch of items may be longer than
            // BATCH_ROWS: it holds the items of BATCH_ROWS orders).
            if (fetched.len() as i64) < BATCH_ROWS {
                self.part += 1;
                if let Some(next) = self.set.parts.get(self.part) {
                    self.key = (next.first_key.0.to_owned(), next.first_key.1.to_owned());
                }
            }
            if !fetched.is_empty() {
                let rows =
                    fetched.iter().map(|row| row.try_get::<Option<String>, _>(2)).collect::<Result<Vec<_>, _>>()?;
                return Ok(Some(rows.into_iter().flatten().collect()));
            }
        }
        Ok(None)
    }
}
