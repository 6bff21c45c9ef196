//! Instruction-count companion of the `jwt` bench, for A/B decisions on a loaded machine:
//! runs one part of the `jwt_verify_2048` workload `N` times so that
//! `valgrind --tool=callgrind` can count it (wall-clock time is noise there, instructions are
//! not). Parts: `full` (`jwt::verify`), `signature` (`tollgate_signature_only`: the
//! signature segment decoded, then our RSA check, which hashes the signing input), `claims`
//! (step 5 alone), `none` (setup only, to subtract).
//!
//! ```text
//! cargo bench -p tollgate-bench --bench jwt_count --no-run
//! valgrind --tool=callgrind target/release/deps/jwt_count-* full 1000
//! ```
//! (Per verification: (Ir(part, N) − Ir(none, 0)) / N.)

mod jwt_setup;

use std::hint::black_box;

use tollgate_core::jwt::{self, Policy};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` runs every bench target with `--bench`: do nothing then.
    let part = args.get(1).map(String::as_str).unwrap_or("--bench");
    if part == "--bench" {
        return;
    }
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    // A fixed clock: the same token in every run, so counts differ only by the code.
    let w = jwt_setup::Workload::fixed();
    let mut scratch = vec![0u8; jwt::scratch_len(w.token.len())];
    let policy = Policy::new(jwt_setup::ISS, jwt_setup::AUDIENCES);
    let mut ok = 0usize;
    match part {
        "full" => {
            for _ in 0..n {
                ok += usize::from(black_box(&w).tollgate(&mut scratch));
            }
        }
        "signature" => {
            for _ in 0..n {
                ok += usize::from(black_box(&w).tollgate_signature_only());
            }
        }
        "claims" => {
            let verified =
                jwt::verify_signature(&w.keys, &policy, w.token.as_bytes(), &mut scratch).unwrap();
            for _ in 0..n {
                ok += usize::from(
                    verified
                        .claims(black_box(&policy), black_box(w.now))
                        .is_ok(),
                );
            }
        }
        "none" => {}
        other => panic!("unknown part {other}: full, signature, claims or none"),
    }
    assert!(part == "none" || ok == n, "{ok} of {n} verified");
    println!("{part}: {ok} of {n}");
}
