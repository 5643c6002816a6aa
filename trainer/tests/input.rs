//! CSV parsing, malformed rows, sessionisation and timestamps.

use shelfrank::EventKind;
use shelfrank_trainer::input::{read_events, ReadOptions, SessionLog};
use std::path::PathBuf;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn quiet() -> ReadOptions {
    ReadOptions {
        progress: false,
        ..ReadOptions::default()
    }
}

#[test]
fn columns_are_found_by_name_in_any_order_and_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "e.csv",
        "timestamp;event_type;item_id;session_id\n\
         2019-10-01 00:00:00 UTC;view;A;s1\n\
         2019-10-01T00:01:00Z;cart;B;s1\n\
         1569888120;purchase;B;s2\n",
    );
    let mut got = Vec::new();
    let stats = read_events(&p, &quiet(), |e| {
        got.push((e.session, e.item.to_string(), e.kind, e.time_s))
    })
    .unwrap();
    assert_eq!(stats.events, 3);
    assert_eq!(stats.sessions, 2);
    assert_eq!(
        got,
        vec![
            (0, "A".into(), EventKind::ViewItem, Some(1569888000.0)),
            (0, "B".into(), EventKind::AddToCart, Some(1569888060.0)),
            (1, "B".into(), EventKind::Purchase, Some(1569888120.0)),
        ]
    );
}

#[test]
fn raw_dataset_names_map_to_ga4_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "e.csv",
        "user_id,item_id,behavior\nu,1,pv\nu,2,fav\nu,3,buy\nu,4,remove_from_cart\nu,5,click\n",
    );
    let mut kinds = Vec::new();
    read_events(&p, &quiet(), |e| kinds.push(e.kind)).unwrap();
    assert_eq!(
        kinds,
        [
            EventKind::ViewItem,
            EventKind::AddToWishlist,
            EventKind::Purchase,
            EventKind::RemoveFromCart,
            EventKind::ViewItem
        ]
    );
}

#[test]
fn malformed_row_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "events.csv",
        "session_id,item_id,event_type,timestamp\n\
         s1,A,view,1569888000\n\
         s1,B,teleport,1569888001\n",
    );
    let err = read_events(&p, &quiet(), |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("events.csv"), "{msg}");
    assert!(msg.contains("line 3"), "{msg}");
    assert!(msg.contains("column 3 (event_type)"), "{msg}");
    assert!(msg.contains("teleport"), "{msg}");
    assert_eq!(err.line, 3);
    assert_eq!(err.column, Some((3, "event_type".to_string())));
}

#[test]
fn bad_timestamp_and_short_rows_are_located_too() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "t.csv",
        "session_id,item_id,timestamp\ns1,A,1569888000\ns1,B,yesterday\n",
    );
    let err = read_events(&p, &quiet(), |_| {}).unwrap_err();
    assert_eq!(
        (err.line, err.column.clone()),
        (3, Some((3, "timestamp".into())))
    );
    let p = write(
        &dir,
        "short.csv",
        "session_id,item_id,timestamp\ns1,A,1\ns2\n",
    );
    let err = read_events(&p, &quiet(), |_| {}).unwrap_err();
    assert_eq!(err.line, 3);
    assert!(
        err.to_string()
            .contains("expected at least 3 fields, found 1"),
        "{err}"
    );
}

#[test]
fn skip_bad_rows_goes_on_and_counts_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "e.csv",
        "session_id,item_id,event_type\ns1,A,view\ns1,,view\ns1,B,jump\ns2,C,cart\ns2\n",
    );
    let opts = ReadOptions {
        skip_bad_rows: true,
        ..quiet()
    };
    let mut items = Vec::new();
    let stats = read_events(&p, &opts, |e| items.push(e.item.to_string())).unwrap();
    assert_eq!(items, ["A", "C"]);
    assert_eq!(stats.bad_rows, 3);
    assert_eq!(stats.bad_reasons.get("empty item id"), Some(&1));
    assert_eq!(stats.bad_reasons.get("unknown event type"), Some(&1));
    assert_eq!(stats.bad_reasons.get("missing field"), Some(&1));
    assert!(stats.examples[0].contains("line 3"), "{:?}", stats.examples);
}

#[test]
fn users_are_split_into_sessions_by_a_30_minute_gap() {
    let dir = tempfile::tempdir().unwrap();
    // u1: 0, 10 min, 35 min (gap 25 min: same), 70 min (gap 35: new); u2 interleaved.
    let p = write(
        &dir,
        "u.csv",
        "user_id,item_id,timestamp\n\
         u1,A,1000000000\n\
         u2,X,1000000100\n\
         u1,B,1000000600\n\
         u1,C,1000002100\n\
         u2,Y,1000003000\n\
         u1,D,1000004200\n",
    );
    let log = SessionLog::read(&p, &quiet()).unwrap();
    let names = |s: &Vec<shelfrank_trainer::input::SessionEvent>| -> Vec<String> {
        s.iter()
            .map(|e| log.items.ids[e.item as usize].clone())
            .collect()
    };
    let sessions: Vec<Vec<String>> = log.sessions.iter().map(names).collect();
    assert_eq!(
        sessions,
        vec![vec!["A", "B", "C"], vec!["X"], vec!["Y"], vec!["D"]]
    );
    assert!(log.stats.sessionised_by_user);
}

#[test]
fn missing_item_column_explains_what_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "taobao.csv", "1,2,3,pv,1511658000\n");
    let err = read_events(&p, &quiet(), |_| {}).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(err.to_string().contains("convert --format taobao"), "{err}");
}

#[test]
fn sessions_are_ordered_by_time_with_file_order_for_ties() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "o.csv",
        "session_id,item_id,timestamp\ns,late,300\ns,early,100\ns,tie1,200\ns,tie2,200\n",
    );
    let log = SessionLog::read(&p, &quiet()).unwrap();
    let order: Vec<&str> = log.sessions[0]
        .iter()
        .map(|e| log.items.ids[e.item as usize].as_str())
        .collect();
    assert_eq!(order, ["early", "tie1", "tie2", "late"]);
}
