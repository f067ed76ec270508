//! Ports of libstdc++'s sort/nth_element/partial_sort, so `sort`/`topk` order ties like PyTorch.

// Every private function below works on a range `first..last` of `v` with
// `first <= last <= v.len()`, which the three public entry points establish (they return early
// or clamp when their arguments do not); the libstdc++ algorithms keep every index they form
// inside that range, and the two unguarded scans are bounded by explicit `< v.len()` / `> 0`
// tests, and a partition's cut is clamped to its range, so that a comparator that is not a
// strict weak order cannot walk off the slice (the callers' NaN-aware orders are strict weak).
// The heap sizes are at most `v.len()`, so `2 * (second + 1)` and `first + second` stay below
// `2 * v.len() <= isize::MAX`. Indexing and arithmetic are therefore allowed function by
// function (each with `reason:`), instead of paying a checked access per comparison in a sort.

const THRESHOLD: usize = 16;

/// `floor(log2(n))`, 0 for `n == 0`.
fn lg(n: usize) -> usize {
    n.checked_ilog2().unwrap_or(0) as usize
}

/// `std::sort(v.begin(), v.end(), less)`.
pub fn sort<T: Copy>(v: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    if v.len() > 1 {
        introsort_loop(v, 0, v.len(), lg(v.len()).saturating_mul(2), less);
        final_insertion_sort(v, 0, v.len(), less);
    }
}

/// `std::nth_element(v.begin(), v.begin() + nth, v.end(), less)`.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
pub fn nth_element<T: Copy>(v: &mut [T], nth: usize, less: &impl Fn(&T, &T) -> bool) {
    if v.is_empty() || nth >= v.len() {
        return;
    }
    let (mut first, mut last) = (0usize, v.len());
    let mut depth = lg(v.len()).saturating_mul(2);
    while last - first > 3 {
        if depth == 0 {
            heap_select(v, first, nth + 1, last, less);
            v.swap(first, nth);
            return;
        }
        depth -= 1;
        let cut = unguarded_partition_pivot(v, first, last, less).min(last);
        if cut <= nth {
            first = cut;
        } else {
            last = cut;
        }
    }
    insertion_sort(v, first, last, less);
}

/// `std::partial_sort(v.begin(), v.begin() + middle, v.end(), less)`.
/// A `middle` past the end sorts the whole slice.
pub fn partial_sort<T: Copy>(v: &mut [T], middle: usize, less: &impl Fn(&T, &T) -> bool) {
    let middle = middle.min(v.len());
    heap_select(v, 0, middle, v.len(), less);
    sort_heap(v, 0, middle, less);
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn introsort_loop<T: Copy>(
    v: &mut [T],
    first: usize,
    mut last: usize,
    mut depth: usize,
    less: &impl Fn(&T, &T) -> bool,
) {
    while last - first > THRESHOLD {
        if depth == 0 {
            heap_select(v, first, last, last, less);
            sort_heap(v, first, last, less);
            return;
        }
        depth -= 1;
        let cut = unguarded_partition_pivot(v, first, last, less).min(last);
        introsort_loop(v, cut, last, depth, less);
        last = cut;
    }
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn move_median_to_first<T: Copy>(
    v: &mut [T],
    result: usize,
    a: usize,
    b: usize,
    c: usize,
    less: &impl Fn(&T, &T) -> bool,
) {
    let pick = if less(&v[a], &v[b]) {
        if less(&v[b], &v[c]) {
            b
        } else if less(&v[a], &v[c]) {
            c
        } else {
            a
        }
    } else if less(&v[a], &v[c]) {
        a
    } else if less(&v[b], &v[c]) {
        c
    } else {
        b
    };
    v.swap(result, pick);
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn unguarded_partition<T: Copy>(
    v: &mut [T],
    mut first: usize,
    mut last: usize,
    pivot: usize,
    less: &impl Fn(&T, &T) -> bool,
) -> usize {
    loop {
        while first < v.len() && less(&v[first], &v[pivot]) {
            first += 1;
        }
        last -= 1;
        while last > 0 && less(&v[pivot], &v[last]) {
            last -= 1;
        }
        if first >= last {
            return first;
        }
        v.swap(first, last);
        first += 1;
    }
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn unguarded_partition_pivot<T: Copy>(
    v: &mut [T],
    first: usize,
    last: usize,
    less: &impl Fn(&T, &T) -> bool,
) -> usize {
    let mid = first + (last - first) / 2;
    move_median_to_first(v, first, first + 1, mid, last - 1, less);
    unguarded_partition(v, first + 1, last, first, less)
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn insertion_sort<T: Copy>(v: &mut [T], first: usize, last: usize, less: &impl Fn(&T, &T) -> bool) {
    if first == last {
        return;
    }
    for i in first + 1..last {
        if less(&v[i], &v[first]) {
            let val = v[i];
            v.copy_within(first..i, first + 1);
            v[first] = val;
        } else {
            unguarded_linear_insert(v, i, less);
        }
    }
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn unguarded_linear_insert<T: Copy>(v: &mut [T], mut last: usize, less: &impl Fn(&T, &T) -> bool) {
    let val = v[last];
    while last > 0 && less(&val, &v[last - 1]) {
        v[last] = v[last - 1];
        last -= 1;
    }
    v[last] = val;
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn final_insertion_sort<T: Copy>(
    v: &mut [T],
    first: usize,
    last: usize,
    less: &impl Fn(&T, &T) -> bool,
) {
    if last - first > THRESHOLD {
        insertion_sort(v, first, first + THRESHOLD, less);
        for i in first + THRESHOLD..last {
            unguarded_linear_insert(v, i, less);
        }
    } else {
        insertion_sort(v, first, last, less);
    }
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn adjust_heap<T: Copy>(
    v: &mut [T],
    first: usize,
    mut hole: usize,
    len: usize,
    value: T,
    less: &impl Fn(&T, &T) -> bool,
) {
    let top = hole;
    let mut second = hole;
    while len > 0 && second < (len - 1) / 2 {
        second = 2 * (second + 1);
        if less(&v[first + second], &v[first + second - 1]) {
            second -= 1;
        }
        v[first + hole] = v[first + second];
        hole = second;
    }
    if len >= 2 && len & 1 == 0 && second == (len - 2) / 2 {
        second = 2 * (second + 1);
        v[first + hole] = v[first + second - 1];
        hole = second - 1;
    }
    // push_heap
    let mut parent = hole.wrapping_sub(1) / 2;
    while hole > top && less(&v[first + parent], &value) {
        v[first + hole] = v[first + parent];
        hole = parent;
        parent = hole.wrapping_sub(1) / 2;
    }
    v[first + hole] = value;
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn make_heap<T: Copy>(v: &mut [T], first: usize, last: usize, less: &impl Fn(&T, &T) -> bool) {
    let len = last - first;
    if len < 2 {
        return;
    }
    let mut parent = (len - 2) / 2;
    loop {
        let value = v[first + parent];
        adjust_heap(v, first, parent, len, value, less);
        if parent == 0 {
            return;
        }
        parent -= 1;
    }
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn pop_heap<T: Copy>(
    v: &mut [T],
    first: usize,
    last: usize,
    result: usize,
    less: &impl Fn(&T, &T) -> bool,
) {
    let value = v[result];
    v[result] = v[first];
    adjust_heap(v, first, 0, last - first, value, less);
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn heap_select<T: Copy>(
    v: &mut [T],
    first: usize,
    middle: usize,
    last: usize,
    less: &impl Fn(&T, &T) -> bool,
) {
    make_heap(v, first, middle, less);
    for i in middle..last {
        if less(&v[i], &v[first]) {
            pop_heap(v, first, middle, i, less);
        }
    }
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)] // reason: see the invariant above
fn sort_heap<T: Copy>(v: &mut [T], first: usize, mut last: usize, less: &impl Fn(&T, &T) -> bool) {
    while last - first > 1 {
        last -= 1;
        pop_heap(v, first, last, last, less);
    }
}
