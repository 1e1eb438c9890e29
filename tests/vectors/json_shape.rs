// How opened metadata and errors appear in tests/vectors/v1.json. Included by the generator
// (src/vectors.rs) and by the public-API check (tests/vectors.rs), so both read and write the
// file the same way. Needs `serde_json::{Value, json}`, `SessionMeta` and `OpenError` in scope.

/// The metadata of an opened vector as JSON (u64 values that may exceed 2^53 as strings).
fn meta_json(m: &SessionMeta) -> Value {
    json!({
        "session_start": m.session_start().unix_timestamp(),
        "sealed_at": m.sealed_at().unix_timestamp(),
        "absolute_deadline": m.absolute_deadline().unix_timestamp(),
        "idle_deadline": m.idle_deadline().unix_timestamp(),
        "key_id": m.key_id(),
        "epoch": m.epoch(),
        "generation": m.generation().to_string(),
        "schema_version": m.schema_version(),
        "persistent": m.is_persistent(),
        "session_id": m.session_id().map(|id| id.to_string()),
        "renewal_due": m.renewal_due(),
        "old_key": m.old_key(),
        "old_epoch": m.old_epoch(),
    })
}

/// The variant name of an open error, as the vectors record it.
fn error_name(e: &OpenError) -> String {
    let debug = format!("{e:?}");
    debug.split([' ', '{']).next().unwrap_or_default().to_owned()
}
