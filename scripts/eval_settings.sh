# Training settings shared by scripts/eval_all.sh, bench/train_bench.sh and
# bench/implicit_compare.sh (sourced; each can be overridden from the
# environment). Chosen on the YOOCHOOSE validation split (train_tr /
# train_valid) and the other data sets' validation splits, never on a test
# split (docs/EVALUATION.md).
THREADS=${THREADS:-2}
FACTORS=${FACTORS:-64}
ITERATIONS=${ITERATIONS:-15}
ALPHA=${ALPHA:-100}
LAMBDA=${LAMBDA:-1}
# Every interaction counts the same for next-item prediction (validation: REES46 cosmetics).
EVENT_WEIGHTS=${EVENT_WEIGHTS:-view_item=1,add_to_cart=1,remove_from_cart=0,purchase=1}
# Recency half-life of event strengths, in training and in the engine's session
# profile: 5m beat 7d, 1h, 15m, 2m and 30s on the validation splits.
HALF_LIFE=${HALF_LIFE:-5m}
