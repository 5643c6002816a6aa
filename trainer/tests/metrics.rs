//! Metrics on a hand-computed example.

use shelfrank_trainer::metrics::Accum;

#[test]
fn recall_mrr_ndcg_coverage_and_popular_share_by_hand() {
    // 5 items; item 0 is the "head" (top 10% by popularity).
    let head = [true, false, false, false, false];
    let mut a = Accum::new(&[1, 3], 5);
    a.record(&[0, 1, 2], 1, &head); // rank 2
    a.record(&[3, 0, 4], 3, &head); // rank 1
    a.record(&[0, 1, 2], 4, &head); // miss
    a.record(&[2, 4, 1], 1, &head); // rank 3
    assert_eq!(a.predictions, 4);
    // Recall@1 = 1/4; Recall@3 = 3/4.
    assert!((a.recall(1) - 0.25).abs() < 1e-12);
    assert!((a.recall(3) - 0.75).abs() < 1e-12);
    // MRR@3 = (1/2 + 1 + 0 + 1/3) / 4 = 11/24.
    assert!((a.mrr(3) - 11.0 / 24.0).abs() < 1e-12);
    assert!((a.mrr(1) - 0.25).abs() < 1e-12);
    // NDCG@3 = (1/log2(3) + 1 + 1/log2(4)) / 4.
    let ndcg = (1.0 / 3f64.log2() + 1.0 + 0.5) / 4.0;
    assert!((a.ndcg(3) - ndcg).abs() < 1e-12);
    let r = a.summary("m");
    // Top-1 lists: {0, 3, 0, 2} → 3 of 5 items; top-3: all 5.
    assert!((r.at[0].coverage - 0.6).abs() < 1e-12);
    assert!((r.at[1].coverage - 1.0).abs() < 1e-12);
    // Head share: top-1 has item 0 twice of 4 slots; top-3 has it 3 times of 12.
    assert!((r.at[0].popular_share - 0.5).abs() < 1e-12);
    assert!((r.at[1].popular_share - 0.25).abs() < 1e-12);
    assert_eq!(r.recall_curve.len(), 3);
    assert!((r.recall_curve[1] - 0.5).abs() < 1e-12);
}

#[test]
fn merging_partial_accumulators_equals_one_pass() {
    let head = [false; 4];
    let lists: [(&[u32], u32); 4] = [(&[0, 1], 1), (&[2, 3], 2), (&[1, 0], 3), (&[3, 2], 2)];
    let mut whole = Accum::new(&[2], 4);
    let (mut left, mut right) = (Accum::new(&[2], 4), Accum::new(&[2], 4));
    for (n, (l, t)) in lists.iter().enumerate() {
        whole.record(l, *t, &head);
        if n < 2 {
            left.record(l, *t, &head)
        } else {
            right.record(l, *t, &head)
        }
    }
    left.merge(&right);
    assert_eq!(left.summary("x"), whole.summary("x"));
}
