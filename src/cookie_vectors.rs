//! The cookie framing vectors (FORMAT.md §9) of `tests/vectors/v1.json`: `Cookie` headers and the
//! token they carry, or none. Built here from the spec's framing rules (the tokens are opaque to
//! §9: synthetic base64url text of chosen lengths). The cookie layer's reader must find exactly
//! the expected token (the test below); `tests/spec_mutations.rs` reads them with the reference
//! reader.

use serde_json::{Value, json};

/// The browser's limit for one cookie's name and value together.
const NAME_VALUE_LIMIT: usize = 4096;
/// Characters of the set id: the token's last ones.
const SET_ID_LEN: usize = 6;
/// The cookie name every cookie vector uses.
const NAME: &str = "__Host-session";

/// Deterministic base64url text of `len` characters (a stand-in token).
fn text(len: usize, seed: u64) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut h = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            h ^= h << 13;
            h ^= h >> 7;
            h ^= h << 17;
            char::from(A[(h % 64) as usize])
        })
        .collect()
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// Token characters chunk `i` of a set of `n` can hold under the name `base`.
fn room(base: &str, i: usize, n: usize) -> usize {
    NAME_VALUE_LIMIT - (base.len() + 1 + digits(i)) - (digits(n) + 1 + SET_ID_LEN + 1)
}

/// The smallest chunk count that holds `token` (at least 2).
fn canonical_count(base: &str, token: &str) -> usize {
    (2..=16)
        .find(|&n| (0..n).map(|i| room(base, i, n)).sum::<usize>() >= token.len())
        .unwrap()
}

/// `token` split over `n` chunks, each but the last filled to `room` unless `sizes` says
/// otherwise: the `(name, value)` pairs.
fn chunks(token: &str, n: usize, sizes: Option<&[usize]>) -> Vec<(String, String)> {
    let set_id = &token[token.len() - SET_ID_LEN..];
    let mut rest = token;
    (0..n)
        .map(|i| {
            let take = match sizes {
                Some(s) => s[i],
                None if i + 1 == n => rest.len(),
                None => room(NAME, i, n).min(rest.len()),
            };
            let (part, tail) = rest.split_at(take);
            rest = tail;
            (format!("{NAME}.{i}"), format!("{n}.{set_id}.{part}"))
        })
        .collect()
}

fn header(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn single(token: &str) -> (String, String) {
    (NAME.to_owned(), token.to_owned())
}

/// The stand-in tokens the cookie vectors carry, by name.
pub(super) fn tokens() -> Vec<(&'static str, String)> {
    vec![
        ("small", text(120, 1)),
        ("fits-exactly", text(NAME_VALUE_LIMIT - NAME.len(), 2)),
        ("big", text(6000, 3)),
        ("huge", text(9000, 4)),
    ]
}

/// One cookie vector.
struct CookieCase {
    id: &'static str,
    comment: &'static str,
    chunks: u8,
    pairs: Vec<(String, String)>,
    /// The name of the token it carries, or `None`: no session.
    expect: Option<&'static str>,
}

fn cases() -> Vec<CookieCase> {
    let t: std::collections::BTreeMap<_, _> = tokens().into_iter().collect();
    let small = &t["small"];
    let big = &t["big"];
    let huge = &t["huge"];
    let n_big = canonical_count(NAME, big);
    assert_eq!(n_big, 2, "the big token takes two chunks");
    assert_eq!(
        canonical_count(NAME, huge),
        3,
        "the huge token takes three chunks"
    );
    let big_chunks = chunks(big, 2, None);
    let case = |id, comment, chunks: u8, pairs, expect| CookieCase {
        id,
        comment,
        chunks,
        pairs,
        expect,
    };
    let mut reversed = big_chunks.clone();
    reversed.reverse();
    let mut other_n = big_chunks.clone();
    other_n[1].1 = other_n[1].1.replacen("2.", "3.", 1);
    let mut other_set = big_chunks.clone();
    other_set[1].1 = format!("2.AAAAAA.{}", &other_set[1].1[9..]);
    let wrong_set_both: Vec<(String, String)> = big_chunks
        .iter()
        .map(|(n, v)| (n.clone(), format!("2.AAAAAA.{}", &v[9..])))
        .collect();
    let first_room = room(NAME, 0, 3);
    vec![
        case(
            "cookie-single",
            "R9.1: the token in the single cookie",
            4,
            vec![single(small)],
            Some("small"),
        ),
        case(
            "cookie-single-among-others",
            "R9.1: other cookies around it, one whose name only starts with ours and one that looks like a chunk of another name",
            4,
            vec![
                ("theme".into(), "dark".into()),
                (format!("{NAME}X"), text(40, 9)),
                (
                    "__Host-sessionX.0".into(),
                    format!("1.{}.{}", &small[small.len() - 6..], small),
                ),
                single(small),
            ],
            Some("small"),
        ),
        case(
            "cookie-single-fits-exactly",
            "R9.1: name and value exactly 4096 bytes",
            4,
            vec![single(&t["fits-exactly"])],
            Some("fits-exactly"),
        ),
        case(
            "cookie-single-one-byte-over",
            "R9.1: a single-cookie value one byte longer than 4096 - len(name)",
            4,
            vec![single(&format!("{}A", t["fits-exactly"]))],
            None,
        ),
        case(
            "cookie-single-twice-equal",
            "R9.1: the single cookie twice with equal values",
            4,
            vec![single(small), single(small)],
            None,
        ),
        case(
            "cookie-chunks",
            "R9.2: the big token in its canonical two chunks",
            4,
            big_chunks.clone(),
            Some("big"),
        ),
        case(
            "cookie-chunks-reversed",
            "R9.2: the same chunks in the other order in the header",
            4,
            reversed,
            Some("big"),
        ),
        case(
            "cookie-chunks-three",
            "R9.2: the huge token in its canonical three chunks",
            4,
            chunks(huge, 3, None),
            Some("huge"),
        ),
        case(
            "cookie-chunk-index-not-canonical",
            "R9.2: chunk 1 named `.01`: not a chunk name, so chunk 1 is missing",
            4,
            vec![
                big_chunks[0].clone(),
                (format!("{NAME}.01"), big_chunks[1].1.clone()),
            ],
            None,
        ),
        case(
            "cookie-chunk-missing",
            "R9.3: chunk 1 of 2 missing",
            4,
            vec![big_chunks[0].clone()],
            None,
        ),
        case(
            "cookie-chunk-zero-missing",
            "R9.3: only chunk 1 of 2",
            4,
            vec![big_chunks[1].clone()],
            None,
        ),
        case(
            "cookie-chunk-twice-equal",
            "R9.3: chunk 1 sent twice with equal values",
            4,
            vec![
                big_chunks[0].clone(),
                big_chunks[1].clone(),
                big_chunks[1].clone(),
            ],
            None,
        ),
        case(
            "cookie-chunk-beyond-count",
            "R9.3: a chunk 2 next to a complete set of 2",
            4,
            vec![
                big_chunks[0].clone(),
                big_chunks[1].clone(),
                (format!("{NAME}.2"), big_chunks[1].1.clone()),
            ],
            None,
        ),
        case(
            "cookie-chunk-counts-differ",
            "R9.3: chunk 1 says 3 chunks, chunk 0 says 2",
            4,
            other_n,
            None,
        ),
        case(
            "cookie-chunk-set-ids-differ",
            "R9.3: chunk 1 carries another set id",
            4,
            other_set,
            None,
        ),
        case(
            "cookie-chunk-set-id-not-token-end",
            "R9.3: both chunks agree on a set id that is not the token's last 6 characters",
            4,
            wrong_set_both,
            None,
        ),
        case(
            "cookie-chunks-for-a-small-token",
            "R9.3: a token that fits one cookie, split into 2 chunks",
            4,
            chunks(small, 2, Some(&[60, 60])),
            None,
        ),
        case(
            "cookie-chunks-for-a-token-that-fits-one-cookie",
            "R9.3: a token of 4082 characters (it fits one cookie) in 2 chunks, the first full",
            4,
            chunks(&t["fits-exactly"], 2, None),
            None,
        ),
        case(
            "cookie-chunks-not-full",
            "R9.3: the huge token over 3 chunks whose first is one character short of full",
            4,
            chunks(
                huge,
                3,
                Some(&[
                    first_room - 1,
                    room(NAME, 1, 3),
                    huge.len() - first_room + 1 - room(NAME, 1, 3),
                ]),
            ),
            None,
        ),
        case(
            "cookie-single-and-chunks",
            "R9.3: the single cookie and a complete chunk set together",
            4,
            vec![single(small), big_chunks[0].clone(), big_chunks[1].clone()],
            None,
        ),
        case(
            "cookie-chunks-over-maximum",
            "R9.3: a canonical set of 3 under settings that allow 2 chunks",
            2,
            chunks(huge, 3, None),
            None,
        ),
    ]
}

/// The cookie vectors as JSON.
pub(super) fn vectors() -> Vec<Value> {
    cases()
        .into_iter()
        .map(|c| {
            let expect = match c.expect {
                Some(name) => json!({"token": name}),
                None => json!({"no_session": true}),
            };
            json!({
                "id": c.id,
                "comment": c.comment,
                "settings": {"name": NAME, "chunks": c.chunks},
                "cookie_header": header(&c.pairs),
                "expect": expect,
            })
        })
        .collect()
}

/// The read direction: the cookie layer's reader finds exactly the token each cookie vector
/// expects, or none.
#[test]
#[cfg_attr(
    miri,
    ignore = "opens every published cookie vector: minutes under Miri; the vectors step runs it natively"
)]
fn cookie_layer_reads_every_cookie_vector_as_published() {
    let doc: Value = serde_json::from_str(super::COMMITTED).unwrap();
    let tokens = &doc["cookie_tokens"];
    let vectors = doc["cookie_vectors"].as_array().unwrap();
    assert!(vectors.len() >= 20, "{} cookie vectors", vectors.len());
    for v in vectors {
        let settings = crate::CookieSettings::builder()
            .name(v["settings"]["name"].as_str().unwrap())
            .chunks(u8::try_from(v["settings"]["chunks"].as_u64().unwrap()).unwrap())
            .build()
            .unwrap();
        let read = settings.read([v["cookie_header"].as_str().unwrap().as_bytes()]);
        let got = read.token().ok().flatten();
        let want = v["expect"]["token"]
            .as_str()
            .map(|name| tokens[name].as_str().unwrap());
        assert_eq!(
            got.map(str::len),
            want.map(str::len),
            "cookie vector {}: {:?}",
            v["id"],
            read.token().map(|t| t.map(str::len))
        );
        assert_eq!(got, want, "cookie vector {}", v["id"]);
    }
}
