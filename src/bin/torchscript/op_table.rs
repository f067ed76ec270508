//! The human-readable table of `bench --profile-ops` (stderr): the operators that take the most time.

use torchscript::bench::OpProfile;

/// How many operators the table lists (the JSON has them all).
const ROWS: usize = 25;

/// Prints the top operators of `profile` to stderr, per method call.
pub fn print_op_profile(profile: &OpProfile) {
    let calls = profile.calls.max(1) as f64;
    let total_ms = profile.total.as_secs_f64() * 1e3 / calls;
    let percent = |ms: f64| {
        if total_ms > 0.0 {
            100.0 * ms / total_ms
        } else {
            0.0
        }
    };
    eprintln!(
        "{:>9} {:>6} {:>8}  op (per method call; {total_ms:.3} ms in all)",
        "ms", "%", "calls"
    );
    for row in profile.ops.iter().take(ROWS) {
        let ms = row.total.as_secs_f64() * 1e3 / calls;
        eprintln!(
            "{ms:>9.3} {:>6.1} {:>8.1}  {}",
            percent(ms),
            row.calls as f64 / calls,
            row.op
        );
    }
    if profile.ops.len() > ROWS {
        eprintln!(
            "{:>26}  ({} more operators in the JSON)",
            "",
            profile.ops.len() - ROWS
        );
    }
    let outside = profile.outside_kernels().as_secs_f64() * 1e3 / calls;
    eprintln!(
        "{outside:>9.3} {:>6.1} {:>8}  outside kernels (interpreter, builtins, binding)",
        percent(outside),
        ""
    );
}
