//! CPU time of a process, from `/proc`: the sum over its threads of the nanoseconds they spent
//! on a CPU (`/proc/PID/task/TID/schedstat`, first field), so no tick rounding.

use std::fs;

/// Nanoseconds process `pid` has spent on a CPU so far, over all its threads (`None` if it is
/// gone or `/proc` is not there).
pub fn process_ns(pid: u32) -> Option<u64> {
    let mut total = 0u64;
    for task in fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let path = task.ok()?.path().join("schedstat");
        // A thread that ended between the listing and the read counts as zero.
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}
