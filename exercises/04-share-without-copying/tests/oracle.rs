//! The oracle for exercise 4: an allocator that counts bytes shows whether the payload was
//! copied.

use ex04_share_without_copying::checksums;
use std::sync::Mutex;
use support::{CountingAlloc, allocated_bytes, checksum};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Allocation counts are process-wide; one test at a time keeps them apart.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MIB: usize = 1024 * 1024;

fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn workers_share_the_payload_instead_of_copying_it() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let bytes = payload(16 * MIB);
    let before = allocated_bytes();
    let sums = checksums(bytes, 4);
    let copied = allocated_bytes() - before;
    assert_eq!(sums.len(), 4);
    assert!(
        copied < (4 * MIB) as u64,
        "checksums allocated {} MiB for a 16 MiB payload and 4 workers: the payload is being \
         copied (each copy is 16 MiB); share it instead",
        copied / MIB as u64
    );
}

#[test]
fn every_worker_reads_the_whole_payload() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let bytes = payload(MIB + 7);
    let expected: Vec<u64> = (0..5).map(|i| checksum(&bytes, i)).collect();
    assert_eq!(
        checksums(bytes, 5),
        expected,
        "worker i must return checksum(&payload, i), in worker order"
    );
    assert_eq!(checksums(payload(10), 0), Vec::<u64>::new());
}
