//! Host-name lists and queries from arbitrary text: the list either fails with a line error in
//! both the size pass and the build, or builds into exactly the size asked for and loads back;
//! every query answers the naive rule (exact name, or `*.d` for names strictly under `d`) or is
//! invalid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_core::host::{build_hostset, check_name, host_entries, host_required_size, HostSet};

fn naive(text: &str, query: &[u8]) -> u32 {
    let q = check_name(query).unwrap().to_ascii_lowercase();
    host_entries(text)
        .map(Result::unwrap)
        .filter(|e| {
            let d = e.name.to_ascii_lowercase().into_bytes();
            if e.wildcard {
                q.len() > d.len() + 1 && q.ends_with(&d) && q[q.len() - d.len() - 1] == b'.'
            } else {
                q == d
            }
        })
        .fold(0, |t, e| t | e.tags)
}

fuzz_target!(|data: &[u8]| {
    // The list, then queries, separated by a NUL byte; queries one per '\n'.
    let (list, queries) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(list) else {
        return;
    };
    let size = match host_required_size(text) {
        Ok(size) => size,
        Err(_) => return,
    };
    let mut storage = vec![0u64; size.div_ceil(8)];
    // SAFETY: u64 storage viewed as bytes.
    let bytes = unsafe { std::slice::from_raw_parts_mut(storage.as_mut_ptr().cast::<u8>(), size) };
    let set = build_hostset(bytes, text).expect("a list whose size was computed builds");
    let loaded = HostSet::load(set.image()).expect("a built image loads");
    for q in queries.split(|&b| b == b'\n') {
        match loaded.lookup_bytes(q) {
            Ok(tags) => assert_eq!(tags, naive(text, q)),
            Err(_) => assert!(check_name(q).is_err()),
        }
    }
});
