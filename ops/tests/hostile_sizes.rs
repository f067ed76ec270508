//! Ops whose output size comes from their arguments (kron, repeat, pad, upsample, one_hot,
//! roi_align, affine_grid...) or that materialise a huge broadcast view: each must fail the call
//! with a clean error under the call's limits, never abort the process on a failed allocation.
//!
//! Every request here is at least 2**48 bytes: past what the address space can hold, so a
//! kernel that allocates without the funnel aborts at once (it never pages memory in).

use torchscript_ops::alloc::{AllocLimits, CallScope};
use torchscript_ops::{Arg, DType, OpError, Registry, Tensor};

const BIG: i64 = 1 << 24;

fn ramp(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|i| i as f32 * 0.25 - 1.0).collect();
    Tensor::from_vec(v, shape).unwrap()
}

/// A small float tensor broadcast (a view: no memory) to `shape`.
fn wide(shape: &[i64]) -> Arg {
    let ones = vec![1usize; shape.len()];
    Arg::Tensor(ramp(&ones).expand(shape).unwrap())
}

/// An int64 tensor of zeros broadcast to `shape`.
fn wide_index(shape: &[i64]) -> Arg {
    let ones = vec![1usize; shape.len()];
    let zero = Tensor::from_vec(vec![0i64], &ones).unwrap();
    Arg::Tensor(zero.expand(shape).unwrap())
}

/// A boolean `true` broadcast to `shape`.
fn wide_mask(shape: &[i64]) -> Arg {
    let ones = vec![1usize; shape.len()];
    let mask = Tensor::from_vec(vec![torchscript_ops::dtype::Bool8(1)], &ones).unwrap();
    Arg::Tensor(mask.expand(shape).unwrap())
}

fn t(shape: &[usize]) -> Arg {
    Arg::Tensor(ramp(shape))
}

fn ints(values: &[i64]) -> Arg {
    Arg::List(values.iter().map(|&v| Arg::Int(v)).collect())
}

fn int_tensor(values: &[i64]) -> Arg {
    Arg::Tensor(Tensor::from_vec(values.to_vec(), &[values.len()]).unwrap())
}

/// (op, arguments) of calls whose result would take at least 2**48 bytes.
fn oversized_calls() -> Vec<(&'static str, Vec<Arg>)> {
    use Arg::{Bool, Float, Int, None as Nil};
    vec![
        // Sizes from integer arguments.
        ("aten::repeat", vec![t(&[2, 2]), ints(&[BIG, BIG])]),
        ("aten::tile", vec![t(&[2, 2]), ints(&[BIG, BIG])]),
        (
            "aten::repeat_interleave.self_int",
            vec![t(&[4]), Int(1 << 46), Nil, Nil],
        ),
        (
            "aten::constant_pad_nd",
            vec![t(&[1, 1]), ints(&[BIG, BIG, BIG, BIG]), Int(0)],
        ),
        (
            "aten::upsample_nearest2d",
            vec![t(&[1, 1, 2, 2]), ints(&[BIG, BIG]), Nil, Nil],
        ),
        (
            "aten::upsample_bilinear2d",
            vec![t(&[1, 1, 2, 2]), ints(&[BIG, BIG]), Bool(false), Nil, Nil],
        ),
        ("aten::one_hot", vec![int_tensor(&[0, 1]), Int(1 << 47)]),
        ("aten::eye.m", vec![Int(BIG), Int(BIG), Nil, Nil, Nil, Nil]),
        (
            "aten::tril_indices",
            vec![Int(BIG), Int(BIG), Int(0), Nil, Nil, Nil, Nil],
        ),
        (
            "aten::triu_indices",
            vec![Int(BIG), Int(BIG), Int(0), Nil, Nil, Nil, Nil],
        ),
        ("aten::bincount", vec![int_tensor(&[1 << 50]), Nil, Int(0)]),
        ("aten::bincount", vec![int_tensor(&[1]), Nil, Int(1 << 50)]),
        ("aten::histc", vec![t(&[4]), Int(1 << 50), Int(0), Int(0)]),
        (
            "aten::affine_grid_generator",
            vec![t(&[1, 2, 3]), ints(&[1, 1, BIG, BIG]), Bool(false)],
        ),
        (
            "torchvision::roi_align",
            vec![
                t(&[1, 1, 4, 4]),
                Arg::Tensor(Tensor::from_vec(vec![0f32, 0., 0., 2., 2.], &[1, 5]).unwrap()),
                Float(1.0),
                Int(BIG),
                Int(BIG),
                Int(2),
                Bool(false),
            ],
        ),
        (
            "torchvision::roi_pool",
            vec![
                t(&[1, 1, 4, 4]),
                Arg::Tensor(Tensor::from_vec(vec![0f32, 0., 0., 2., 2.], &[1, 5]).unwrap()),
                Float(1.0),
                Int(BIG),
                Int(BIG),
            ],
        ),
        (
            "aten::conv_transpose2d.input",
            vec![
                t(&[1, 1, 2, 2]),
                t(&[1, 1, 1, 1]),
                Nil,
                ints(&[BIG, BIG]),
                ints(&[0, 0]),
                ints(&[0, 0]),
                Int(1),
                ints(&[1, 1]),
            ],
        ),
        (
            "aten::vander",
            vec![t(&[BIG as usize / 256]), Int(1 << 34), Bool(false)],
        ),
        // Sizes from the product of two inputs' sizes.
        ("aten::kron", vec![wide(&[BIG]), wide(&[BIG])]),
        ("aten::outer", vec![wide(&[BIG]), wide(&[BIG])]),
        (
            "aten::addr",
            vec![t(&[1]), wide(&[BIG]), wide(&[BIG]), Int(1), Int(1)],
        ),
        (
            "aten::cdist",
            vec![wide(&[1, BIG, 1]), wide(&[1, BIG, 1]), Float(2.0), Nil],
        ),
        ("aten::pdist", vec![wide(&[1 << 25, 1]), Float(2.0)]),
        ("aten::cov", vec![wide(&[BIG, 2]), Int(1), Nil, Nil]),
        (
            "aten::cartesian_prod",
            vec![Arg::List(vec![wide(&[BIG]), wide(&[BIG])])],
        ),
        (
            "aten::block_diag",
            vec![Arg::List(vec![wide(&[BIG, 1]), wide(&[1, BIG])])],
        ),
        (
            "aten::diag_embed",
            vec![wide(&[BIG]), Int(0), Int(-2), Int(-1)],
        ),
        ("aten::matmul", vec![wide(&[BIG, 1]), wide(&[1, BIG])]),
        // Huge broadcast views materialised by the op.
        ("aten::flip", vec![wide(&[BIG, BIG]), ints(&[0])]),
        (
            "aten::roll",
            vec![wide(&[BIG, BIG]), ints(&[1]), ints(&[0])],
        ),
        ("aten::cumsum", vec![wide(&[BIG, BIG]), Int(1), Nil]),
        ("aten::sort", vec![wide(&[BIG, BIG]), Int(-1), Bool(false)]),
        ("aten::relu", vec![wide(&[BIG, BIG])]),
        ("aten::add.Tensor", vec![wide(&[BIG, BIG]), t(&[1]), Int(1)]),
        ("aten::softmax.int", vec![wide(&[BIG, BIG]), Int(-1), Nil]),
        (
            "aten::index_select",
            vec![t(&[4]), Int(0), wide_index(&[1 << 48])],
        ),
        (
            "aten::gather",
            vec![t(&[4, 4]), Int(1), wide_index(&[4, 1 << 46]), Bool(false)],
        ),
        (
            "aten::embedding",
            vec![
                t(&[4, 4]),
                wide_index(&[BIG, BIG]),
                Int(-1),
                Bool(false),
                Bool(false),
            ],
        ),
        (
            "aten::cat",
            vec![
                Arg::List(vec![wide(&[BIG, BIG]), wide(&[BIG, BIG])]),
                Int(0),
            ],
        ),
        (
            "aten::stack",
            vec![
                Arg::List(vec![wide(&[BIG, BIG]), wide(&[BIG, BIG])]),
                Int(0),
            ],
        ),
        (
            "aten::max_pool2d",
            vec![
                wide(&[1, 1, BIG, BIG]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                ints(&[0, 0]),
                ints(&[1, 1]),
                Bool(false),
            ],
        ),
        (
            "aten::conv2d",
            vec![
                wide(&[1, 1, BIG, BIG]),
                t(&[1, 1, 3, 3]),
                Nil,
                ints(&[1, 1]),
                ints(&[1, 1]),
                ints(&[1, 1]),
                Int(1),
            ],
        ),
        (
            "aten::grid_sampler",
            vec![
                t(&[1, 1, 2, 2]),
                wide(&[1, BIG, BIG, 2]),
                Int(0),
                Int(0),
                Bool(false),
            ],
        ),
        (
            "aten::layer_norm",
            vec![
                wide(&[BIG, BIG]),
                ints(&[BIG]),
                Nil,
                Nil,
                Float(1e-5),
                Bool(false),
            ],
        ),
        (
            "aten::zeros_like",
            vec![wide(&[BIG, BIG]), Nil, Nil, Nil, Nil, Nil],
        ),
        (
            "aten::full_like",
            vec![wide(&[BIG, BIG]), Float(2.0), Nil, Nil, Nil, Nil, Nil],
        ),
        (
            "aten::index.Tensor",
            vec![t(&[4]), Arg::List(vec![wide_index(&[BIG, BIG])])],
        ),
        ("aten::nonzero", vec![wide(&[BIG, BIG])]),
        ("aten::masked_select", vec![t(&[1]), wide_mask(&[BIG, BIG])]),
        (
            "aten::_unique2",
            vec![wide(&[BIG, BIG]), Bool(true), Bool(true), Bool(true)],
        ),
        (
            "aten::topk",
            vec![wide(&[BIG, BIG]), Int(1), Int(-1), Bool(true), Bool(true)],
        ),
        ("aten::bmm", vec![wide(&[1, BIG, 1]), wide(&[1, 1, BIG])]),
        (
            "aten::einsum",
            vec![
                Arg::Str("i,j->ij".into()),
                Arg::List(vec![wide(&[BIG]), wide(&[BIG])]),
                Nil,
            ],
        ),
        (
            "aten::scaled_dot_product_attention",
            vec![
                wide(&[1, 1, BIG, 1]),
                wide(&[1, 1, BIG, 1]),
                wide(&[1, 1, BIG, 1]),
                Nil,
                Float(0.0),
                Bool(false),
                Nil,
                Bool(false),
            ],
        ),
        (
            "aten::quantize_per_tensor",
            vec![wide(&[BIG, BIG]), Float(0.1), Int(0), Int(12)],
        ),
        ("aten::pixel_shuffle", vec![wide(&[1, 4, BIG, BIG]), Int(2)]),
        ("aten::diag", vec![wide(&[BIG]), Int(0)]),
        (
            "aten::to.dtype",
            vec![wide(&[BIG, BIG]), Int(7), Bool(false), Bool(false), Nil],
        ),
        (
            "aten::where.self",
            vec![wide_mask(&[BIG, BIG]), t(&[1]), t(&[1])],
        ),
    ]
}

/// Runs case `index` of the table in this process: `Err` names what went wrong.
fn run_case(registry: &Registry, index: usize) -> Result<(), String> {
    let (op, args) = oversized_calls().swap_remove(index);
    let _scope = CallScope::enter(AllocLimits {
        max_tensor_bytes: 1 << 30,
        max_call_bytes: 4 << 30,
    });
    match registry.call(op, &args) {
        Err(OpError::MemoryLimit { .. }) => {
            // Ordinary sizes still work inside the scope.
            match Tensor::zeros(&[4, 4], DType::F32) {
                Ok(_) => Ok(()),
                Err(e) => Err(format!("{op}: a small tensor fails after it: {e}")),
            }
        }
        Ok(_) => Err(format!("{op}: succeeded")),
        Err(e) => Err(format!("{op}: {e}")),
    }
}

const CASE_VAR: &str = "TORCHSCRIPT_HOSTILE_SIZES_CASE";

/// Each case runs in a child process (this test binary again, with the case's index in
/// `CASE_VAR`), so that one kernel aborting on an allocation reports its op and the other
/// cases still run.
#[test]
fn oversized_results_fail_the_call_under_limits() {
    let registry = Registry::with_all_ops();
    if let Ok(index) = std::env::var(CASE_VAR) {
        let index: usize = index.parse().unwrap();
        if let Err(e) = run_case(&registry, index) {
            panic!("{e}");
        }
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut wrong = Vec::new();
    for (index, (op, _)) in oversized_calls().iter().enumerate() {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "oversized_results_fail_the_call_under_limits",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CASE_VAR, index.to_string())
            .output()
            .unwrap();
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let why = stderr
                .lines()
                .find(|l| l.contains("panicked") || l.contains("memory allocation"))
                .map_or_else(|| format!("{}", out.status), |l| l.trim().to_string());
            let detail = stderr
                .lines()
                .skip_while(|l| !l.contains("panicked"))
                .nth(1)
                .unwrap_or("")
                .trim()
                .to_string();
            wrong.push(format!("{op} (case {index}): {why} {detail}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "calls that should have failed on the memory limit:\n{}",
        wrong.join("\n")
    );
}
