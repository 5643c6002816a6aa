//! Baselines on tiny hand-made logs.

use shelfrank_trainer::baselines::*;

fn log() -> TrainSessions {
    TrainSessions {
        n_items: 6,
        sessions: vec![
            vec![0, 1, 2],
            vec![0, 1],
            vec![3, 4],
            vec![0, 5],
            vec![1, 2],
        ],
        end_time: vec![1.0, 2.0, 3.0, 4.0, 5.0],
    }
}

#[test]
fn popularity_orders_by_event_count() {
    let (order, counts) = popularity_order(&log());
    assert_eq!(counts, vec![3, 3, 2, 1, 1, 1]);
    assert_eq!(order, vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn cooccurrence_counts_sessions_and_fills_with_popular() {
    let t = log();
    let table = cooccurrence(&t);
    // Item 0 co-occurs with 1 twice, with 2 and 5 once.
    assert_eq!(table.lists[0], vec![(1, 2.0), (2, 1.0), (5, 1.0)]);
    let (popular, _) = popularity_order(&t);
    let mut p = LastItem {
        table: &table,
        popular: &popular,
        last: None,
    };
    p.observe(3, shelfrank::EventKind::ViewItem, 0.0).unwrap();
    assert_eq!(p.predict(3).unwrap(), vec![4, 0, 1]);
}

#[test]
fn transitions_follow_order_with_gap_weights() {
    let table = transitions(&log(), 2);
    // 0→1 twice (gap 1), 0→2 once (gap 2, weight ½), 0→5 once.
    assert_eq!(table.lists[0], vec![(1, 2.0), (5, 1.0), (2, 0.5)]);
}

#[test]
fn vsknn_weights_recent_positions_and_recent_sessions() {
    let t = log();
    let idx = SknnIndex::new(
        &t,
        SknnParams {
            k: 10,
            sample_size: 10,
            idf_weight: 0.0,
        },
    );
    // Current session [3, 0]: item 0 (last, weight 1) is shared by sessions
    // 0, 1, 3 (similarity 1/2 each); item 3 (weight ½) by session 2 (¼).
    let s = idx.scores(&[3, 0]);
    // Item 1: sessions 0 and 1, each 1/2 × decay 1 → 1.0.
    assert!((s[&1] - 1.0).abs() < 1e-12, "{s:?}");
    // Item 4: session 2, sim 1/4, matched item 3 is 2 steps back → ¼ × ½.
    assert!((s[&4] - 0.125).abs() < 1e-12, "{s:?}");
    // Sample size 1 keeps only the most recent candidate session (3: items 0, 5).
    let small = SknnIndex::new(
        &t,
        SknnParams {
            k: 10,
            sample_size: 1,
            idf_weight: 0.0,
        },
    );
    let s = small.scores(&[0]);
    let mut keys: Vec<u32> = s.keys().copied().collect();
    keys.sort();
    assert_eq!(keys, vec![0, 5]);
}
